"""LIFE-1: the order lifecycle after shipping, per package, with an event for every change; FUL-1, FUL-2."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.engine import InvalidRequest, Notice, OrderStatus, PackageStatus, TransitionNotAllowed
from simulator.world import World
from tests.fixtures.engine import SKU_A, SKU_B, place, release


def test_life1_full_path_emits_every_status_change(world: World) -> None:
    order = release(world, place(world))
    package = order.package_ids[0]
    world.engine.ship_package(package, tracking_number="1Z100", shipping_provider_id="7117858858072016686",
                              shipping_provider_name="USPS")
    assert order.status == OrderStatus.AWAITING_COLLECTION and order.rts_time == world.clock.now()
    world.advance(seconds=3600)
    world.engine.carrier_collected(package)
    assert order.status == OrderStatus.IN_TRANSIT
    world.advance(seconds=86400)
    world.engine.carrier_delivered(package)
    assert order.status == OrderStatus.DELIVERED
    world.advance(seconds=30 * 86400 - 1)
    assert order.status == OrderStatus.DELIVERED
    world.advance(seconds=1)
    assert order.status == OrderStatus.COMPLETED
    changes = [(e.data["old"], e.data["new"]) for e in world.journal.entries(kind="order.status")]
    assert changes == [
        ("UNPAID", "ON_HOLD"), ("ON_HOLD", "AWAITING_SHIPMENT"), ("AWAITING_SHIPMENT", "AWAITING_COLLECTION"),
        ("AWAITING_COLLECTION", "IN_TRANSIT"), ("IN_TRANSIT", "DELIVERED"), ("DELIVERED", "COMPLETED"),
    ]
    assert world.engine.packages[package].status == PackageStatus.COMPLETED
    assert {li.status for li in order.line_items} == {OrderStatus.COMPLETED}


def test_life1_partially_shipping_until_every_package_ships(world: World) -> None:
    order = release(world, place(world, items=[(SKU_A, 1), (SKU_B, 2)], split_packages=True))
    first, second = order.package_ids
    assert len(world.engine.packages[second].line_item_ids) == 2
    world.engine.ship_package(first, tracking_number="T1", shipping_provider_id="p1")
    assert order.status == OrderStatus.PARTIALLY_SHIPPING
    world.engine.carrier_collected(first)
    assert order.status == OrderStatus.PARTIALLY_SHIPPING
    world.engine.ship_package(second, tracking_number="T2", shipping_provider_id="p1")
    assert order.status == OrderStatus.AWAITING_COLLECTION
    world.engine.carrier_delivered(first)
    assert order.status == OrderStatus.AWAITING_COLLECTION
    world.engine.carrier_collected(second)
    assert order.status == OrderStatus.IN_TRANSIT
    world.engine.carrier_delivered(second)
    assert order.status == OrderStatus.DELIVERED


def test_fu1_ship_records_tracking_and_notifies_the_buyer(world: World) -> None:
    order = release(world, place(world))
    world.engine.ship_package(order.package_ids[0], tracking_number="9400111899223", shipping_provider_id="p9",
                              shipping_provider_name="USPS")
    package = world.engine.packages[order.package_ids[0]]
    assert (package.tracking_number, package.shipping_provider_id, package.shipping_provider_name) == (
        "9400111899223", "p9", "USPS")
    notes = world.engine.notifications_for(order.id)
    assert [(n.kind, n.at, n.details["tracking_number"]) for n in notes] == [
        (Notice.SHIPPED.value, world.clock.now(), "9400111899223")]


@pytest.mark.parametrize("state", ["on_hold", "cancelled", "shipped"])
def test_fu2_ship_refused_on_hold_cancelled_or_already_shipped(world: World, state: str) -> None:
    order = place(world)
    package = order.package_ids[0]
    expected = {"on_hold": ("order_on_hold", "HOLD-2"), "cancelled": ("order_cancelled", "FUL-2"),
                "shipped": ("already_shipped", "FUL-2")}[state]
    if state == "cancelled":
        world.engine.buyer_cancel(order.id)
    if state == "shipped":
        release(world, order)
        world.engine.ship_package(package, tracking_number="FIRST", shipping_provider_id="p1")
    journal_len = len(world.journal)
    with pytest.raises(TransitionNotAllowed) as err:
        world.engine.ship_package(package, tracking_number="SECOND", shipping_provider_id="p2")
    assert (err.value.reason, err.value.rule) == expected
    assert len(world.journal) == journal_len
    assert world.engine.packages[package].tracking_number in (None, "FIRST")


def test_fu2_unknown_package_and_missing_tracking_are_refused(world: World) -> None:
    order = release(world, place(world))
    with pytest.raises(Exception, match="does not exist") as err:
        world.engine.ship_package("115000000000000000", tracking_number="T", shipping_provider_id="p")
    assert getattr(err.value, "reason", "") == "package_not_found"
    with pytest.raises(InvalidRequest) as bad:
        world.engine.ship_package(order.package_ids[0], tracking_number="  ", shipping_provider_id="p")
    assert bad.value.reason == "tracking_required"
    assert order.status == OrderStatus.AWAITING_SHIPMENT


def test_fu1_update_shipping_info_only_within_72_hours(world: World) -> None:
    order = release(world, place(world))
    package = order.package_ids[0]
    with pytest.raises(TransitionNotAllowed) as early:
        world.engine.update_shipping_info(package, tracking_number="X", shipping_provider_id="p")
    assert early.value.reason == "not_shipped"
    world.engine.ship_package(package, tracking_number="OLD", shipping_provider_id="p1")
    world.advance(seconds=72 * 3600)
    world.engine.update_shipping_info(package, tracking_number="NEW", shipping_provider_id="p2")
    assert world.engine.packages[package].tracking_number == "NEW"
    world.advance(seconds=1)
    with pytest.raises(TransitionNotAllowed) as late:
        world.engine.update_shipping_info(package, tracking_number="NEWER", shipping_provider_id="p2")
    assert late.value.reason == "window_expired"
    assert world.engine.packages[package].tracking_number == "NEW"


def test_life1_delivery_without_collection_scan_still_completes(world: World) -> None:
    order = release(world, place(world))
    package = order.package_ids[0]
    world.engine.ship_package(package, tracking_number="T", shipping_provider_id="p")
    world.engine.carrier_delivered(package)
    assert order.status == OrderStatus.DELIVERED
    assert order.collection_time == order.delivery_time
    world.advance(seconds=int(timedelta(days=30).total_seconds()))
    assert order.status == OrderStatus.COMPLETED
