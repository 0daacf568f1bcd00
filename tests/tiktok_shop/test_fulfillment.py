"""Fulfillment: the FUL-1 path over HTTP and every FUL-2 refusal (a refused ship changes nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.tiktok import TikTokClient


def released_order(tiktok: TikTokClient, **kw: Any) -> dict[str, Any]:
    order = tiktok.world.control.place_order(shop_id=tiktok.shop_id, **kw)["order"]
    tiktok.world.control.advance(seconds=3600)
    return tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]


def provider_for(tiktok: TikTokClient, order: dict[str, Any]) -> dict[str, str]:
    path = f"/logistics/202309/delivery_options/{order['delivery_option_id']}/shipping_providers"
    providers: list[dict[str, str]] = tiktok.ok("GET", path)["shipping_providers"]
    return providers[0]


def ship(tiktok: TikTokClient, package_id: str, provider_id: str, tracking: str = "1Z999") -> tuple[int, dict]:
    return tiktok.call("POST", f"/fulfillment/202309/packages/{package_id}/ship", body={
        "handover_method": "DROP_OFF", "self_shipment": {"tracking_number": tracking,
                                                         "shipping_provider_id": provider_id}})


def test_ful_1_detail_providers_ship_collect_deliver(tiktok: TikTokClient) -> None:
    order = released_order(tiktok)
    warehouses = tiktok.ok("GET", "/logistics/202309/warehouses")["warehouses"]
    options = tiktok.ok("GET", f"/logistics/202309/warehouses/{order['warehouse_id']}/delivery_options")
    assert order["warehouse_id"] in {w["id"] for w in warehouses}
    assert order["delivery_option_id"] in {o["id"] for o in options["delivery_options"]}
    provider = provider_for(tiktok, order)
    package_id = order["packages"][0]["id"]
    assert ship(tiktok, package_id, provider["id"])[1]["code"] == 0
    shipped = tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]
    assert shipped["status"] == "AWAITING_COLLECTION" and shipped["tracking_number"] == "1Z999"
    assert shipped["shipping_provider_id"] == provider["id"] and shipped["shipping_provider"] == provider["name"]
    assert shipped["line_items"][0]["package_id"] == package_id
    package = tiktok.ok("GET", f"/fulfillment/202309/packages/{package_id}")
    assert package["package_status"] == "PROCESSING" and package["handover_method"] == "DROP_OFF"
    tiktok.world.control.carrier(package_id, "collected")
    tiktok.world.control.carrier(package_id, "delivered")
    final = tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]
    assert final["status"] == "DELIVERED" and final["delivery_time"] >= final["rts_time"]
    tracking = tiktok.ok("GET", f"/fulfillment/202309/orders/{order['id']}/tracking")["tracking"]
    assert [t["description"] for t in tracking][0] == "Package delivered" and len(tracking) == 3
    notes = [n["kind"] for n in tiktok.world.control.order(order["id"])["notifications"]]
    assert notes == ["shipped", "delivered"]


def _unchanged(tiktok: TikTokClient, order_id: str, before: dict[str, Any]) -> None:
    after = tiktok.ok("GET", "/order/202309/orders", {"ids": order_id})["orders"][0]
    assert after == before


@pytest.mark.parametrize(("case", "code"), [
    ("on_hold", 21011001), ("cancelled", 21011002), ("already_shipped", 21011003),
    ("unknown_package", 21001001), ("unknown_provider", 21011005), ("no_tracking", 21011006),
    ("unpaid", 21011004), ("on_hold_and_unknown_provider", 21011001),  # HOLD-2 wins over input errors
])
def test_ful_2_refusals_change_nothing(tiktok: TikTokClient, case: str, code: int) -> None:
    control = tiktok.world.control
    if case.startswith("on_hold"):
        order = tiktok.ok("GET", "/order/202309/orders", {
            "ids": control.place_order(shop_id=tiktok.shop_id)["order"]["id"]})["orders"][0]
    elif case == "unpaid":
        order = tiktok.ok("GET", "/order/202309/orders", {
            "ids": control.place_order(shop_id=tiktok.shop_id, paid=False)["order"]["id"]})["orders"][0]
    else:
        order = released_order(tiktok)
    provider = provider_for(tiktok, {**order, "delivery_option_id": order["delivery_option_id"]})["id"]
    package_id, tracking = order["packages"][0]["id"], "TRK1"
    if case == "cancelled":
        control.platform_cancel(order["id"], "fraud")
    if case == "already_shipped":
        assert ship(tiktok, package_id, provider)[1]["code"] == 0
    if case == "unknown_package":
        package_id = "115000000000000000"
    if case in ("unknown_provider", "on_hold_and_unknown_provider"):
        provider = "6900000000000000000"
    if case == "no_tracking":
        tracking = " "
    before = tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]
    status, env = ship(tiktok, package_id, provider, tracking)
    assert env["code"] == code and status == 200, env
    _unchanged(tiktok, order["id"], before)


def test_update_shipping_info_within_72h_only(tiktok: TikTokClient) -> None:
    order = released_order(tiktok)
    provider = provider_for(tiktok, order)["id"]
    package_id = order["packages"][0]["id"]
    path = f"/fulfillment/202309/orders/{order['id']}/shipping_info/update"
    status, env = tiktok.call("POST", path, body={"tracking_number": "X", "shipping_provider_id": provider})
    assert env["code"] == 21011008
    ship(tiktok, package_id, provider)
    assert tiktok.call("POST", path, body={"tracking_number": "NEW1", "shipping_provider_id": provider})[1]["code"] == 0
    assert tiktok.ok("GET", f"/fulfillment/202309/packages/{package_id}")["tracking_number"] == "NEW1"
    tiktok.world.control.advance(seconds=72 * 3600 + 1)
    env = tiktok.call("POST", f"/fulfillment/202309/packages/{package_id}/shipping_info/update",
                      body={"tracking_number": "NEW2", "shipping_provider_id": provider})[1]
    assert env["code"] == 21011009


def test_search_packages(tiktok: TikTokClient) -> None:
    order = released_order(tiktok)
    released_order(tiktok)
    ship(tiktok, order["packages"][0]["id"], provider_for(tiktok, order)["id"])
    data = tiktok.ok("POST", "/fulfillment/202309/packages/search", {"page_size": "50"},
                     {"package_status": "PROCESSING"})
    assert data["total_count"] == 1 and data["packages"][0]["id"] == order["packages"][0]["id"]
    assert tiktok.call("POST", "/fulfillment/202309/packages/search", {"page_size": "51"}, {})[1]["code"] == 36009004
