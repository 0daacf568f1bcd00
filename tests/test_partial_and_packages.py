"""Partial cancels and package changes end to end, as partners see them: signed TikTok calls, ChannelAdvisor
REST and SFCC OCAPI through the partner-side clients the scenarios use (written from the vendors' docs).

Each test ends with every system agreeing (the invariant checker finds nothing). Rules: CAN-L1..CAN-L4,
PKG-1, PKG-3, PKG-4, PKG-5.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from simulator.control.api import ControlError
from simulator.scenarios import channels
from simulator.scenarios.clients import Clients, Refused
from simulator.scenarios.runner import Context
from simulator.world import World
from tests.test_consistency import DIRECT_SHOP, HOUR, RITHUM_SHOP, SFCC_SHOP, consistent
from tests.test_consistency import world as world  # noqa: PLC0414 - the same fresh seeded world per test

OUT_OF_STOCK = "seller_cancel_reason_out_of_stock"


@pytest.fixture
def api(world: World) -> Clients:
    return channels._clients(Context(world))


def place(world: World, shop: str, *, mugs: int = 2, towel: bool = True, split: bool = False,
          **kw: Any) -> Any:
    skus = [s.id for s in world.systems["tiktok"].catalog.shop_skus(shop)][:2]
    items = [{"sku_id": skus[0], "quantity": mugs}] + ([{"sku_id": skus[1]}] if towel else [])
    view = world.control.place_order(shop_id=shop, items=items, split_packages=split, **kw)
    world.advance(seconds=HOUR)
    return world.engine.orders[view["order"]["id"]]


def detail(api: Clients, order: Any) -> dict[str, Any]:
    found: dict[str, Any] = api.tiktok("GET", "/order/202309/orders", order.shop_id, query={"ids": order.id})
    return dict(found["orders"][0])


def provider(api: Clients, order: Any) -> str:
    option = detail(api, order)["delivery_option_id"]
    providers = api.tiktok("GET", f"/logistics/202309/delivery_options/{option}/shipping_providers", order.shop_id)
    return str(providers["shipping_providers"][0]["id"])


def ship(api: Clients, order: Any, package_id: str, tracking: str) -> None:
    api.tiktok("POST", f"/fulfillment/202309/packages/{package_id}/ship", order.shop_id, body={
        "self_shipment": {"tracking_number": tracking, "shipping_provider_id": provider(api, order)}})


def refused(call: Any) -> Any:
    with pytest.raises(Refused) as caught:
        call()
    return caught.value.code


# -- partial cancellation ---------------------------------------------------------------------------
def test_can_l1_seller_cancels_one_unit_on_the_api_and_ships_the_rest(world: World, api: Clients) -> None:
    order = place(world, DIRECT_SHOP)
    mug = order.line_items[0]
    before = world.inventory.skus[mug.sku_id].available
    answer = api.tiktok("POST", "/return_refund/202309/cancellations", order.shop_id, body={
        "order_id": order.id, "cancel_reason": OUT_OF_STOCK, "skus": [{"sku_id": mug.sku_id, "quantity": 1}]})
    assert answer["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    shown = detail(api, order)
    assert shown["status"] == "AWAITING_SHIPMENT"
    assert [li["display_status"] for li in shown["line_items"]] == ["CANCELLED", "AWAITING_SHIPMENT", "AWAITING_SHIPMENT"]
    assert shown["line_items"][0]["cancel_user"] == "SELLER" and shown["line_items"][0]["package_status"] == "CANCELLED"
    package = api.tiktok("GET", f"/fulfillment/202309/packages/{shown['packages'][0]['id']}", order.shop_id)
    assert mug.id not in package["order_line_item_ids"] and len(package["order_line_item_ids"]) == 2
    found = api.tiktok("POST", "/return_refund/202309/cancellations/search", order.shop_id,
                       body={"order_ids": [order.id]})["cancellations"][0]
    assert found["refund_amount"]["refund_total"] == f"{mug.sale_price:.2f}"
    assert found["refund_amount"]["refund_shipping_fee"] == "0.00"
    assert [c["order_line_item_id"] for c in found["cancel_line_items"]] == [mug.id]
    assert world.inventory.skus[mug.sku_id].available == before + 1
    ship(api, order, shown["packages"][0]["id"], "1ZPARTIAL1")
    assert detail(api, order)["status"] == "AWAITING_COLLECTION"
    assert world.inventory.skus[mug.sku_id].shipped == 1
    consistent(world)


@pytest.mark.parametrize(("case", "code"), [
    ("wrong_reason", 25001008), ("unknown_unit", 25001008), ("too_many", 25001008), ("again", 25001003),
    ("both_forms", 25001008), ("shipped", 25001045),
])
def test_can_l1_refused_partial_cancels_change_nothing(world: World, api: Clients, case: str, code: int) -> None:
    order = place(world, DIRECT_SHOP, split=True)
    mug = order.line_items[0]
    body: dict[str, Any] = {"order_id": order.id, "cancel_reason": OUT_OF_STOCK, "order_line_item_ids": [mug.id]}
    if case == "wrong_reason":
        body["cancel_reason"] = "seller_cancel_paid_reason_address_not_deliver"
    elif case == "unknown_unit":
        body["order_line_item_ids"] = ["577000000000000099"]
    elif case == "too_many":
        body = {**body, "skus": [{"sku_id": mug.sku_id, "quantity": 3}]}
        body.pop("order_line_item_ids")
    elif case == "both_forms":
        body["skus"] = [{"sku_id": mug.sku_id, "quantity": 1}]
    elif case == "again":
        api.tiktok("POST", "/return_refund/202309/cancellations", order.shop_id, body=dict(body))
    elif case == "shipped":
        ship(api, order, mug.package_id, "1ZSHIPPED1")
    before = detail(api, order)
    assert refused(lambda: api.tiktok("POST", "/return_refund/202309/cancellations", order.shop_id, body=body)) == code
    assert detail(api, order) == before
    consistent(world)


def test_can_l2_buyer_cancels_whole_orders_the_platform_units(world: World) -> None:
    order = place(world, DIRECT_SHOP, mugs=1)
    with pytest.raises(ControlError):
        world.control.buyer_cancel(order.id, line_item_ids=[order.line_items[0].id])
    assert order.pending_cancel_id is None
    answer = world.control.platform_cancel(order.id, "platform", line_item_ids=[order.line_items[1].id])
    assert answer["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE" and order.status.value == "AWAITING_SHIPMENT"
    world.control.platform_cancel(order.id, "platform", line_item_ids=[order.line_items[0].id])  # the last unit
    assert order.status.value == "CANCELLED"
    refunds = [world.engine.cancellations[c].refund_total for c in order.cancellation_ids]
    assert sum(refunds, Decimal(0)) == order.total_amount  # the shipping fee went back with the last unit
    consistent(world)


def test_can_l3_partial_cancels_between_tiktok_and_sfcc(world: World, api: Clients) -> None:
    order = place(world, SFCC_SHOP, split=True)
    api.tiktok("POST", "/return_refund/202309/cancellations", order.shop_id, body={
        "order_id": order.id, "cancel_reason": OUT_OF_STOCK, "order_line_item_ids": [order.line_items[0].id]})
    no = world.systems["sfcc"].project_order(order.id)["order_no"]
    doc = api.sfcc("GET", f"/s/RefArch/dw/shop/v22_6/orders/{no}").json()
    assert doc["c_externalChannelOrderStatus"] == 7 and doc["c_externalOrderStatus"] == "CANCELLED_PARTIAL"
    assert [i["c_externalLineItemStatus"] for i in doc["product_items"]] == [7, 0]
    cancelled = json.loads(doc["c_cancelInfoHistory"])[0]["cancelInfo"]
    assert json.loads(cancelled)["cancelItems"] == {order.line_items[0].seller_sku: {
        "quantity": 1, "reason": OUT_OF_STOCK}}
    towel = order.line_items[2]
    api.sfcc("PATCH", f"/s/RefArch/dw/shop/v22_6/orders/{no}", json_body={  # the OMS cancels the towel in SFCC
        "c_orderAction": "cancel", "c_cancelInfo": json.dumps({
            "cancelItems": {towel.seller_sku: {"quantity": 1, "reason": OUT_OF_STOCK}}, "reasonCode": OUT_OF_STOCK})})
    world.advance(seconds=15 * 60)  # the export job's feed reaches TikTok
    assert [li["display_status"] for li in detail(api, order)["line_items"]][2] == "CANCELLED"
    assert order.status.value == "AWAITING_SHIPMENT" and len(order.cancellation_ids) == 2
    ship(api, order, order.line_items[1].package_id, "1ZLASTMUG")
    doc = api.sfcc("GET", f"/s/RefArch/dw/shop/v22_6/orders/{no}").json()
    assert [i["c_externalLineItemStatus"] for i in doc["product_items"]] == [2, 6]
    assert doc["shipping_status"] == "shipped"
    consistent(world)


def test_can_l4_item_adjustments_through_channeladvisor(world: World, api: Clients) -> None:
    order = place(world, RITHUM_SHOP)
    world.advance(seconds=15 * 60)  # imported
    world.control.platform_cancel(order.id, "platform", line_item_ids=[order.line_items[2].id])
    world.advance(seconds=15 * 60)
    ca = api.ca_order(order.id, expand="Items($expand=Adjustments)")
    mug, towel = ca["Items"]
    assert towel["Adjustments"][0]["Type"] == "Cancellation" and towel["Adjustments"][0]["Quantity"] == 1
    assert towel["Adjustments"][0]["Reason"] == "ItemNotAvailable" and ca["ShippingStatus"] == "Unshipped"
    with pytest.raises(Refused):  # a partial item cancel must say the item is not available (out of stock)
        api.channeladvisor("POST", f"/v1/OrderItems({mug['ID']})/Adjust", json_body={"Quantity": 1})
    api.channeladvisor("POST", f"/v1/OrderItems({mug['ID']})/Adjust",
                       json_body={"Reason": "ItemNotAvailable", "Quantity": 1})
    world.advance(seconds=15 * 60)  # the next sync carries it to TikTok
    assert [li.status.value for li in order.line_items] == ["CANCELLED", "AWAITING_SHIPMENT", "CANCELLED"]
    api.channeladvisor("POST", f"/v1/Orders({ca['ID']})/Ship", json_body={"Value": {
        "TrackingNumber": "1ZCAMUG", "ShippingCarrier": "UPS", "ShippingClass": "GROUND", "DeliveryStatus": "Complete"}})
    world.advance(seconds=15 * 60)
    assert order.status.value == "AWAITING_COLLECTION"
    shipped = api.ca_order(order.id, expand="Fulfillments($expand=Items)")["Fulfillments"][0]
    assert [(i["Quantity"]) for i in shipped["Items"]] == [1]  # the one mug left
    consistent(world)


# -- packages -----------------------------------------------------------------------------------------
def test_pkg_1_split_on_the_api_ships_package_by_package_and_sfcc_follows(world: World, api: Clients) -> None:
    order = place(world, SFCC_SHOP, mugs=1)
    attributes = api.tiktok("GET", "/fulfillment/202309/orders/split_attributes", order.shop_id,
                            query={"order_ids": order.id})["split_attributes"]
    assert attributes == [{"order_id": order.id, "can_split": True, "reason": "", "must_split": False}]
    sent: list[dict[str, Any]] = []
    hooks = world.systems["tiktok"].webhooks
    hooks.post = lambda url, body, headers, deadline: (sent.append(json.loads(body)), (200, ""))[1]
    app_key = world.control.credentials()["tiktok"]["apps"][0]["app_key"]
    with world.lock:
        hooks.subscribe(app_key, order.shop_id, "PACKAGE_UPDATE", "https://oms.partner.example/hooks", strict=False)
    mug, towel = (li.id for li in order.line_items)
    packages = api.tiktok("POST", f"/fulfillment/202309/orders/{order.id}/split", order.shop_id, body={
        "splittable_groups": [{"id": "1", "order_line_item_ids": [mug]},
                              {"id": "2", "order_line_item_ids": [towel]}]})["packages"]
    assert [p["order_line_item_ids"] for p in packages] == [[mug], [towel]]
    world.advance(seconds=1)  # webhooks go out between instants
    assert [(h["type"], h["data"]["sc_type"], [p["package_id"] for p in h["data"]["package_list"]]) for h in sent] == [
        (4, "SPLIT", [p["id"] for p in packages])]
    shown = detail(api, order)
    assert shown["split_or_combine_tag"] == "SPLIT" and [p["id"] for p in shown["packages"]] == [
        p["id"] for p in packages]
    ship(api, order, packages[1]["id"], "1ZTOWEL")
    assert detail(api, order)["status"] == "PARTIALLY_SHIPPING"
    no = world.systems["sfcc"].project_order(order.id)["order_no"]
    doc = api.sfcc("GET", f"/s/RefArch/dw/shop/v22_6/orders/{no}").json()
    assert doc["shipping_status"] == "part_shipped"
    assert [i["c_externalLineItemStatus"] for i in doc["product_items"]] == [0, 2]
    ship(api, order, packages[0]["id"], "1ZMUG")
    assert detail(api, order)["status"] == "AWAITING_COLLECTION"
    consistent(world)


def test_pkg_1_channeladvisor_has_one_fulfillment_per_package(world: World, api: Clients) -> None:
    order = place(world, RITHUM_SHOP, mugs=1)
    world.advance(seconds=15 * 60)
    world.engine.split_order(order.id, [[order.line_items[0].id], [order.line_items[1].id]])  # the platform's split
    world.advance(seconds=15 * 60)
    ca = api.ca_order(order.id, expand="Fulfillments($expand=Items)")
    first, second = ca["Fulfillments"]
    assert (first["DeliveryStatus"], second["DeliveryStatus"]) == ("NoChange", "NoChange")
    api.channeladvisor("PATCH", f"/v1/Fulfillments({second['ID']})", json_body={"Value": {  # ship one package
        "TrackingNumber": "1ZTWO", "ShippingCarrier": "UPS", "ShippingClass": "GROUND", "DeliveryStatus": "Complete"}})
    assert api.ca_order(order.id)["ShippingStatus"] == "PartiallyShipped"
    world.advance(seconds=15 * 60)
    assert order.status.value == "PARTIALLY_SHIPPING"
    assert world.engine.packages[order.package_ids[1]].tracking_number == "1ZTWO"
    api.channeladvisor("POST", f"/v1/Orders({ca['ID']})/Ship", json_body={"Value": {  # the rest of the order
        "TrackingNumber": "1ZONE", "ShippingCarrier": "UPS", "ShippingClass": "GROUND", "DeliveryStatus": "Complete"}})
    world.advance(seconds=15 * 60)
    assert order.status.value == "AWAITING_COLLECTION"
    shipped = api.ca_order(order.id, expand="Fulfillments($expand=Items)")
    assert shipped["ShippingStatus"] == "Shipped"
    assert [(f["TrackingNumber"], [i["Quantity"] for i in f["Items"]]) for f in shipped["Fulfillments"]] == [
        ("1ZONE", [1]), ("1ZTWO", [1])]
    consistent(world)


@pytest.mark.parametrize(("case", "code"), [("one_group", 21011012), ("missing_unit", 21011012),
                                            ("on_hold", 21011001), ("twice", 21011012)])
def test_pkg_1_refused_splits_change_nothing(world: World, api: Clients, case: str, code: int) -> None:
    if case == "on_hold":
        view = world.control.place_order(shop_id=DIRECT_SHOP, items=[
            {"sku_id": s.id} for s in world.systems["tiktok"].catalog.shop_skus(DIRECT_SHOP)[:2]])
        order = world.engine.orders[view["order"]["id"]]
    else:
        order = place(world, DIRECT_SHOP, mugs=1)
    units = [li.id for li in order.line_items]
    groups = {"one_group": [units], "missing_unit": [units[:1], []], "on_hold": [units[:1], units[1:]],
              "twice": [units, units[:1]]}[case]
    before = [list(world.engine.packages[p].line_item_ids) for p in order.package_ids]
    assert refused(lambda: api.tiktok("POST", f"/fulfillment/202309/orders/{order.id}/split", order.shop_id, body={
        "splittable_groups": [{"id": str(n), "order_line_item_ids": g} for n, g in enumerate(groups)]})) == code
    assert [list(world.engine.packages[p].line_item_ids) for p in order.package_ids] == before
    consistent(world)


def test_pkg_3_mark_package_as_shipped_splits_off_the_named_units(world: World, api: Clients) -> None:
    order = place(world, DIRECT_SHOP, mugs=1)
    mug, towel = (li.id for li in order.line_items)
    first = api.tiktok("POST", f"/fulfillment/202309/orders/{order.id}/packages", order.shop_id, body={
        "order_line_item_ids": [towel], "tracking_number": "1ZMARK1", "shipping_provider_id": provider(api, order)})
    assert first["order_line_item_ids"] == [towel] and first["order_id"] == order.id
    shown = detail(api, order)
    assert shown["status"] == "PARTIALLY_SHIPPING" and len(shown["packages"]) == 2
    package = api.tiktok("GET", f"/fulfillment/202309/packages/{first['package_id']}", order.shop_id)
    assert package["tracking_number"] == "1ZMARK1" and package["package_status"] == "PROCESSING"
    second = api.tiktok("POST", f"/fulfillment/202309/orders/{order.id}/packages", order.shop_id, body={
        "order_line_list": [{"order_line_id": mug}], "tracking_number": "1ZMARK2",
        "shipping_provider_id": provider(api, order)})
    assert second["package_id"] == shown["packages"][0]["id"]  # the whole package left: it ships as it is
    assert detail(api, order)["status"] == "AWAITING_COLLECTION"
    assert refused(lambda: api.tiktok("POST", f"/fulfillment/202309/orders/{order.id}/packages", order.shop_id, body={
        "order_line_item_ids": [mug], "tracking_number": "1ZMARK3",
        "shipping_provider_id": provider(api, order)})) == 21011003
    consistent(world)


def test_pkg_4_orders_tiktok_ships(world: World, api: Clients) -> None:
    direct = place(world, DIRECT_SHOP, mugs=1, towel=False, shipping_type="TIKTOK")
    rithum = place(world, RITHUM_SHOP, mugs=1, towel=False, shipping_type="TIKTOK")
    package = direct.package_ids[0]
    assert refused(lambda: ship(api, direct, package, "1ZSELLER")) == 21008106
    assert refused(lambda: api.tiktok("POST", f"/fulfillment/202309/orders/{direct.id}/packages", direct.shop_id,
                                      body={"order_line_item_ids": [direct.line_items[0].id],
                                            "tracking_number": "1ZSELLER", "shipping_provider_id": "x"})) == 21008106
    api.tiktok("POST", f"/fulfillment/202309/packages/{package}/ship", direct.shop_id,
               body={"handover_method": "PICKUP"})
    shown = detail(api, direct)
    assert shown["status"] == "AWAITING_COLLECTION" and shown["shipping_type"] == "TIKTOK"
    assert shown["tracking_number"].startswith("TT")
    world.advance(seconds=15 * 60)
    ca = api.ca_order(rithum.id)
    assert ca["ShippingStatus"] == "ThirdPartyManaged"
    with pytest.raises(Refused):
        api.channeladvisor("POST", f"/v1/Orders({ca['ID']})/Ship", json_body={"Value": {
            "TrackingNumber": "1ZCA", "ShippingCarrier": "UPS", "ShippingClass": "GROUND"}})
    consistent(world)


def test_pkg_5_warehouse_delivery_option_and_shipping_times_at_placement(world: World, api: Clients) -> None:
    catalog = world.systems["tiktok"].catalog
    house = max(catalog.shop_warehouses(DIRECT_SHOP), key=lambda w: (len(w.delivery_option_ids), w.id))
    option = house.delivery_option_ids[-1]  # not the default: the buyer chose it
    order = place(world, DIRECT_SHOP, towel=False, warehouse_id=house.id, delivery_option_id=option,
                  handling_days=2, shipping_days=3)
    shown = detail(api, order)
    assert (shown["warehouse_id"], shown["delivery_option_id"]) == (house.id, option)
    assert shown["handling_duration"] == {"days": "2", "type": "BUSINESS_DAY"}
    assert shown["rts_sla_time"] < shown["tts_sla_time"] < shown["delivery_sla_time"]
    assert shown["estimated_delivery_time"] == int(order.estimated_delivery_time.timestamp())
    other = next(o for o in catalog.delivery_options if o not in house.delivery_option_ids)
    with pytest.raises(ControlError):
        world.control.place_order(shop_id=DIRECT_SHOP, warehouse_id=house.id, delivery_option_id=other)
    default = world.control.place_order(shop_id=DIRECT_SHOP)["order"]
    first = catalog.default_warehouse(DIRECT_SHOP)
    assert default["warehouse_id"] == first.id and default["delivery_option_id"] == first.delivery_option_ids[0]
    consistent(world)
