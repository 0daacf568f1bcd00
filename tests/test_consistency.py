"""One order, one truth: the divergences once seen between TikTok Shop, SFCC and ChannelAdvisor, each fixed.

Seller actions go through the vendor APIs with the partner-side clients the scenarios use (written from
the vendors' docs). Every test ends with the invariant checker finding nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from simulator.app import create_app
from simulator.channeladvisor.enums import RequestStatus
from simulator.connectors.sfcc_port import cut
from simulator.engine import CancelStatus, OrderStatus, Role
from simulator.invariants import check
from simulator.scenarios import channels
from simulator.scenarios.clients import Refused
from simulator.scenarios.runner import Context
from simulator.world import World

SFCC_SHOP, RITHUM_SHOP, DIRECT_SHOP = "7495540735365777507", "7495540735365777508", "7495540735365777510"
HOUR = 3600


@pytest.fixture
def world() -> Iterator[World]:
    w = World.create(seed=0)
    yield w
    w.close()


@pytest.fixture
def ctx(world: World) -> Context:
    return Context(world)


def place(world: World, shop: str, *, two: bool = False, split: bool = False, release: bool = True) -> Any:
    skus = [s.id for s in world.systems["tiktok"].catalog.shop_skus(shop)][: 2 if two else 1]
    view = world.control.place_order(shop_id=shop, items=[{"sku_id": s} for s in skus], split_packages=split)
    if release:
        world.advance(seconds=HOUR)
    return world.engine.orders[view["order"]["id"]]


def sfcc_doc(world: World, order: Any) -> Any:
    return world.systems["sfcc"].orders.find_external(order.id)


def oms_patch(ctx: Context, order: Any, body: dict[str, Any]) -> requests.Response:
    """The partner OMS writes to the SFCC order over OCAPI (FUL-4 push)."""
    doc = ctx.world.systems["sfcc"].project_order(order.id)
    return channels._clients(ctx).sfcc("PATCH", f"/s/RefArch/dw/shop/v22_6/orders/{doc['order_no']}", json_body=body)


def ship_lines(ctx: Context, order: Any, skus: list[str], tracking: str, carrier: str = "UPS",
               status: str = "shipped") -> None:
    oms_patch(ctx, order, {"c_orderAction": "update", "shipping_status": status, "product_items": [
        {"product_id": sku, "c_externalLineItemStatus": 2, "c_carrier": carrier, "c_trackingNumber": tracking}
        for sku in skus]})


def kinds(world: World, order: Any, prefix: str) -> list[str]:
    return [e.kind for e in world.journal.entries(kind=prefix, order_id=order.id)]


def consistent(world: World) -> None:
    with world.lock:
        violations = check(world)
    assert not violations, "\n".join(map(str, violations))


def sfcc_down(world: World) -> Any:
    """Cut TikTok's connector off from SFCC; returns the function that ends the outage."""
    return cut(world.systems["sfcc"].connector)


# -- routing ----------------------------------------------------------------------------------------
def test_hold5_a_profile_without_a_shop_places_on_that_profiles_first_shop(world: World) -> None:
    client = create_app(world).test_client()
    body = client.post("/_sim/buyer/orders", json={"profile": "rithum"}).get_json()
    assert body["shop_id"] == RITHUM_SHOP and body["profile"] == "rithum"
    assert world.control.place_order(profile="sfcc")["shop_id"] == SFCC_SHOP
    refused = client.post("/_sim/buyer/orders", json={"profile": "rithum", "shop_id": DIRECT_SHOP})
    assert refused.status_code == 400
    assert refused.get_json()["message"] == f"shop {DIRECT_SHOP} integrates through the direct profile, not rithum"
    world.advance(seconds=HOUR)
    ca = world.systems["channeladvisor"].order_for(body["order"]["id"])
    assert ca is not None and ca.profile_id == 12000001  # Harbor Goods' profile, the one wired to its shop
    consistent(world)


# -- SFCC learns what happens on TikTok ---------------------------------------------------------------
def test_can_s2_a_seller_cancel_on_the_tiktok_api_reaches_sfcc(world: World, ctx: Context) -> None:
    order = place(world, SFCC_SHOP)
    channels.cancel(ctx, order, {"reason": "seller_cancel_reason_out_of_stock"}, "tiktok_api")
    doc = sfcc_doc(world, order)
    assert order.status == OrderStatus.CANCELLED
    assert (doc.custom["externalOrderStatus"], doc.custom["externalChannelOrderStatus"]) == ("CANCELLED", 6)
    cancelled = world.journal.entries(kind="connector.sfcc.cancelled", order_id=order.id)
    assert [e.data["rule"] for e in cancelled] == ["CAN-S2"]
    consistent(world)


