"""FUL-3, FUL-4, CAN-S1: OMS -> SFCC by push, pull and batch CSV; the order feed carries it to TikTok Shop."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from flask import Flask, jsonify, request

from simulator.engine import Notice, OrderStatus, PackageStatus
from simulator.world import World
from tests.sfcc.conftest import HOST, OMS_CLIENT, OMS_USER, Sfcc, basic, ensure_sku, order_no, released

NS = {"o": "http://www.demandware.com/xml/impex/order/2006-10-31"}
FEED_DIR = "src/feeds/export/social/tiktok/order"
WEBDAV = f"{HOST}/on/demandware.servlet/webdav/Sites/IMPEX"
TRACKING = "9400100000000000000042"


def _push_shipped(sfcc: Sfcc, no: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    token = sfcc.bm_token(OMS_CLIENT, OMS_USER)
    items = sfcc.get(no, token).json()["product_items"]
    body = {"c_orderAction": "update", "shipping_status": "shipped", "c_externalExportStatus": 2,
            "product_items": [{"product_id": i["product_id"], "c_externalLineItemStatus": 2, "c_carrier": "USPS",
                               "c_trackingNumber": TRACKING} for i in items], **(extra or {})}
    resp = sfcc.patch(no, token, body)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def _feed_files(world: World) -> list[str]:
    folder = world.systems["sfcc"].impex_path(FEED_DIR, create=False)
    return sorted(p.name for p in folder.iterdir()) if folder and folder.is_dir() else []


def test_ful3_feed_file_written_parsed_and_applied_to_tiktok(world: World, sfcc: Sfcc) -> None:
    """FUL-3 / FUL-4 push: OMS pushes shipment -> export job writes XML -> TikTok ships with tracking, notifies."""
    order = released(world)
    no = order_no(world, order)
    patched = _push_shipped(sfcc, no)
    assert patched["shipments"][0]["tracking_number"] == TRACKING and patched["c_externalExportStatus"] == 2
    assert order.status == OrderStatus.AWAITING_SHIPMENT  # nothing reaches TikTok before the job runs
    world.advance(seconds=15 * 60)
    written = world.journal.entries(kind="sfcc.feed.written")[-1]
    path = world.systems["sfcc"].impex_root / written.data["file"]
    root = ET.parse(path).getroot()
    assert root.tag == f"{{{NS['o']}}}orders"
    node = root.find("o:order", NS)
    assert node is not None and node.get("order-no") == no
    assert node.findtext("o:status/o:shipping-status", namespaces=NS) == "SHIPPED"
    assert node.findtext("o:shipments/o:shipment/o:tracking-number", namespaces=NS) == TRACKING
    custom = {c.get("attribute-id"): c.text for c in node.findall("o:custom-attributes/o:custom-attribute", NS)}
    assert custom["externalOrderId"] == order.id
    assert path.name.startswith("TikTokOrderStatusUpdate_") and path.name.endswith("Z.xml")
    package = world.engine.packages[order.package_ids[0]]
    assert order.status == OrderStatus.AWAITING_COLLECTION and package.tracking_number == TRACKING
    option = world.systems["tiktok"].delivery_option_for(order)  # the OMS's "USPS" is the option's USPS provider
    assert option.provider(package.shipping_provider_id).name == package.shipping_provider_name == "USPS"
    assert Notice.SHIPPED.value in [n.kind for n in world.engine.notifications_for(order.id)]
    doc = sfcc.get(no, sfcc.bm_token()).json()
    assert doc["c_externalExportStatus"] == 1  # marked exported
    written = len(world.journal.entries(kind="sfcc.feed.written"))
    job = world.systems["sfcc"].jobs["TikTok-ExportOrderStatus"]
    skipped = job.skipped_runs
    world.advance(seconds=15 * 60)  # next run: nothing ready -> skipped and counted, no file, no notification
    assert len(world.journal.entries(kind="sfcc.feed.written")) == written
    assert job.skipped_runs == skipped + 1 and not world.journal.entries(kind="sfcc.feed.empty")
    assert len(world.journal.entries(kind="sfcc.feed.notified")) == 2  # creation run + shipment run
    world.systems["sfcc"].config.jobs["TikTok-ExportOrderStatus"]["write_empty"] = True  # cartridge behaviour
    world.advance(seconds=15 * 60)
    last = world.systems["sfcc"].impex_root / world.journal.entries(kind="sfcc.feed.written")[-1].data["file"]
    assert ET.parse(last).getroot().findall("o:order", NS) == []
    assert len(world.journal.entries(kind="sfcc.feed.notified")) == 2


def test_ful3_delivery_status_through_the_feed(world: World, sfcc: Sfcc) -> None:
    order = released(world)
    no = order_no(world, order)
    _push_shipped(sfcc, no)
    world.advance(seconds=15 * 60)
    _push_shipped(sfcc, no, {"c_externalChannelOrderStatus": 5})
    world.advance(seconds=15 * 60)
    assert order.status == OrderStatus.DELIVERED
    assert world.engine.packages[order.package_ids[0]].status == PackageStatus.COMPLETED
    assert Notice.DELIVERED.value in [n.kind for n in world.engine.notifications_for(order.id)]


def test_can_s1_seller_cancel_pushed_by_oms_reaches_tiktok_via_feed(world: World, sfcc: Sfcc) -> None:
    """CAN-S1: the OMS tells SFCC (push), SFCC marks CANCELLED, the feed cancels the TikTok order."""
    order = released(world)
    no = order_no(world, order)
    token = sfcc.bm_token(OMS_CLIENT, OMS_USER)
    resp = sfcc.patch(no, token, {"c_orderAction": "cancel_order",
                                  "c_cancelInfo": '{"cancelItems":{},"reasonCode":"seller_cancel_reason_wrong_price"}'})
    assert resp.json()["c_externalOrderStatus"] == "CANCELLED"
    world.advance(seconds=15 * 60)
    assert order.status == OrderStatus.CANCELLED and order.cancellation_initiator == "SELLER"
    assert order.cancel_reason == "seller_cancel_reason_wrong_price"
    applied = world.journal.entries(kind="connector.sfcc.feed_applied", order_id=order.id)
    assert applied[-1].data["action"] == "seller_cancel" and applied[-1].data["rule"] == "CAN-S1"
    assert "connector.sfcc.cancelled" not in [e.kind for e in world.journal.entries(order_id=order.id)]


def test_ful4_batch_csv_uploaded_by_webdav(world: World, sfcc: Sfcc) -> None:
    """FUL-4 batch / CAN-S1: headerless orderNo,orderStatus,shippingStatus CSV in IMPEX, applied by the job."""
    shipped, cancelled = released(world), released(world)
    a, b = order_no(world, shipped), order_no(world, cancelled)
    csv_text = (f"{a},,SHIPPING_STATUS_SHIPPED,{TRACKING},UPS\n{b},ORDER_STATUS_CANCELLED,SHIPPING_STATUS_NOTSHIPPED\n"
                "99999999,ORDER_STATUS_CANCELLED,\nbroken-line\n")
    auth = {"Authorization": basic(OMS_USER[0], "tts-sim-webdav-key-oms")}
    denied = sfcc.s.put(f"{WEBDAV}/src/feeds/import/oms/status/s.csv", data=csv_text, headers={"Authorization": "x"})
    assert denied.status_code == 401
    put = sfcc.s.put(f"{WEBDAV}/src/feeds/import/oms/status/status_001.csv", data=csv_text, headers=auth)
    assert put.status_code == 201
    world.advance(seconds=15 * 60)
    batch = world.journal.entries(kind="sfcc.oms.batch_file")[-1].data
    assert batch["applied"] == [a, b]
    assert any("OrderNotFoundException" in e for e in batch["errors"]) and any("line 4" in e for e in batch["errors"])
    assert sfcc.get(b, sfcc.bm_token()).json()["status"] == "cancelled"
    assert world.systems["sfcc"].impex_path("src/feeds/import/oms/status/archive/status_001.csv").is_file()
    world.advance(seconds=15 * 60)
    assert shipped.status == OrderStatus.AWAITING_COLLECTION
    assert world.engine.packages[shipped.package_ids[0]].shipping_provider_name == "UPS"
    assert cancelled.status == OrderStatus.CANCELLED and cancelled.cancellation_initiator == "SELLER"


@pytest.fixture
def oms_app() -> tuple[Flask, dict[str, dict[str, str]]]:
    """A partner OMS status endpoint (what the user configures for the pull job)."""
    statuses: dict[str, dict[str, str]] = {}
    app = Flask("partner_oms")

    @app.get("/oms/order-status")
    def order_status() -> Any:
        wanted = request.args.get("order_no", "").split(",")
        return jsonify(orders=[{"orderNo": n, **statuses[n]} for n in wanted if n in statuses])

    return app, statuses


def test_ful4_sfcc_pulls_status_from_the_oms(world: World, sfcc: Sfcc, oms_app: tuple[Flask, Any]) -> None:
    """FUL-4 pull: SFCC's job GETs the configured OMS URL periodically and applies what changed."""
    app, statuses = oms_app
    backend = world.systems["sfcc"]
    backend.mount("https://oms.partner.example", app)
    order, other = released(world), released(world)
    statuses[order_no(world, order)] = {"orderStatus": "ORDER_STATUS_NEW", "shippingStatus":
                                        "SHIPPING_STATUS_SHIPPED", "trackingNumber": TRACKING, "carrier": "FedEx"}
    statuses[order_no(world, other)] = {"orderStatus": "ORDER_STATUS_CANCELLED"}
    resp = sfcc.s.put(f"{HOST}/_sim/sfcc/oms-pull", json={"url": "https://oms.partner.example/oms/order-status",
                                                          "interval": "30m"})
    assert resp.status_code == 200
    world.advance(seconds=30 * 60)
    pulled = world.journal.entries(kind="sfcc.oms.pulled")
    assert len(pulled) == 1 and sorted(pulled[0].data["applied"]) == sorted(statuses)
    doc = sfcc.get(order_no(world, other), sfcc.bm_token()).json()
    assert doc["c_externalChannelOrderStatus"] == 6 and doc["status"] == "new"
    world.advance(seconds=15 * 60)
    assert order.status == OrderStatus.AWAITING_COLLECTION
    assert world.engine.packages[order.package_ids[0]].shipping_provider_name == "FedEx"  # the option's provider
    assert other.status == OrderStatus.CANCELLED


