"""Cancellation operations: buyer (direct or request), seller, platform, approve/reject/withdraw, auto timers."""

from __future__ import annotations

from collections.abc import Sequence

from simulator.engine import transitions as T
from simulator.engine.base import Call, Defer, EngineBase, active_lines, base_reason
from simulator.engine.errors import InvalidRequest, TransitionNotAllowed
from simulator.engine.events import ApprovalDeferred
from simulator.engine.models import Cancellation, LineItem, Order
from simulator.engine.states import CancelStatus, CancelType, Notice, OrderStatus, PackageStatus, Role

# API doc (Cancel Order): partial cancellation by the seller only in these markets, only for out of stock.
PARTIAL_CANCEL_REGIONS = frozenset({"US", "UK"})
PARTIAL_CANCEL_REASON = "seller_cancel_reason_out_of_stock"


class CancellationOps(EngineBase):
    """HOLD-3, CAN-B2..B4, CAN-S2, CAN-P1/P2, CAN-X1, SLA-5, CAN-L1/L2 (some units)."""

    def buyer_cancel(self, order_id: str, reason: str | None = None,
                     line_item_ids: Sequence[str] | None = None) -> Cancellation:
        """Buyer cancels: directly while UNPAID/ON_HOLD (HOLD-3), as a request needing review after (CAN-B4).

        A buyer cancels the whole order: naming only some of its units is refused (CAN-L2, API doc "buyers
        cannot cancel individual line items in multi-item orders").
        """
        order = self.order(order_id)
        profile = self.profile(order)
        if line_item_ids is not None and self._lines_to_cancel(order, line_item_ids, "buyer_cancel") is not None:
            raise InvalidRequest("a buyer cannot cancel single units of an order; cancel the whole order",
                                 reason="buyer_partial_cancel", rule="CAN-L2")
        if T.ORDER.allows("buyer_cancel", order.status):
            reason = self._check_reason(profile, "buyer", order, reason)
            T.ORDER.resolve("buyer_cancel", order.status, order.id)
            cancellation = self._new_cancellation(order, CancelType.CANCEL, Role.BUYER, reason, CancelStatus.SUCCESS)
            self._cancel_order(order, "buyer_cancel", Role.BUYER, reason, Notice.ORDER_CANCELLED, cancellation)
            self._flush()
            return cancellation
        T.ORDER.resolve("buyer_request_cancel", order.status, order.id)
        self._refuse_if_pending(order, "buyer_request_cancel")
        reason = self._check_reason(profile, "buyer", order, reason)
        now = self.clock.now()
        cancellation = self._new_cancellation(order, CancelType.BUYER_CANCEL, Role.BUYER, reason, CancelStatus.PENDING)
        cancellation.respond_deadline = now + profile.cancel_request_window
        order.pending_cancel_id = cancellation.id
        order.request_cancel_time = now
        order.update_time = now
        order.timers["cancel_request"] = self.clock.schedule(
            cancellation.respond_deadline,
            Call(self._on_request_window_end, cancellation.id),
            kind="cancel.auto_approve",
            key=cancellation.id,
        )
        self._flush()
        return cancellation

    def seller_cancel(self, order_id: str, reason: str, line_item_ids: Sequence[str] | None = None) -> Cancellation:
        """Seller cancels through the API with a reason that fits the status (CAN-S2); done at once.

        ``line_item_ids`` naming only some units cancels those (CAN-L1): US/UK shops, out-of-stock reason,
        unshipped units; the order continues with the rest.
        """
        order = self.order(order_id)
        if line_item_ids is not None:
            lines = self._lines_to_cancel(order, line_item_ids, "seller_cancel_lines")
            if lines is not None:
                return self._seller_cancel_lines(order, lines, reason)
        T.ORDER.resolve("seller_cancel", order.status, order.id)
        self._before_cancel(order, "seller_cancel")
        T.ORDER.resolve("seller_cancel", order.status, order.id)  # a hook may have brought news (shipped)
        self._refuse_if_pending(order, "seller_cancel")
        reason = self._check_reason(self.profile(order), "seller", order, reason, required=True)
        cancellation = self._new_cancellation(order, CancelType.CANCEL, Role.SELLER, reason, CancelStatus.SUCCESS)
        self._cancel_order(order, "seller_cancel", Role.SELLER, reason, Notice.ORDER_CANCELLED, cancellation)
        self._flush()
        return cancellation

    def platform_cancel(self, order_id: str, cause: str = "fraud", *, event: str = "platform_cancel",
                        line_item_ids: Sequence[str] | None = None) -> Cancellation:
        """TikTok cancels (fraud, shipping timeout...): allowed after shipping too, tagged (CAN-P1, CAN-P2).

        ``line_item_ids`` naming only some unshipped units cancels those (CAN-L2); the order continues.
        """
        order = self.order(order_id)
        if line_item_ids is not None:
            lines = self._lines_to_cancel(order, line_item_ids, "platform_cancel_lines")
            if lines is not None:
                T.ORDER.resolve("platform_cancel_lines", order.status, order.id)
                reason = self._system_reason(order, cause)
                cancellation = self._new_cancellation(order, CancelType.CANCEL, Role.SYSTEM, reason,
                                                      CancelStatus.SUCCESS, lines)
                self._cancel_lines(order, lines, Role.SYSTEM, reason, cancellation)
                self._flush()
                return cancellation
        T.ORDER.resolve(event, order.status, order.id)
        if order.return_ids:  # refunds of returns and of a cancellation must never add up past what was paid
            raise TransitionNotAllowed(machine="order", event=event, state=order.status, reason="return_in_process",
                                       rule="CAN-X1", entity_id=order.id)
        self._system_reason(order, cause)
        self._before_cancel(order, event)
        return self._platform_cancel(order, cause, event)

    def units_for_skus(self, order_id: str, skus: Sequence[tuple[str, int]]) -> list[str]:
        """``skus[{sku_id, quantity}]`` as unit ids (CAN-L1): that many open units of each SKU, unshipped first."""
        order = self.order(order_id)
        chosen: list[str] = []
        for sku_id, quantity in skus:
            units = sorted((li for li in active_lines(order) if li.sku_id == sku_id and li.id not in chosen),
                           key=lambda li: self.packages[li.package_id].status != PackageStatus.TO_FULFILL)
            if len(units) < quantity:
                raise InvalidRequest(f"order {order.id} has {len(units)} open unit(s) of SKU {sku_id}, {quantity} "
                                     "named", reason="unknown_line", rule="CAN-L1")
            chosen.extend(li.id for li in units[:quantity])
        return chosen

    def _lines_to_cancel(self, order: Order, line_item_ids: Sequence[str], event: str) -> list[LineItem] | None:
        """The units a partial cancel names, checked (nothing changed on refusal); None: every remaining unit."""
        ids = list(dict.fromkeys(str(i) for i in line_item_ids))
        if not ids:
            raise InvalidRequest("order_line_item_ids must name at least one unit", reason="no_lines", rule="CAN-L1")
        lines = {li.id: li for li in order.line_items}
        unknown = [i for i in ids if i not in lines]
        if unknown:
            raise InvalidRequest(f"line item {unknown[0]} is not in order {order.id}", reason="unknown_line",
                                 rule="CAN-L1")
        rest = {li.id for li in active_lines(order)}
        if any(i not in rest for i in ids):
            raise TransitionNotAllowed(machine="order", event=event, state=order.status, reason="line_cancelled",
                                       rule="CAN-L1", entity_id=order.id)
        if set(ids) == rest:
            return None
        if any(self.packages[lines[i].package_id].status != PackageStatus.TO_FULFILL for i in ids):
            raise TransitionNotAllowed(machine="order", event=event, state=order.status, reason="already_shipped",
                                       rule="CAN-X1", entity_id=order.id)
        return [lines[i] for i in ids]

    def _seller_cancel_lines(self, order: Order, lines: list[LineItem], reason: str) -> Cancellation:
        T.ORDER.resolve("seller_cancel_lines", order.status, order.id)
        self._refuse_if_pending(order, "seller_cancel_lines")
        reason = self._check_reason(self.profile(order), "seller", order, reason, required=True)
        if order.region not in PARTIAL_CANCEL_REGIONS or base_reason(reason) != PARTIAL_CANCEL_REASON:
            raise InvalidRequest(
                f"a partial cancellation needs a US or UK shop and the out-of-stock reason "
                f"({PARTIAL_CANCEL_REASON}), not {reason!r} in {order.region}", reason="partial_cancel_refused",
                rule="CAN-L1")
        cancellation = self._new_cancellation(order, CancelType.CANCEL, Role.SELLER, reason, CancelStatus.SUCCESS,
                                              lines)
        self._cancel_lines(order, lines, Role.SELLER, reason, cancellation)
        self._flush()
        return cancellation

    def _system_reason(self, order: Order, cause: str) -> str:
        try:
            return self.profile(order).system_reason(cause)
        except KeyError:
            raise InvalidRequest(f"unknown platform cancel cause {cause!r}", reason="unknown_cause") from None

    def _platform_cancel(self, order: Order, cause: str, event: str) -> Cancellation:
        T.ORDER.resolve(event, order.status, order.id)
        reason = self._system_reason(order, cause)
        if order.pending_cancel_id:  # the platform's cancellation supersedes the buyer's request
            self._close_request(
                self.cancellations[order.pending_cancel_id], "withdraw", Role.SYSTEM, reason="superseded", notice=None
            )
        order.cancel_after_shipped = order.status not in (
            OrderStatus.UNPAID,
            OrderStatus.ON_HOLD,
            OrderStatus.AWAITING_SHIPMENT,
        )
        cancellation = self._new_cancellation(order, CancelType.CANCEL, Role.SYSTEM, reason, CancelStatus.SUCCESS)
        self._cancel_order(order, event, Role.SYSTEM, reason, Notice.ORDER_CANCELLED, cancellation)
        self._flush()
        return cancellation

    def approve_cancellation(
        self, cancel_id: str, *, role: Role = Role.SELLER, idempotency_key: str | None = None
    ) -> Cancellation:
        """Seller (or the system at the deadline) approves a buyer request (CAN-B3, CAN-B4).

        Approval guards (e.g. the SFCC connector's GetOrder check, CAN-B2) may veto: the request is
        then closed as rejected and the order continues. A guard that cannot decide yet (SFCC
        unreachable) defers: the request stays pending with the acceptance kept in
        ``deferred_approval``, and the guard's owner calls this again later.
        """
        cancellation = self.cancellation(cancel_id)
        if idempotency_key and idempotency_key in cancellation.idempotency_keys:
            return cancellation
        order = self.orders[cancellation.order_id]
        T.CANCELLATION.resolve("approve", cancellation.status, cancellation.id)
        T.ORDER.resolve("approve_cancel", order.status, order.id)
        if idempotency_key:
            cancellation.idempotency_keys.add(idempotency_key)
        for guard in self.approval_guards:
            veto = guard(order, cancellation)
            if isinstance(veto, Defer):
                cancellation.deferred_approval = role
                self._emit(ApprovalDeferred(self.clock.now(), order.id, cancel_id=cancellation.id, role=role,
                                            reason=veto.reason))
                self._flush()
                return cancellation
            if veto:
                self._close_request(
                    cancellation, "reject", Role.SYSTEM, reason=veto, notice=Notice.CANCELLATION_REJECTED
                )
                self._flush()
                return cancellation
        cancellation.deferred_approval = None
        self._close_request(cancellation, "approve", role, reason=None, notice=None)
        self._cancel_order(order, "approve_cancel", Role.BUYER, cancellation.reason, Notice.ORDER_REFUND, cancellation)
        self._flush()
        return cancellation

    def reject_cancellation(
        self,
        cancel_id: str,
        reason: str,
        *,
        comment: str | None = None,
        role: Role = Role.SELLER,
        idempotency_key: str | None = None,
    ) -> Cancellation:
        """Seller rejects a buyer request with a documented reject reason (CAN-B3, CAN-B4)."""
        cancellation = self.cancellation(cancel_id)
        if idempotency_key and idempotency_key in cancellation.idempotency_keys:
            return cancellation
        order = self.orders[cancellation.order_id]
        T.CANCELLATION.resolve("reject", cancellation.status, cancellation.id)
        allowed = self.profile(order).cancel_reasons("seller_reject")
        if not reason:
            raise InvalidRequest("reject_reason is required", reason="reject_reason_required", rule="CAN-B4")
        if base_reason(reason) not in allowed:
            raise InvalidRequest(f"unknown reject reason {reason!r}", reason="reject_reason_invalid", rule="CAN-B4")
        if idempotency_key:
            cancellation.idempotency_keys.add(idempotency_key)
        cancellation.reject_comment = comment
        self._close_request(cancellation, "reject", role, reason=reason, notice=Notice.CANCELLATION_REJECTED)
        self._flush()
        return cancellation

    def withdraw_cancellation(self, cancel_id: str) -> Cancellation:
        """The buyer withdraws a pending request; the order continues."""
        cancellation = self.cancellation(cancel_id)
        T.CANCELLATION.resolve("withdraw", cancellation.status, cancellation.id)
        self._close_request(cancellation, "withdraw", Role.BUYER, reason="buyer_withdrew", notice=None)
        self._flush()
        return cancellation

    def _auto_approve(self, cancel_id: str) -> None:
        cancellation = self.cancellations[cancel_id]
        order = self.orders[cancellation.order_id]
        order.timers.pop("cancel_request", None)
        if cancellation.status == CancelStatus.PENDING and T.ORDER.allows("approve_cancel", order.status):
            self.approve_cancellation(cancel_id, role=Role.SYSTEM)

    def _auto_cancel(self, order_id: str) -> None:
        order = self.orders[order_id]
        order.timers.pop("auto_cancel", None)
        if not T.ORDER.allows("auto_cancel", order.status):
            return
        self._before_cancel(order, "auto_cancel")  # e.g. SFCC shows a shipment the feed has not relayed yet
        if T.ORDER.allows("auto_cancel", order.status):
            self._platform_cancel(order, "shipping_timeout", "auto_cancel")