def test_life1_shipment_delivery_and_completion_on_tiktok_reach_sfcc(world: World, ctx: Context) -> None:
    order = place(world, SFCC_SHOP)
    channels.ship(ctx, order, {"tracking_number": "9400100000000000000099"}, "tiktok_api")
    doc = sfcc_doc(world, order)
    assert doc.shipping_status == "shipped"
    assert {i.custom["trackingNumber"] for i in doc.product_items} == {"9400100000000000000099"}
    assert doc.shipments[0].tracking_number == "9400100000000000000099"
    world.engine.carrier_delivered(order.package_ids[0])
    assert (sfcc_doc(world, order).custom["externalOrderStatus"],
            sfcc_doc(world, order).custom["externalChannelOrderStatus"]) == ("Completed", 5)
    world.advance(seconds=31 * 86400)
    assert order.status == OrderStatus.COMPLETED and sfcc_doc(world, order).custom["externalChannelOrderStatus"] == 5
    assert sfcc_doc(world, order).custom["externalExportStatus"] != 2  # TikTok's own writes are not fed back
    consistent(world)


def test_can_x1_an_sfcc_cancel_of_an_order_tiktok_already_shipped_ends_shipped_everywhere(
        world: World, ctx: Context) -> None:
    order = place(world, SFCC_SHOP)
    restore = sfcc_down(world)  # TikTok ships while SFCC is unreachable: SFCC does not know yet
    channels.ship(ctx, order, {"tracking_number": "1Z0000000000000001"}, "tiktok_api")
    oms_patch(ctx, order, {"c_orderAction": "cancel_order", "c_cancelInfo": json.dumps(
        {"cancelItems": {}, "reasonCode": "out_of_stock"})})  # the cartridge accepts the cancel
    restore()
    world.advance(seconds=15 * 60)  # the next export brings the cancel to TikTok, which refuses it
    refused = world.journal.entries(kind="connector.sfcc.feed_refused", order_id=order.id)
    assert [(e.data["action"], e.data["reason"], e.data["rule"]) for e in refused] == [
        ("seller_cancel", "already_shipped", "CAN-X1")]
    doc = sfcc_doc(world, order)
    assert order.status == OrderStatus.AWAITING_COLLECTION and doc.shipping_status == "shipped"
    assert (doc.custom["externalOrderStatus"], doc.custom["externalChannelOrderStatus"]) == ("New", 3)
    assert {i.custom["externalLineItemStatus"] for i in doc.product_items} == {2}
    consistent(world)


def test_can_b2_an_unreachable_sfcc_defers_the_sellers_acceptance_never_rejects_it(
        world: World, ctx: Context) -> None:
    order = place(world, SFCC_SHOP)
    cancellation = world.engine.buyer_cancel(order.id)
    restore = sfcc_down(world)
    channels.approve(ctx, order, {}, "tiktok_api")
    assert cancellation.status == CancelStatus.PENDING and cancellation.deferred_approval == Role.SELLER
    view = world.control.order(order.id)
    assert view["pending"]["sfcc"] == [{"kind": "approve", "attempt": 2, "due": "2026-11-02T10:01:00+00:00"}]
    world.advance(seconds=60)  # attempt 2 fails too: backed off to 5 minutes
    assert world.control.order(order.id)["pending"]["sfcc"][0]["due"] == "2026-11-02T10:06:00+00:00"
    restore()
    world.advance(seconds=5 * 60)
    assert order.status == OrderStatus.CANCELLED and cancellation.status == CancelStatus.COMPLETE
    assert cancellation.resolved_by == Role.SELLER and cancellation.reject_reason is None
    assert [k for k in kinds(world, order, "connector.sfcc") if "approval" in k] == [
        "connector.sfcc.approval_deferred", "connector.sfcc.approval_retry", "connector.sfcc.approval_deferred",
        "connector.sfcc.approval_retry"]
    assert sfcc_doc(world, order).custom["externalChannelOrderStatus"] == 6
    consistent(world)


