"""Combining packages of several orders (PKG-2) end to end, as partners see them: signed TikTok calls, SFCC OCAPI
and ChannelAdvisor REST through the partner-side clients the scenarios use. Each test ends with every system
agreeing (the invariant checker finds nothing).
"""

from __future__ import annotations

from typing import Any

from simulator.scenarios.clients import Clients
from simulator.world import World
from tests.test_consistency import DIRECT_SHOP, RITHUM_SHOP, SFCC_SHOP, consistent
from tests.test_consistency import world as world  # noqa: PLC0414 - the same fresh seeded world per test
from tests.test_partial_and_packages import api as api  # noqa: PLC0414 - the partner clients fixture
from tests.test_partial_and_packages import detail, place, refused, ship

SEARCH = "/fulfillment/202309/combinable_packages/search"
COMBINE = "/fulfillment/202309/packages/combine"


def combinable(api: Clients, shop: str) -> list[dict[str, Any]]:
    return list(api.tiktok("GET", SEARCH, shop, query={"page_size": "20"})["combinable_packages"])


def combine(api: Clients, shop: str, group: dict[str, Any]) -> dict[str, Any]:
    return dict(api.tiktok("POST", COMBINE, shop, body={"combinable_packages": [group]}))


def test_pkg_2_search_combine_ship_every_order_and_sfcc_agree(world: World, api: Clients) -> None:
    first = place(world, SFCC_SHOP, mugs=1)
    second = place(world, SFCC_SHOP, towel=False, same_buyer_as=first.id)
    stock_before = {k: (s.available, s.reserved) for k, s in world.inventory.skus.items()}
    groups = combinable(api, SFCC_SHOP)
    assert groups == [{"id": first.package_ids[0], "order_ids": [first.id, second.id]}]
    answer = combine(api, SFCC_SHOP, groups[0])
    assert answer == {"packages": [{"id": first.package_ids[0], "order_ids": [first.id, second.id]}], "errors": []}
    shared = answer["packages"][0]["id"]
    for order in (first, second):
        shown = detail(api, order)
        assert shared in [p["id"] for p in shown["packages"]] and shown["split_or_combine_tag"] == "COMBINED"
        assert {li.get("package_id") for li in shown["line_items"]} == {None}  # not shipped yet
    package = api.tiktok("GET", f"/fulfillment/202309/packages/{shared}", SFCC_SHOP)
    assert [o["id"] for o in package["orders"]] == [first.id, second.id]
    assert package["split_and_combine_tag"] == "COMBINED" and len(package["order_line_item_ids"]) == 4
    assert combinable(api, SFCC_SHOP) == []
    assert {k: (s.available, s.reserved) for k, s in world.inventory.skus.items()} == stock_before
    consistent(world)
    ship(api, first, shared, "1ZCOMBINED")
    for order in (first, second):
        shown = detail(api, order)
        assert shown["status"] == "AWAITING_COLLECTION" and shown["tracking_number"] == "1ZCOMBINED"
        assert {li["package_id"] for li in shown["line_items"]} == {shared}
        no = world.systems["sfcc"].project_order(order.id)["order_no"]
        doc = api.sfcc("GET", f"/s/RefArch/dw/shop/v22_6/orders/{no}").json()
        assert doc["shipping_status"] == "shipped"
    world.engine.carrier_collected(shared)
    assert (first.status.value, second.status.value) == ("IN_TRANSIT", "IN_TRANSIT")
    consistent(world)


