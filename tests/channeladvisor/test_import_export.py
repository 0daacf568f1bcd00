"""CA-1 import timing and fields, HOLD-5, CA-2 export flag, OData paging of GET /v1/Orders."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from simulator.world import World
from tests.fixtures.channeladvisor import SECOND_APP, Oms, place, to_import


def _ids(oms: Oms, **params: object) -> set[str]:
    return {o["SiteOrderID"] for o in oms.orders(**params)}


def test_ca1_order_released_on_a_tick_appears_at_exactly_1h00(oms: Oms, world: World) -> None:
    order = place(world)  # placed at 09:00, a tick boundary: hold ends 10:00, itself a tick
    world.advance(seconds=3599)
    assert _ids(oms) == set()
    world.advance(seconds=1)
    assert _ids(oms) == {order.id}
    assert oms.order(order)["ImportDateUtc"] == "2026-11-02T10:00:00Z"


def test_ca1_order_released_between_ticks_appears_at_the_next_tick(oms: Oms, world: World) -> None:
    world.advance(seconds=5 * 60)
    order = place(world)  # 09:05 -> hold ends 10:05 -> next tick 10:15
    world.advance(to=order.hold_until)  # type: ignore[arg-type]
    assert order.status == "AWAITING_SHIPMENT"
    assert _ids(oms) == set()
    world.advance(seconds=10 * 60 - 1)
    assert _ids(oms) == set()
    world.advance(seconds=1)
    assert _ids(oms) == {order.id}
    assert oms.order(order)["ImportDateUtc"] == "2026-11-02T10:15:00Z"


def test_ca1_import_lag_is_never_more_than_1h15(oms: Oms, world: World) -> None:
    world.advance(seconds=60)
    order = place(world)  # 09:01 -> worst case: hold ends 10:01, tick 10:15
    world.advance(to=order.create_time + timedelta(hours=1, minutes=15))
    assert _ids(oms) == {order.id}


def test_ca1_imported_order_fields(oms: Oms, world: World) -> None:
    order = place(world, items=[("172000000000000101", 2), ("172000000000000102", 1)])
    to_import(world, order)
    ca = oms.order(order)
    assert (ca["ShippingStatus"], ca["CheckoutStatus"], ca["PaymentStatus"]) == ("Unshipped", "Completed", "Cleared")
    assert ca["SiteOrderID"] == order.id and ca["ProfileID"] == 12000001 and ca["SiteName"] == "TikTok Shop"
    assert ca["TotalPrice"] == 33 and ca["Currency"] == "USD" and ca["BuyerEmailAddress"] == "buyer@example.com"
    assert [(i["Sku"], i["Quantity"], i["UnitPrice"]) for i in ca["Items"]] == [("MUG-BLU", 2, 12.5), ("TWL-LIN", 1, 8)]
    assert ca["Fulfillments"][0]["DeliveryStatus"] == "NoChange" and ca["Adjustments"] == []
    assert ca["EstimatedShipDateUtc"] == order.rts_sla_time.strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[union-attr]
    assert _ids(oms, exported="false") == {order.id}


def test_hold5_order_cancelled_in_hold_never_reaches_channeladvisor(oms: Oms, world: World) -> None:
    order = place(world)
    world.advance(seconds=30 * 60)
    world.engine.buyer_cancel(order.id)
    world.advance(seconds=3 * 3600)
    assert _ids(oms) == set()
    assert world.systems["channeladvisor"].project_order(order.id) is None


def test_ca2_exported_orders_leave_the_exported_false_list(oms: Oms, world: World) -> None:
    first, second = place(world), place(world)
    to_import(world, second)
    assert _ids(oms, exported="false") == {first.id, second.id}
    assert oms.export(oms.ca_id(first)).status_code == 204
    assert _ids(oms, exported="false") == {second.id}
    assert _ids(oms, exported="true") == {first.id}
    assert _ids(oms) == {first.id, second.id}  # no exported parameter: everything
    assert oms.call("GET", f"/v1/Orders({oms.ca_id(first)})").status_code == 200  # single GET ignores the flag
    assert oms.call("DELETE", f"/v1/Orders({oms.ca_id(first)})/Export").status_code == 204
    assert _ids(oms, exported="false") == {first.id, second.id}


def test_ca2_export_flag_is_per_application(client: FlaskClient, world: World) -> None:
    order = place(world)
    to_import(world, order)
    mine = Oms(client, world)
    other = Oms(client, world, refresh=SECOND_APP[2], app=SECOND_APP[:2])
    mine.export(mine.ca_id(order))
    assert _ids(mine, exported="false") == set()
    assert _ids(other, exported="false") == {order.id}


def test_ca2_export_unknown_order_is_404(oms: Oms) -> None:
    resp = oms.export(999999)
    assert resp.status_code == 404 and "error" in resp.json


def test_bad_exported_value_is_400(oms: Oms) -> None:
    resp = oms.call("GET", "/v1/Orders", params={"exported": "maybe"})
    assert resp.status_code == 400 and "exported" in resp.json["error"]["message"]


def test_paging_follows_odata_nextlink_20_per_page_when_expanding(oms: Oms, world: World) -> None:
    orders = [place(world) for _ in range(45)]
    to_import(world, orders[-1])
    resp = oms.call("GET", "/v1/Orders", params={"exported": "false", "$expand": "Items", "$count": "true"})
    body, seen = resp.json, []
    assert body["@odata.count"] == 45
    while True:
        seen.extend(o["SiteOrderID"] for o in body["value"])
        link = body.get("@odata.nextLink")
        if not link:
            break
        assert "access_token=" in link and "$skip=" in link
        assert len(body["value"]) == 20
        body = oms.client.get(link.replace("http://localhost", "")).json
    assert seen == [o.id for o in orders]


def test_paging_is_100_per_page_without_expand_and_top_bounds_the_result(oms: Oms, world: World) -> None:
    orders = [place(world) for _ in range(130)]
    to_import(world, orders[-1])
    first = oms.call("GET", "/v1/Orders", params={}).json
    assert len(first["value"]) == 100 and "$skip=100" in first["@odata.nextLink"]
    topped = oms.call("GET", "/v1/Orders", params={"$top": "5", "$skip": "3"}).json
    assert [o["SiteOrderID"] for o in topped["value"]] == [o.id for o in orders[3:8]]
    assert "@odata.nextLink" not in topped


def test_select_and_orderby(oms: Oms, world: World) -> None:
    a = place(world)
    world.advance(seconds=60)
    b = place(world)
    to_import(world, b)
    rows = oms.orders(**{"$select": "ID,SiteOrderID", "$orderby": "CreatedDateUtc desc"})
    assert [r["SiteOrderID"] for r in rows] == [b.id, a.id]
    assert set(rows[0]) == {"ID", "SiteOrderID"}