def test_ful3_a_partly_shipped_sfcc_order_ships_only_the_packages_whose_lines_shipped(
        world: World, ctx: Context) -> None:
    order = place(world, SFCC_SHOP, two=True, split=True)
    first, second = (li.seller_sku for li in order.line_items)
    ship_lines(ctx, order, [first], "TRACK-A", status="part_shipped")
    world.advance(seconds=15 * 60)
    packages = [world.engine.packages[p] for p in order.package_ids]
    assert order.status == OrderStatus.PARTIALLY_SHIPPING
    assert [(p.tracking_number, p.shipping_provider_name) for p in packages] == [("TRACK-A", "UPS"), (None, None)]
    consistent(world)
    ship_lines(ctx, order, [second], "TRACK-B", carrier="USPS")
    world.advance(seconds=15 * 60)
    assert order.status == OrderStatus.AWAITING_COLLECTION
    assert [(p.tracking_number, p.shipping_provider_name) for p in packages] == [("TRACK-A", "UPS"),
                                                                                 ("TRACK-B", "USPS")]
    consistent(world)


def test_ful5_an_unapproved_carrier_in_the_feed_is_refused_and_tiktok_unchanged(world: World, ctx: Context) -> None:
    order = place(world, SFCC_SHOP)
    ship_lines(ctx, order, [order.line_items[0].seller_sku], "PX-1", carrier="Pony Express")
    world.advance(seconds=15 * 60)
    refused = world.journal.entries(kind="connector.sfcc.feed_refused", order_id=order.id)
    assert [(e.data["reason"], e.data["rule"], e.data["carrier"]) for e in refused] == [
        ("carrier_not_approved", "FUL-5", "Pony Express")]
    assert order.status == OrderStatus.AWAITING_SHIPMENT and world.engine.packages[order.package_ids[0]].rts_time is None
    assert sfcc_doc(world, order).shipping_status == "not_shipped"  # rolled back: TikTok is the system of record
    consistent(world)


def test_can_l3_units_cancelled_in_sfcc_reach_tiktok_by_the_feed_once(world: World, ctx: Context) -> None:
    order = place(world, SFCC_SHOP, two=True)
    oms_patch(ctx, order, {"c_orderAction": "cancel", "c_cancelInfo": json.dumps(
        {"cancelItems": {order.line_items[0].seller_sku: 1}, "reasonCode": "out_of_stock"})})
    world.advance(seconds=15 * 60)
    applied = world.journal.entries(kind="connector.sfcc.feed_applied", order_id=order.id)
    assert [(e.data["action"], e.data["rule"]) for e in applied] == [("seller_partial_cancel", "CAN-L3")]
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert [li.status for li in order.line_items] == [OrderStatus.CANCELLED, OrderStatus.AWAITING_SHIPMENT]
    world.advance(seconds=3 * 15 * 60)  # later export runs carry the same history: nothing cancelled twice
    assert len(order.cancellation_ids) == 1 and not world.journal.entries(
        kind="connector.sfcc.feed_skipped", order_id=order.id)
    consistent(world)


def test_sla5_an_auto_cancel_reads_sfcc_first_and_finds_the_order_shipped(world: World, ctx: Context) -> None:
    order = place(world, SFCC_SHOP)
    sku = world.inventory.get(order.line_items[0].sku_id)
    deadline = order.cancel_order_sla_time
    world.advance(to=deadline - timedelta(minutes=8))  # shipped in SFCC; the feed runs at the deadline
    ship_lines(ctx, order, [order.line_items[0].seller_sku], "LATE-1")
    world.advance(to=deadline)
    assert order.status == OrderStatus.AWAITING_COLLECTION and not order.cancellation_ids
    assert (sku.reserved, sku.shipped) == (0, 1)  # goods that left were never put back on sale
    relayed = world.journal.entries(kind="connector.sfcc.shipment_relayed", order_id=order.id)
    assert [e.data["before"] for e in relayed] == ["auto_cancel"]
    consistent(world)


