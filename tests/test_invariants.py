"""The invariant checker itself: each family of divergence it must see, on a world bent out of shape by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.app import create_app
from simulator.channeladvisor.enums import ShippingStatus
from simulator.invariants import check
from simulator.sfcc.models import EXPORT_EXPORTED
from simulator.world import World

SFCC_SHOP, RITHUM_SHOP, DIRECT_SHOP = "7495540735365777507", "7495540735365777508", "7495540735365777510"


@pytest.fixture
def world() -> Iterator[World]:
    w = World.create(seed=0)
    yield w
    w.close()


def _rules(world: World) -> set[str]:
    with world.lock:
        return {v.rule for v in check(world)}


def test_a_healthy_world_of_all_three_profiles_holds_every_invariant(world: World) -> None:
    for shop in (SFCC_SHOP, RITHUM_SHOP, DIRECT_SHOP):
        world.control.place_order(shop_id=shop)
    world.advance(seconds=5400)
    assert world.systems["sfcc"].orders.orders and world.systems["channeladvisor"].orders
    assert check(world) == []


def test_hold4_stock_that_appears_or_vanishes_is_seen(world: World) -> None:
    world.control.place_order(shop_id=DIRECT_SHOP)
    sku = next(s for s in world.inventory.skus.values() if s.reserved)
    sku.available += 1  # goods from nowhere
    violations = check(world)
    assert [v.rule for v in violations] == ["HOLD-4"]
    assert violations[0].values["available"] == sku.available and violations[0].values["received"] == sku.received
    sku.available -= 1
    sku.reserved, sku.shipped = sku.reserved - 1, sku.shipped + 1  # shipped without a shipment
    assert {v.message.split(" of ")[0] for v in check(world)} == {"reserved stock", "shipped stock"}


def test_ful1_a_stored_value_that_cannot_be_rendered_is_poison(world: World) -> None:
    order = world.control.place_order(shop_id=DIRECT_SHOP)["order"]
    world.engine.packages[order["packages"][0]["id"]].tracking_number = "\ud800"
    violations = [v for v in check(world) if v.message == "the order cannot be rendered"]
    assert violations and violations[0].systems == ("tiktok",) and violations[0].rule == "FUL-1"


def test_life1_a_journaled_transition_that_is_no_row_of_the_table_is_seen(world: World) -> None:
    order_id = world.control.place_order(shop_id=DIRECT_SHOP)["order"]["id"]
    world.journal.record("order.status", order_id=order_id, old="DELIVERED", new="AWAITING_SHIPMENT", event="ship")
    violations = check(world)
    assert [(v.rule, v.values["event"], v.values["old"]) for v in violations] == [("LIFE-1", "ship", "DELIVERED")]


def test_life1_an_order_status_its_packages_contradict_is_seen(world: World) -> None:
    order_id = world.control.place_order(shop_id=DIRECT_SHOP)["order"]["id"]
    world.advance(seconds=3600)
    from simulator.engine import OrderStatus

    world.engine.orders[order_id].status = OrderStatus.IN_TRANSIT
    assert "order status contradicts its packages" in {v.message for v in check(world)}


def test_sfcc1_can_s1_sfcc_telling_another_story_after_the_feed_is_seen(world: World) -> None:
    order_id = world.control.place_order(shop_id=SFCC_SHOP)["order"]["id"]
    world.advance(seconds=3600)
    doc = world.systems["sfcc"].orders.find_external(order_id)
    doc.custom.update(externalOrderStatus="CANCELLED", externalChannelOrderStatus=6,
                      externalExportStatus=EXPORT_EXPORTED)
    book = world.systems["sfcc"].orders
    book.index.file(doc)  # written behind the book's back: refile it, so only the story disagrees
    violations = check(world)
    assert [(v.rule, v.systems) for v in violations] == [("SFCC-1", ("tiktok", "sfcc"))]
    assert violations[0].values["c_externalOrderStatus"] == {"tiktok": "New", "sfcc": "CANCELLED"}
    doc.custom["externalExportStatus"] = 2  # not exported yet: SFCC may be ahead of TikTok (the feed's lag)
    book.index.file(doc)
    book.ready.add(doc.order_no)
    assert check(world) == []


def test_ca1_ca3_channeladvisor_is_judged_as_of_its_last_sync_tick(world: World) -> None:
    order_id = world.control.place_order(shop_id=RITHUM_SHOP)["order"]["id"]
    world.advance(seconds=3600)  # hold ends 10:00; the 10:00 tick imports it
    ca = world.systems["channeladvisor"].order_for(order_id)
    assert ca is not None and check(world) == []
    world.engine.platform_cancel(order_id, "fraud")  # after the tick: CA may still say Unshipped
    assert check(world) == []
    world.advance(seconds=15 * 60)
    assert ca.shipping_status == ShippingStatus.CANCELED and check(world) == []
    ca.shipping_status = ShippingStatus.SHIPPED
    assert _rules(world) == {"CA-3"}


def test_hold5_an_order_whose_profile_is_not_its_shops_is_seen_and_reaches_no_system(world: World) -> None:
    sku = next(s.sku_id for s in world.inventory.skus.values() if s.seller_sku.startswith("USLCDIRE"))
    order = world.engine.place_order(DIRECT_SHOP, [(sku, 1)], profile="rithum")  # bypasses the shop lookup
    world.advance(seconds=3600)
    assert world.systems["channeladvisor"].order_for(order.id) is None  # no CA profile is wired to the shop
    violations = [v for v in check(world) if v.order_id == order.id]
    assert [(v.rule, v.values) for v in violations] == [
        ("HOLD-5", {"order_profile": "rithum", "shop_profile": "direct"})]


def test_get_sim_invariants_reports_the_checker_over_http(world: World) -> None:
    client = create_app(world).test_client()
    world.control.place_order(shop_id=RITHUM_SHOP)
    body = client.get("/_sim/invariants").get_json()
    assert body["ok"] is True and body["count"] == 0 and body["violations"] == []
    next(iter(world.inventory.skus.values())).available += 5
    body = client.get("/_sim/invariants").get_json()
    assert body["ok"] is False and body["violations"][0]["rule"] == "HOLD-4"
    assert body["violations"][0]["systems"] == ["engine"] and "available" in body["violations"][0]["values"]
    assert world.control.invariants() == body


def _returned(world: World, shop: str, quantity: int = 1) -> str:
    sku = world.systems["tiktok"].catalog.shop_skus(shop)[0].id
    order_id = world.control.place_order(shop_id=shop, items=[{"sku_id": sku, "quantity": quantity}])["order"]["id"]
    world.advance(seconds=3600)
    order = world.engine.orders[order_id]
    world.engine.ship_package(order.package_ids[0], tracking_number="1Z", shipping_provider_id="p")
    world.engine.carrier_delivered(order.package_ids[0])
    world.advance(seconds=15 * 60)
    return order_id


def test_ret1_ret3_ret4_a_return_bent_out_of_shape_is_seen(world: World) -> None:
    order_id = _returned(world, DIRECT_SHOP, quantity=2)
    ret = world.engine.request_return(order_id, "RETURN_AND_REFUND")
    world.engine.approve_return(ret.id)
    world.engine.ship_return(ret.id)
    world.engine.approve_return(ret.id)
    assert check(world) == [] and ret.restocked
    sku = world.inventory.skus[world.engine.orders[order_id].line_items[0].sku_id]
    sku.returned -= 1
    sku.available -= 1  # conserved, but the counter no longer matches the returns put back on sale
    assert _rules(world) == {"RET-3"}
    sku.returned += 1
    sku.available += 1
    from decimal import Decimal

    ret.refund_amount = ret.refund_total + Decimal("1")  # more than its units are worth, more than paid
    assert _rules(world) == {"RET-4"}
    ret.refund_amount = ret.refund_total
    world.engine.orders[order_id].open_return_id = ret.id  # a closed return the order thinks is open
    assert _rules(world) == {"RET-1"}


def test_ret6_ret7_channeladvisor_and_sfcc_tell_the_return_as_tiktok_does(world: World) -> None:
    from simulator.channeladvisor.enums import RequestStatus

    rithum, sfcc = _returned(world, RITHUM_SHOP), _returned(world, SFCC_SHOP)
    for order_id in (rithum, sfcc):
        world.engine.request_return(order_id, "REFUND")
    assert check(world) == []  # CA has not synced yet: it may lag until the tick
    world.advance(seconds=15 * 60)
    assert check(world) == []
    adjustment = next(a for a in world.systems["channeladvisor"].order_for(rithum).adjustments if a.return_id)
    assert adjustment.request_status == RequestStatus.NEW_RMA
    adjustment.request_status = RequestStatus.READY_FOR_RETURN
    assert _rules(world) == {"RET-6"}
    adjustment.request_status = RequestStatus.NEW_RMA
    doc = world.systems["sfcc"].orders.find_external(sfcc)
    assert doc.custom["externalReturnStatus"] == 3
    doc.custom["externalReturnStatus"] = 6
    assert _rules(world) == {"RET-7"}
