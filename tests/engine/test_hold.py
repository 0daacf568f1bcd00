"""HOLD-1..HOLD-5: the one-hour buyer-remorse hold, stock reservation and what never leaves the hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.engine import CancelStatus, CancelType, OrderStatus, Role, TransitionNotAllowed
from simulator.world import World
from tests.fixtures.engine import SKU_A, SKU_B, place


def test_hold1_still_held_at_59_59_released_at_60_00(world: World) -> None:
    order = place(world)
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_until == order.paid_time + timedelta(hours=1)  # type: ignore[operator]
    world.advance(seconds=3599)
    assert order.status == OrderStatus.ON_HOLD
    world.advance(seconds=1)
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert order.released_time == order.hold_until
    released = [e for e in world.journal.entries(kind="order.status") if e.data["new"] == "AWAITING_SHIPMENT"]
    assert [e.at for e in released] == [order.hold_until]


def test_hold1_unpaid_order_starts_its_hold_at_payment(world: World) -> None:
    order = place(world, paid=False)
    assert order.status == OrderStatus.UNPAID and order.hold_until is None
    world.advance(seconds=600)
    world.engine.pay(order.id)
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_until == world.clock.now() + timedelta(hours=1)


def test_hold2_ship_refused_while_on_hold_and_nothing_changes(world: World) -> None:
    order = place(world)
    package_id = order.package_ids[0]
    stock_before = world.inventory.get(SKU_A).reserved
    with pytest.raises(TransitionNotAllowed) as err:
        world.engine.ship_package(package_id, tracking_number="1Z999", shipping_provider_id="p1")
    assert err.value.reason == "order_on_hold" and err.value.rule == "HOLD-2"
    assert err.value.event == "ship" and err.value.state == "ON_HOLD"
    assert order.status == OrderStatus.ON_HOLD
    assert world.engine.packages[package_id].tracking_number is None
    assert world.inventory.get(SKU_A).reserved == stock_before


@pytest.mark.parametrize("seconds_into_hold", [0, 1800, 3599])
def test_hold3_buyer_cancels_inside_the_hold_without_seller_approval(world: World, seconds_into_hold: int) -> None:
    order = place(world)
    world.advance(seconds=seconds_into_hold)
    cancellation = world.engine.buyer_cancel(order.id)
    assert cancellation.cancel_type == CancelType.CANCEL and cancellation.role == Role.BUYER
    assert cancellation.status == CancelStatus.COMPLETE
    assert order.status == OrderStatus.CANCELLED and order.cancellation_initiator == "BUYER"
    world.advance(seconds=7200)
    assert order.status == OrderStatus.CANCELLED  # the hold timer died with the order


def test_hold3_at_60_00_the_buyer_can_only_request(world: World) -> None:
    order = place(world)
    world.advance(seconds=3600)
    cancellation = world.engine.buyer_cancel(order.id)
    assert cancellation.cancel_type == CancelType.BUYER_CANCEL
    assert cancellation.status == CancelStatus.PENDING
    assert order.status == OrderStatus.AWAITING_SHIPMENT


def test_hold4_stock_reserved_on_payment_released_on_cancel_consumed_on_ship(world: World) -> None:
    sku = world.inventory.get(SKU_A)
    total = sku.total
    kept = place(world, items=[(SKU_A, 2)])
    dropped = place(world, items=[(SKU_A, 3)])
    assert (sku.available, sku.reserved, sku.shipped) == (total - 5, 5, 0)
    world.engine.buyer_cancel(dropped.id)
    assert (sku.available, sku.reserved, sku.shipped) == (total - 2, 2, 0)
    world.advance(seconds=3600)
    world.engine.ship_package(kept.package_ids[0], tracking_number="1Z1", shipping_provider_id="p1")
    assert (sku.available, sku.reserved, sku.shipped) == (total - 2, 0, 2)
    assert sku.total == total
    actions = [(e.data["action"], e.data["quantity"]) for e in world.journal.entries(kind="stock.change")]
    assert actions == [("reserve", 2), ("reserve", 3), ("release", 3), ("consume", 2)]


def test_hold4_out_of_stock_order_is_refused_without_side_effects(world: World) -> None:
    sku = world.inventory.get(SKU_B)
    orders_before = len(world.engine.orders)
    with pytest.raises(Exception, match="available") as err:
        place(world, items=[(SKU_A, 1), (SKU_B, sku.available + 1)])
    assert getattr(err.value, "rule", None) == "HOLD-4"
    assert len(world.engine.orders) == orders_before
    assert world.inventory.get(SKU_A).reserved == 0


def test_hold5_cancelled_in_hold_never_releases_downstream(world: World) -> None:
    """HOLD-5 (engine side): no AWAITING_SHIPMENT event, which is what every connector listens for."""
    order = place(world, profile="sfcc")
    world.advance(seconds=1200)
    world.engine.buyer_cancel(order.id)
    world.advance(seconds=86400)
    statuses = [e.data["new"] for e in world.journal.entries(kind="order.status", order_id=order.id)]
    assert statuses == ["ON_HOLD", "CANCELLED"]
    assert world.clock.pending_count() == 0