def test_can_p1_a_fraud_cancel_after_an_unrelayed_sfcc_shipment_is_a_cancel_after_shipped(
        world: World, ctx: Context) -> None:
    order = place(world, SFCC_SHOP)
    sku = world.inventory.get(order.line_items[0].sku_id)
    ship_lines(ctx, order, [order.line_items[0].seller_sku], "FRAUD-1")
    world.engine.platform_cancel(order.id, "fraud")
    assert order.status == OrderStatus.CANCELLED and order.cancel_after_shipped
    assert (sku.reserved, sku.shipped) == (0, 1)
    assert sfcc_doc(world, order).custom["orderTag"] == "cancel_after_shipped"
    world.advance(seconds=15 * 60)
    consistent(world)


# -- PARTIALLY_SHIPPING: auto-cancel and the LDR ---------------------------------------------------------
def test_sla5_sla2_a_partly_shipped_order_is_auto_cancelled_and_stays_in_the_ldr(world: World, ctx: Context) -> None:
    order = place(world, DIRECT_SHOP, two=True, split=True)
    first, second = order.line_items
    channels.ship(ctx, order, {"package": 0, "tracking_number": "PART-1"}, "tiktok_api")
    assert order.status == OrderStatus.PARTIALLY_SHIPPING
    start, end = world.clock.now().isoformat(), (world.clock.now() + timedelta(days=30)).isoformat()
    world.advance(to=order.rts_sla_time + timedelta(minutes=1))
    ldr = world.control.ldr(start, end)
    assert (ldr["shipped"], ldr["partially_shipped_overdue"], ldr["rate"]) == (0, 1, 0.0)
    world.advance(to=order.cancel_order_sla_time)
    assert order.status == OrderStatus.CANCELLED and order.cancel_after_shipped
    assert order.cancellation_initiator == "SYSTEM"
    shipped, unshipped = world.inventory.get(first.sku_id), world.inventory.get(second.sku_id)
    assert (shipped.shipped, shipped.reserved, unshipped.shipped, unshipped.reserved) == (1, 0, 0, 0)
    ldr = world.control.ldr(start, end)
    assert (ldr["shipped"], ldr["cancelled_after_deadline"], ldr["partially_shipped_overdue"], ldr["rate"]) == (
        0, 1, 0, 1.0)
    consistent(world)


# -- ChannelAdvisor adjustment states say what happened ---------------------------------------------------
def test_can_b3_a_request_superseded_by_the_platform_is_information_only(world: World, ctx: Context) -> None:
    order = place(world, RITHUM_SHOP)
    world.engine.buyer_cancel(order.id)
    world.advance(seconds=15 * 60)
    world.engine.platform_cancel(order.id, "fraud")
    world.advance(seconds=15 * 60)
    ca = world.systems["channeladvisor"].order_for(order.id)
    states = [(a.reason.value, a.request_status) for a in ca.adjustments]
    assert states == [("BuyerCancelled", RequestStatus.INFORMATION_ONLY),
                      ("GeneralAdjustment", RequestStatus.POST_PROCESSING_COMPLETE)]
    consistent(world)


def test_can_b3_an_approval_that_lost_the_race_to_auto_approval_is_not_an_error(world: World, ctx: Context) -> None:
    order = place(world, RITHUM_SHOP)
    cancellation = world.engine.buyer_cancel(order.id)
    world.advance(to=cancellation.respond_deadline - timedelta(minutes=1))
    channels.approve(ctx, order, {}, "channeladvisor")  # travels to TikTok at the next tick
    world.advance(seconds=15 * 60)  # the 24 h window closes first: auto-approved
    ca = world.systems["channeladvisor"].order_for(order.id)
    adjustment = next(a for a in ca.adjustments if a.cancel_id == cancellation.id)
    assert order.status == OrderStatus.CANCELLED and cancellation.resolved_by == Role.SYSTEM
    assert adjustment.request_status == RequestStatus.POST_PROCESSING_COMPLETE
    consistent(world)


def test_ca_an_oms_cancel_tiktok_refuses_is_an_error_adjustment(world: World, ctx: Context) -> None:
    order = place(world, RITHUM_SHOP)
    channels.cancel(ctx, order, {}, "channeladvisor")
    world.engine.platform_cancel(order.id, "fraud")  # the platform got there before the next tick
    world.advance(seconds=15 * 60)
    ca = world.systems["channeladvisor"].order_for(order.id)
    oms = next(a for a in ca.adjustments if a.cancel_id is None)
    assert oms.request_status == RequestStatus.ERROR and "refused" in (oms.comment or "")
    with pytest.raises(Refused):
        channels.cancel(ctx, order, {}, "channeladvisor")
    consistent(world)