def test_feed_job_cadence_is_configurable() -> None:
    world = World.create(seed=0, config={"sfcc": {"jobs": {"TikTok-ExportOrderStatus": {"interval": "5m"}}}})
    root = None
    try:
        ensure_sku(world)
        released(world)
        job = world.systems["sfcc"].jobs["TikTok-ExportOrderStatus"]
        skipped = job.skipped_runs  # 09:05 .. 09:55: nothing ready during the hold
        world.advance(seconds=10 * 60)
        runs = [e.at.strftime("%H:%M") for e in world.journal.entries(kind="sfcc.feed.written")]
        assert runs == ["10:00"] and job.skipped_runs == skipped + 2  # 10:05 and 10:10 had nothing to do
        assert job.describe()["next_run"] == "2026-11-02T10:15:00Z"  # the cadence holds through skipped runs
        assert len(_feed_files(world)) == 1
        root = world.systems["sfcc"].impex_root
    finally:
        world.close()
    assert root is not None and not root.exists()  # the per-world IMPEX folder is removed on close


def test_data_api_status_puts(world: World, sfcc: Sfcc) -> None:
    order = released(world)
    no = order_no(world, order)
    token = sfcc.bm_token(OMS_CLIENT, OMS_USER)
    base = f"{sfcc.data('v23_2')}/sites/RefArch/orders/{no}"
    for field, value in (("export_status", "exported"), ("confirmation_status", "confirmed"),
                         ("payment_status", "paid"), ("external_status", "Picked"), ("shipping_status", "shipped"),
                         ("status", "completed")):
        resp = sfcc.call("PUT", f"{base}/{field}", token, json={"status": value})
        assert resp.status_code == 204, (field, resp.text)
    doc = sfcc.get(no, token).json()
    assert (doc["export_status"], doc["confirmation_status"], doc["payment_status"], doc["external_order_status"],
            doc["shipping_status"], doc["status"]) == ("exported", "confirmed", "paid", "Picked", "shipped",
                                                       "completed")
    assert sfcc.call("PATCH", base, token, json={"c_orderNote": "gift wrap"}).status_code == 204
    assert sfcc.get(no, token).json()["c_orderNote"] == "gift wrap"