def test_pkg_2_channeladvisor_has_a_fulfillment_per_order(world: World, api: Clients) -> None:
    first = place(world, RITHUM_SHOP, mugs=1)
    second = place(world, RITHUM_SHOP, towel=False, same_buyer_as=first.id)
    combine(api, RITHUM_SHOP, combinable(api, RITHUM_SHOP)[0])
    shared = first.package_ids[0]
    world.advance(seconds=15 * 60)
    fulfillments = [api.ca_order(o.id, expand="Fulfillments($expand=Items)")["Fulfillments"] for o in (first, second)]
    # the second order's own package left for the shared one: its fulfillment is Canceled, the shared one is open
    assert [[f["DeliveryStatus"] for f in fs] for fs in fulfillments] == [["NoChange"], ["Canceled", "NoChange"]]
    ca = api.ca_order(first.id)
    api.channeladvisor("POST", f"/v1/Orders({ca['ID']})/Ship", json_body={"Value": {
        "TrackingNumber": "1ZCA", "ShippingCarrier": "UPS", "ShippingClass": "GROUND", "DeliveryStatus": "Complete"}})
    world.advance(seconds=15 * 60)
    assert world.engine.packages[shared].tracking_number == "1ZCA"
    assert (first.status.value, second.status.value) == ("AWAITING_COLLECTION", "AWAITING_COLLECTION")
    world.advance(seconds=15 * 60)
    other = api.ca_order(second.id, expand="Fulfillments($expand=Items)")
    assert other["ShippingStatus"] == "Shipped"
    assert [f["TrackingNumber"] for f in other["Fulfillments"] if f["DeliveryStatus"] == "Complete"] == ["1ZCA"]
    consistent(world)


def test_pkg_2_uncombine_and_cancel_leave_the_other_orders_packed(world: World, api: Clients) -> None:
    orders = [place(world, DIRECT_SHOP, mugs=1, towel=False)]
    orders += [place(world, DIRECT_SHOP, mugs=1, towel=False, same_buyer_as=orders[0].id) for _ in range(2)]
    answer = combine(api, DIRECT_SHOP, combinable(api, DIRECT_SHOP)[0])
    shared = answer["packages"][0]["id"]
    assert answer["packages"][0]["order_ids"] == [o.id for o in orders]
    left = api.tiktok("POST", f"/fulfillment/202309/packages/{shared}/uncombine", DIRECT_SHOP,
                      body={"order_ids": [orders[2].id]})["packages"]
    assert [p["order_ids"] for p in left] == [[orders[0].id, orders[1].id], [orders[2].id]]
    assert detail(api, orders[2])["packages"][-1]["id"] == left[1]["id"] != shared
    consistent(world)
    reserved = world.inventory.skus[orders[0].line_items[0].sku_id].reserved
    api.tiktok("POST", "/return_refund/202309/cancellations", DIRECT_SHOP, body={
        "order_id": orders[1].id, "cancel_reason": "seller_cancel_reason_out_of_stock"})
    assert world.inventory.skus[orders[0].line_items[0].sku_id].reserved == reserved - 1
    assert world.engine.packages[shared].order_ids == [orders[0].id] and detail(api, orders[1])["status"] == "CANCELLED"
    consistent(world)
    ship(api, orders[0], shared, "1ZALONE")
    assert (orders[0].status.value, orders[2].status.value) == ("AWAITING_COLLECTION", "AWAITING_SHIPMENT")
    consistent(world)


def test_pkg_2_refusals_change_nothing(world: World, api: Clients) -> None:
    first = place(world, DIRECT_SHOP)
    second = place(world, DIRECT_SHOP, same_buyer_as=first.id)
    group = combinable(api, DIRECT_SHOP)[0]
    bad = combine(api, DIRECT_SHOP, {"id": group["id"], "order_ids": [first.id]})
    assert bad["packages"] == [] and [(e["code"], e["detail"]) for e in bad["errors"]] == [
        (21011013, {"package_id": group["id"]})]
    assert refused(lambda: api.tiktok("POST", f"/fulfillment/202309/packages/{first.package_ids[0]}/uncombine",
                                      DIRECT_SHOP, body={"order_ids": [first.id]})) == 21011013
    combine(api, DIRECT_SHOP, group)
    assert refused(lambda: api.tiktok("POST", f"/fulfillment/202309/orders/{second.id}/split", DIRECT_SHOP, body={
        "splittable_groups": [{"id": "1", "order_line_item_ids": [li.id]} for li in second.line_items]})) == 21011013
    ship(api, first, first.package_ids[0], "1ZBOTH")
    assert refused(lambda: api.tiktok("POST", f"/fulfillment/202309/packages/{first.package_ids[0]}/uncombine",
                                      DIRECT_SHOP, body={"order_ids": [second.id]})) == 21011003  # shipped
    assert world.engine.packages[first.package_ids[0]].order_ids == [first.id, second.id]
    consistent(world)
