"""CAN-B1..B4, CAN-S2, CAN-P1, CAN-P2, CAN-X1 and NOTE-1 on the engine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.engine import (
    CancelStatus,
    CancelType,
    InvalidRequest,
    Order,
    OrderStatus,
    PackageStatus,
    Role,
    TransitionNotAllowed,
)
from simulator.world import World
from tests.fixtures.engine import SKU_A, place, release

REJECT = "seller_reject_apply_product_has_been_packed"


def _requested(world: World, profile: str = "direct") -> tuple[Order, str]:
    order = release(world, place(world, profile=profile))
    return order, world.engine.buyer_cancel(order.id, "ecom_order_to_ship_canceled_reason_no_longer_needed").id


def test_can_b1_cancel_in_hold_is_complete_at_once_with_an_order_cancelled_note(world: World) -> None:
    order = place(world, profile="sfcc")
    world.advance(seconds=600)
    cancellation = world.engine.buyer_cancel(order.id)
    history = [e.data["new"] for e in world.journal.entries(kind="cancellation.status")]
    assert history == ["CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"]
    assert cancellation.refund_total == order.total_amount
    note = world.engine.notifications_for(order.id)[0]
    assert (note.kind, note.at, note.details["refund_amount"]) == ("order_cancelled", world.clock.now(), "12.50")


def test_can_b4_request_then_seller_approves_refund_note_and_stock_back(world: World) -> None:
    order, cancel_id = _requested(world)
    cancellation = world.engine.cancellations[cancel_id]
    assert (cancellation.cancel_type, cancellation.status) == (CancelType.BUYER_CANCEL, CancelStatus.PENDING)
    assert order.pending_cancel_id == cancel_id and order.request_cancel_time == world.clock.now()
    assert cancellation.respond_deadline == world.clock.now() + timedelta(hours=48)
    world.advance(seconds=3600)
    world.engine.approve_cancellation(cancel_id)
    assert cancellation.status == CancelStatus.COMPLETE and cancellation.resolved_by == Role.SELLER
    assert order.status == OrderStatus.CANCELLED and order.cancellation_initiator == "BUYER"
    assert [n.kind for n in world.engine.notifications_for(order.id)] == ["order_refund"]
    assert world.inventory.get(SKU_A).reserved == 0
    assert world.clock.pending_count() == 0


def test_can_b4_seller_rejects_with_a_reason_order_continues(world: World) -> None:
    order, cancel_id = _requested(world)
    with pytest.raises(InvalidRequest) as missing:
        world.engine.reject_cancellation(cancel_id, "")
    assert missing.value.reason == "reject_reason_required"
    with pytest.raises(InvalidRequest) as unknown:
        world.engine.reject_cancellation(cancel_id, "because")
    assert unknown.value.reason == "reject_reason_invalid"
    assert world.engine.cancellations[cancel_id].status == CancelStatus.PENDING
    world.engine.reject_cancellation(cancel_id, REJECT, comment="already packed")
    cancellation = world.engine.cancellations[cancel_id]
    assert (cancellation.status, cancellation.reject_reason) == (CancelStatus.CANCEL, REJECT)
    assert order.status == OrderStatus.AWAITING_SHIPMENT and order.pending_cancel_id is None
    assert [n.kind for n in world.engine.notifications_for(order.id)] == ["cancellation_rejected"]
    world.advance(seconds=72 * 3600)  # past the 48 h window: the auto-approval timer is gone
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert order.cancel_order_sla_time is not None
    world.advance(to=order.cancel_order_sla_time)  # ...but the 7-business-day auto-cancel is not (SLA-5)
    assert order.status == OrderStatus.CANCELLED and order.cancellation_initiator == "SYSTEM"


@pytest.mark.parametrize(("profile", "window_hours"), [("direct", 48), ("sfcc", 48), ("rithum", 24)])
def test_can_b3_b4_no_answer_within_the_window_is_auto_approved(world: World, profile: str, window_hours: int) -> None:
    order, cancel_id = _requested(world, profile)
    world.advance(seconds=window_hours * 3600 - 1)
    assert world.engine.cancellations[cancel_id].status == CancelStatus.PENDING
    world.advance(seconds=1)
    cancellation = world.engine.cancellations[cancel_id]
    assert cancellation.status == CancelStatus.COMPLETE and cancellation.resolved_by == Role.SYSTEM
    assert order.status == OrderStatus.CANCELLED
    note = world.engine.notifications_for(order.id)[0]
    assert (note.kind, note.at) == ("order_refund", cancellation.respond_deadline)


def test_can_b4_shipping_while_pending_counts_as_rejection(world: World) -> None:
    order, cancel_id = _requested(world)
    world.engine.ship_package(order.package_ids[0], tracking_number="T", shipping_provider_id="p")
    cancellation = world.engine.cancellations[cancel_id]
    assert cancellation.status == CancelStatus.CANCEL and cancellation.reject_reason == "shipped"
    assert order.status == OrderStatus.AWAITING_COLLECTION
    assert [n.kind for n in world.engine.notifications_for(order.id)] == ["cancellation_rejected", "shipped"]


def test_can_b2_engine_side_an_approval_guard_veto_closes_the_request_as_rejected(world: World) -> None:
    world.engine.approval_guards.append(lambda order, c: "downstream_shipped")
    order, cancel_id = _requested(world, "sfcc")
    world.engine.approve_cancellation(cancel_id)
    cancellation = world.engine.cancellations[cancel_id]
    assert (cancellation.status, cancellation.resolved_by) == (CancelStatus.CANCEL, Role.SYSTEM)
    assert cancellation.reject_reason == "downstream_shipped"
    assert order.status == OrderStatus.AWAITING_SHIPMENT


def test_can_s2_reason_must_fit_the_status_and_refusal_changes_nothing(world: World) -> None:
    order = release(world, place(world))
    journal_len = len(world.journal)
    for bad in ("seller_cancel_unpaid_reason_out_of_stock", "no_such_reason", ""):
        with pytest.raises(InvalidRequest) as err:
            world.engine.seller_cancel(order.id, bad)
        assert err.value.rule == "CAN-S2"
    assert order.status == OrderStatus.AWAITING_SHIPMENT and len(world.journal) == journal_len
    cancellation = world.engine.seller_cancel(order.id, "seller_cancel_reason_out_of_stock_uk")
    assert cancellation.role == Role.SELLER and cancellation.status == CancelStatus.COMPLETE
    assert order.status == OrderStatus.CANCELLED and order.cancellation_initiator == "SELLER"
    assert [n.kind for n in world.engine.notifications_for(order.id)] == ["order_cancelled"]


def test_can_s2_unpaid_order_takes_unpaid_reasons_and_refunds_nothing(world: World) -> None:
    order = place(world, paid=False)
    with pytest.raises(InvalidRequest):
        world.engine.seller_cancel(order.id, "seller_cancel_reason_out_of_stock")
    cancellation = world.engine.seller_cancel(order.id, "seller_cancel_unpaid_reason_out_of_stock")
    assert cancellation.refund_total == 0 and world.engine.notifications_for(order.id) == []


def test_can_p1_platform_cancel_after_shipped_is_tagged_and_keeps_stock_shipped(world: World) -> None:
    order = release(world, place(world, profile="sfcc"))
    world.engine.ship_package(order.package_ids[0], tracking_number="T", shipping_provider_id="p")
    world.engine.carrier_collected(order.package_ids[0])
    world.engine.platform_cancel(order.id, "fraud")
    assert order.status == OrderStatus.CANCELLED and order.cancel_after_shipped
    assert order.cancel_reason == "system_cancel_order_reason_potential_fraud"
    assert world.engine.packages[order.package_ids[0]].status == PackageStatus.CANCELLED
    sku = world.inventory.get(SKU_A)
    assert (sku.reserved, sku.shipped) == (0, 1)
    assert [n.kind for n in world.engine.notifications_for(order.id)][-1] == "order_cancelled"


def test_can_p1_platform_cancel_supersedes_a_pending_buyer_request(world: World) -> None:
    order, cancel_id = _requested(world, "sfcc")
    world.engine.platform_cancel(order.id, "fraud")
    assert world.engine.cancellations[cancel_id].status == CancelStatus.CANCEL
    assert order.status == OrderStatus.CANCELLED and not order.cancel_after_shipped
    with pytest.raises(InvalidRequest):
        world.engine.platform_cancel(place(world).id, "boredom")


@pytest.mark.parametrize(
    ("setup", "reason"),
    [("shipped", "already_shipped"), ("completed", "order_completed"), ("cancelled", "order_cancelled")],
)
def test_can_x1_cancellations_refused_for_shipped_completed_or_cancelled(world: World, setup: str, reason: str) -> None:
    order = release(world, place(world))
    package = order.package_ids[0]
    if setup in ("shipped", "completed"):
        world.engine.ship_package(package, tracking_number="T", shipping_provider_id="p")
    if setup == "completed":
        world.engine.carrier_delivered(package)
        world.engine.complete(order.id)
    if setup == "cancelled":
        world.engine.seller_cancel(order.id, "seller_cancel_reason_wrong_price")
    status, journal_len = order.status, len(world.journal)
    attempts = [
        lambda: world.engine.buyer_cancel(order.id),
        lambda: world.engine.seller_cancel(order.id, "seller_cancel_reason_wrong_price"),
    ]
    if setup != "shipped":  # the platform may still cancel a shipped order (CAN-P1)
        attempts.append(lambda: world.engine.platform_cancel(order.id, "fraud"))
    for attempt in attempts:
        with pytest.raises(TransitionNotAllowed) as err:
            attempt()
        assert (err.value.reason, err.value.rule) == (reason, "CAN-X1")
    assert order.status == status and len(world.journal) == journal_len


def test_can_x1_second_concurrent_cancellation_is_refused(world: World) -> None:
    order, cancel_id = _requested(world)
    for attempt in (lambda: world.engine.buyer_cancel(order.id),
                    lambda: world.engine.seller_cancel(order.id, "seller_cancel_reason_wrong_price")):
        with pytest.raises(TransitionNotAllowed) as err:
            attempt()
        assert (err.value.reason, err.value.rule) == ("cancel_pending", "CAN-X1")
    world.engine.approve_cancellation(cancel_id, idempotency_key="k1")
    assert world.engine.approve_cancellation(cancel_id, idempotency_key="k1").status == CancelStatus.COMPLETE
    with pytest.raises(TransitionNotAllowed) as again:
        world.engine.approve_cancellation(cancel_id)
    assert again.value.reason == "already_approved"
    assert len(order.cancellation_ids) == 1


def test_note1_every_path_records_its_notification_with_time(world: World) -> None:
    """NOTE-1: cancelled, refund, rejected, shipped, delivered — each with the virtual time it was sent."""
    a, a_cancel = _requested(world)
    world.engine.reject_cancellation(a_cancel, REJECT)
    world.advance(seconds=60)
    world.engine.ship_package(a.package_ids[0], tracking_number="T1", shipping_provider_id="p")
    world.advance(seconds=60)
    world.engine.carrier_delivered(a.package_ids[0])
    b, b_cancel = _requested(world)
    world.engine.approve_cancellation(b_cancel)
    c = place(world)
    world.engine.buyer_cancel(c.id)
    kinds = [(n.order_id, n.kind) for n in world.engine.notifications]
    assert kinds == [(a.id, "cancellation_rejected"), (a.id, "shipped"), (a.id, "delivered"),
                     (b.id, "order_refund"), (c.id, "order_cancelled")]
    times = [n.at for n in world.engine.notifications]
    assert times == sorted(times) and times[1] - times[0] == timedelta(seconds=60)
    assert len(world.journal.entries(kind="notification.buyer")) == 5
