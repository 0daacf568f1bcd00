"""The return machine: RET-1 (requests), RET-2 (decisions, windows), RET-3 (goods back, stock), RET-4 (refunds)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from simulator.engine import EngineError, Order, OrderStatus, ReturnStatus, Role
from simulator.engine import transitions as T
from simulator.engine.errors import TransitionNotAllowed
from simulator.world import World
from tests.fixtures.engine import SKU_A, SKU_B, place, release


def delivered(world: World, items: list[tuple[str, int]] | None = None, shipping: str = "0") -> Order:
    """An order shipped and delivered (shipping fee ``shipping``)."""
    order = release(world, place(world, items=items, shipping_fee=Decimal(shipping)))
    for package_id in order.package_ids:
        world.engine.ship_package(package_id, tracking_number="1Z", shipping_provider_id="p")
        world.engine.carrier_delivered(package_id)
    return order


def test_every_return_event_is_either_allowed_or_refused_with_a_rule_in_every_state() -> None:
    for event in T.RETURN.events:
        for state in T.RETURN.states:
            if T.RETURN.allows(event, state):
                continue
            with pytest.raises(TransitionNotAllowed) as err:
                T.RETURN.resolve(event, state, "r")
            assert err.value.rule and err.value.rule.startswith("RET-")


def test_ret1_only_a_delivered_order_one_request_at_a_time_each_unit_once(world: World) -> None:
    order = release(world, place(world))
    with pytest.raises(TransitionNotAllowed) as err:
        world.engine.request_return(order.id, "REFUND")
    assert (err.value.reason, err.value.rule) == ("not_delivered", "RET-1")
    order = delivered(world, items=[(SKU_A, 2)])
    first = world.engine.request_return(order.id, "REFUND", skus=[(SKU_A, 1)])
    with pytest.raises(TransitionNotAllowed) as err:
        world.engine.request_return(order.id, "REFUND")
    assert err.value.reason == "return_in_process"
    world.engine.approve_return(first.id)
    with pytest.raises(EngineError) as refused:  # that unit was refunded
        world.engine.request_return(order.id, "REFUND", line_item_ids=first.line_item_ids)
    assert refused.value.reason == "already_refunded"
    with pytest.raises(EngineError) as refused:
        world.engine.request_return(order.id, "REFUND", reason="seller_cancel_reason_out_of_stock")
    assert (refused.value.reason, refused.value.rule) == ("reason_mismatch", "RET-1")
    second = world.engine.request_return(order.id, "REFUND")
    assert second.line_item_ids == [li.id for li in order.line_items if li.id not in first.line_item_ids]


def test_ret2_decisions_fit_the_type_and_the_step_and_the_window_approves(world: World) -> None:
    order = delivered(world)
    ret = world.engine.request_return(order.id, "REFUND")
    for decision, reason in (("APPROVE_RETURN", "decision_mismatch"), ("APPROVE_RECEIVED_PACKAGE",
                                                                     "return_status_blocks")):
        with pytest.raises(EngineError) as err:
            world.engine.approve_return(ret.id, decision)
        assert err.value.reason == reason
    with pytest.raises(EngineError) as err:
        world.engine.approve_return(ret.id, "APPROVE_REFUND", buyer_keep_item=True)
    assert err.value.reason == "bad_parameter"
    assert ret.status == ReturnStatus.PENDING and ret.respond_deadline == world.clock.now() + timedelta(hours=48)
    world.advance(seconds=48 * 3600 - 1)
    assert ret.status == ReturnStatus.PENDING
    world.advance(seconds=1)
    assert (ret.status, ret.resolved_by, ret.decision) == (ReturnStatus.COMPLETE, Role.SYSTEM, "APPROVE_REFUND")
    with pytest.raises(TransitionNotAllowed) as late:
        world.engine.reject_return(ret.id, "reverse_reject_request_reason_4")
    assert late.value.reason == "already_approved"


def test_ret3_goods_come_back_on_sale_and_an_unshipped_return_closes(world: World) -> None:
    order = delivered(world, items=[(SKU_A, 1), (SKU_B, 1)])
    ret = world.engine.request_return(order.id, "RETURN_AND_REFUND", skus=[(SKU_B, 1)])
    world.engine.approve_return(ret.id)
    assert ret.status == ReturnStatus.AWAITING_BUYER_SHIP and ret.return_tracking_number
    world.engine.ship_return(ret.id)
    world.engine.return_delivered(ret.id)
    with pytest.raises(TransitionNotAllowed):
        world.engine.return_delivered(ret.id)
    world.advance(seconds=48 * 3600)  # the seller never inspected it: the platform refunds
    sku = world.inventory.skus[SKU_B]
    assert ret.status == ReturnStatus.COMPLETE and ret.restocked and ret.resolved_by == Role.SYSTEM
    assert (sku.available, sku.shipped, sku.returned) == (100, 1, 1) and sku.total == sku.received + sku.returned
    again = world.engine.request_return(order.id, "RETURN_AND_REFUND")
    world.engine.approve_return(again.id)
    world.advance(seconds=7 * 86400)
    assert again.status == ReturnStatus.CANCEL and again.refund_amount is None
    assert world.inventory.skus[SKU_A].returned == 0


def test_ret4_refunds_add_up_to_what_was_paid_and_a_full_refund_completes(world: World) -> None:
    order = delivered(world, items=[(SKU_A, 1), (SKU_B, 1)], shipping="5.00")
    first = world.engine.request_return(order.id, "REFUND", skus=[(SKU_A, 1)])
    assert (first.refund_total, first.refund_shipping_fee) == (Decimal("12.50"), Decimal(0))
    world.engine.approve_return(first.id)
    assert order.status == OrderStatus.DELIVERED
    second = world.engine.request_return(order.id, "REFUND")
    assert second.refund_total == Decimal("13.00")  # the last unit carries the shipping fee
    world.engine.approve_return(second.id)
    assert first.refund_amount + second.refund_amount == order.total_amount  # type: ignore[operator]
    assert order.status == OrderStatus.COMPLETED
    kinds = [n.kind for n in world.engine.notifications_for(order.id)]
    assert kinds.count("return_refund") == 2


def test_ret4_an_open_return_keeps_the_order_open_past_its_return_window(world: World) -> None:
    order = delivered(world)
    world.advance(seconds=29 * 86400)
    ret = world.engine.request_return(order.id, "RETURN_AND_REFUND")
    world.engine.approve_return(ret.id)
    world.engine.ship_return(ret.id)
    world.advance(seconds=2 * 86400)  # the 30-day window ended while the goods travel back
    assert order.status == OrderStatus.DELIVERED
    with pytest.raises(TransitionNotAllowed):
        world.engine.complete(order.id)
    world.engine.return_delivered(ret.id)
    world.engine.reject_return(ret.id, "reverse_reject_request_reason_3")
    assert ret.status == ReturnStatus.REJECT_RECEIVE_PACKAGE and order.status == OrderStatus.COMPLETED


def test_can_x1_the_platform_cannot_cancel_an_order_with_a_return(world: World) -> None:
    order = delivered(world)
    world.engine.request_return(order.id, "REFUND")
    with pytest.raises(TransitionNotAllowed) as err:
        world.engine.platform_cancel(order.id, "package_lost")
    assert err.value.reason == "return_in_process" and order.status == OrderStatus.DELIVERED
