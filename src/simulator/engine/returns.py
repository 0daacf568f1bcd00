"""Return and refund operations: the buyer's request, the seller's decisions, the goods' way back, the refund.

A return is its own machine (``transitions.RETURN``). The seller decides with the API's decision names
(Approve Return / Reject Return, API doc 202309): ``APPROVE_REFUND`` for a refund-only request,
``APPROVE_RETURN`` (optionally ``buyer_keep_item``) for a return and refund, ``APPROVE_RECEIVED_PACKAGE``
once the goods came back, ``OFFER_PARTIAL_REFUND``, ``DIRECT_REFUND``; ``REJECT_REFUND`` /
``REJECT_RETURN`` / ``REJECT_RECEIVED_PACKAGE`` with a documented reason. Every window is a timer on
the world clock (profile data: ``return_response_window``, ``return_ship_window``,
``return_receive_window``, ``return_offer_window``); an unanswered seller step is approved by the
platform (``SYSTEM``), an unshipped approved return is closed, an unanswered offer lapses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from simulator.engine import transitions as T
from simulator.engine.base import EngineBase
from simulator.engine.errors import InvalidRequest, TransitionNotAllowed
from simulator.engine.events import ReturnChanged, StockChanged
from simulator.engine.models import LineItem, Order, Return, ReturnRecord
from simulator.engine.states import (
    Notice,
    OrderStatus,
    ReturnStatus,
    ReturnType,
    Role,
    ShipmentType,
)

ZERO = Decimal("0")
# decision -> (table event, the return type it is for; None: either; "REPLACEMENT": no simulated return)
APPROVALS: dict[str, tuple[str | None, ReturnType | str | None]] = {
    "APPROVE_REFUND": ("approve_refund", ReturnType.REFUND),
    "APPROVE_RETURN": ("approve_return", ReturnType.RETURN_AND_REFUND),
    "APPROVE_RECEIVED_PACKAGE": ("approve_received_package", ReturnType.RETURN_AND_REFUND),
    "OFFER_PARTIAL_REFUND": ("offer_partial_refund", None),
    "DIRECT_REFUND": ("direct_refund", None),
    "APPROVE_REPLACEMENT": (None, "REPLACEMENT"),
    "ISSUE_REPLACEMENT_REFUND": (None, "REPLACEMENT"),
}
REJECTIONS: dict[str, tuple[str | None, ReturnType | str | None]] = {
    "REJECT_REFUND": ("reject_request", ReturnType.REFUND),
    "REJECT_RETURN": ("reject_request", ReturnType.RETURN_AND_REFUND),
    "REJECT_RECEIVED_PACKAGE": ("reject_received_package", ReturnType.RETURN_AND_REFUND),
    "REJECT_REPLACEMENT": (None, "REPLACEMENT"),
}
RECORDS = {  # Get Return Records descriptions (simulator wording)
    "request": "Return or refund requested",
    "approve_refund": "Refund request approved",
    "approve_return": "Return request approved, return label generated",
    "direct_refund": "Returnless refund issued",
    "offer_partial_refund": "Partial refund offered to the buyer",
    "accept_offer": "The buyer accepted the partial refund",
    "decline_offer": "The buyer declined the partial refund",
    "reject_request": "Request rejected",
    "buyer_ship": "The buyer shipped the item(s) back",
    "return_delivered": "The return package was delivered to the seller",
    "approve_received_package": "Return package received and approved",
    "reject_received_package": "Return package rejected",
    "buyer_cancel": "The buyer cancelled the request",
    "ship_expired": "Closed: the buyer did not ship the item(s) back in time",
    "refund": "Refund completed",
}
# The seller's next action per status (API doc seller_next_action_response values).
NEXT_ACTIONS = {
    ReturnStatus.PENDING: {ReturnType.REFUND: "SELLER_RESPOND_REFUND", ReturnType.RETURN_AND_REFUND:
                           "SELLER_RESPOND_RETURN"},
    ReturnStatus.BUYER_SHIPPED_ITEM: {ReturnType.RETURN_AND_REFUND: "SELLER_RESPOND_RECEIVE_PACKAGE"},
}


class ReturnOps(EngineBase):
    """RET-1..RET-4: after delivery, until the return window closes."""

    # -- the buyer -----------------------------------------------------------------------------------
    def request_return(
        self,
        order_id: str,
        return_type: str,
        *,
        reason: str | None = None,
        line_item_ids: Sequence[str] | None = None,
        skus: Sequence[tuple[str, int]] | None = None,
        role: Role = Role.BUYER,
        shipment_type: str = ShipmentType.PLATFORM,
        refund_total: Decimal | None = None,
    ) -> Return:
        """The buyer (or the seller on their behalf) asks for a return and refund or a refund only (RET-1).

        Without ``line_item_ids`` or ``skus`` every unit not yet refunded is asked for. A ``refund_total``
        (Create Return) must not exceed what the units are refundable for; the refund is their worth.
        """
        order = self.order(order_id)
        T.ORDER.resolve("request_return", order.status, order.id)
        if order.open_return_id is not None:
            raise TransitionNotAllowed(machine="order", event="request_return", state=order.status,
                                       reason="return_in_process", rule="RET-1", entity_id=order.id)
        kind = ReturnType(_enum(ReturnType, return_type, "return_type"))
        shipment = ShipmentType(_enum(ShipmentType, shipment_type, "shipment_type"))
        lines = self._units_for(order, line_item_ids, skus)
        who = "buyer" if role == Role.BUYER else "seller"
        allowed = self.profile(order).return_reasons(who, order.region, kind if who == "buyer" else None)
        if not reason:
            reason = allowed[0]
        elif reason not in allowed:
            raise InvalidRequest(f"return reason {reason!r} is not a {who} reason for a {kind} request in "
                                 f"{order.region}", reason="reason_mismatch", rule="RET-1")
        now = self.clock.now()
        refunded = self.refunded_line_ids(order)
        whole = {li.id for li in lines} | refunded == {li.id for li in order.line_items}
        shipping = order.shipping_fee if whole else ZERO
        worth = sum((li.sale_price for li in lines), ZERO) + shipping
        if refund_total is not None and refund_total > worth:
            raise InvalidRequest(f"refund_total {refund_total} exceeds the refundable amount {worth}",
                                 reason="bad_parameter", rule="RET-4")
        ret = Return(
            id=self.ids.next("return"), order_id=order.id, return_type=kind, role=role,
            status=ReturnStatus.PENDING, reason=reason, create_time=now, update_time=now,
            line_item_ids=[li.id for li in lines], refund_total=worth,
            refund_shipping_fee=shipping, shipment_type=shipment,
        )
        self.returns[ret.id] = ret
        order.return_ids += (ret.id,)
        order.open_return_id = ret.id
        order.update_time = now
        ret.records.append(ReturnRecord(role, RECORDS["request"], now, reason=reason))
        self._emit(ReturnChanged(now, order.id, return_id=ret.id, old=None, new=ret.status, role=role,
                                 return_type=kind, event="request"))
        self._await_seller(order, ret, self.profile(order).return_response_window, "respond")
        self._flush()
        return ret

    def ship_return(self, return_id: str, tracking_number: str | None = None,
                    provider_name: str | None = None) -> Return:
        """The buyer hands the return to the carrier (RET-3); a platform label keeps its own tracking number."""
        ret = self.return_(return_id)
        T.RETURN.resolve("buyer_ship", ret.status, ret.id)
        tracking = (tracking_number or "").strip()
        if len(tracking) > 64:
            raise InvalidRequest("tracking_number is at most 64 characters", reason="bad_tracking", rule="RET-3")
        if ret.shipment_type == ShipmentType.BUYER_ARRANGE or not ret.return_tracking_number:
            ret.return_tracking_number = tracking or self._tracking()
            ret.return_provider_name = provider_name or ret.return_provider_name or "USPS"
        order = self.orders[ret.order_id]
        ret.shipped_time = self.clock.now()
        self.clock.cancel(order.timers.pop("return", None))
        ret.respond_deadline = None
        self._move(ret, "buyer_ship", Role.BUYER)
        self._flush()
        return ret

    def return_delivered(self, return_id: str) -> Return:
        """The carrier delivers the return to the seller; the seller's inspection window starts (RET-3)."""
        ret = self.return_(return_id)
        T.RETURN.resolve("return_delivered", ret.status, ret.id)
        if ret.received_time is not None:
            raise TransitionNotAllowed(machine="return", event="return_delivered", state=ret.status,
                                       reason="already_delivered", rule="RET-3", entity_id=ret.id)
        order = self.orders[ret.order_id]
        now = self.clock.now()
        ret.received_time = ret.update_time = order.update_time = now
        self._touch(order.id)  # no status change, no event: the list indexes must still see the update time
        ret.records.append(ReturnRecord(Role.SYSTEM, RECORDS["return_delivered"], now))
        self._await_seller(order, ret, self.profile(order).return_receive_window, "receive")
        self._flush()
        return ret

    def cancel_return(self, return_id: str) -> Return:
        """The buyer withdraws the request (pending, or approved and not shipped yet)."""
        ret = self.return_(return_id)
        T.RETURN.resolve("buyer_cancel", ret.status, ret.id)
        self._move(ret, "buyer_cancel", Role.BUYER)
        self._close(ret, Notice.RETURN_CLOSED, reason="buyer_cancelled")
        self._flush()
        return ret

    def answer_offer(self, return_id: str, accept: bool) -> Return:
        """The buyer accepts (refund of the offered amount, item kept) or declines a partial refund offer."""
        ret = self.return_(return_id)
        T.RETURN.resolve("accept_offer" if accept else "decline_offer", ret.status, ret.id)
        self._answer_offer(ret, accept, Role.BUYER)
        self._flush()
        return ret

    # -- the seller (or the platform at a window's end) ------------------------------------------------
    def approve_return(
        self,
        return_id: str,
        decision: str | None = None,
        *,
        role: Role = Role.SELLER,
        buyer_keep_item: bool = False,
        partial_refund: Decimal | None = None,
        idempotency_key: str | None = None,
    ) -> Return:
        """Approve Return with a decision (RET-2, RET-3); without one, the one the return's step calls for."""
        ret = self.return_(return_id)
        if idempotency_key and idempotency_key in ret.idempotency_keys:
            return ret
        decision = decision or self._default_approval(ret)
        event = self._decision_event(ret, decision, APPROVALS, {"buyer_keep_item": buyer_keep_item})
        if buyer_keep_item and decision != "APPROVE_RETURN":
            raise InvalidRequest("buyer_keep_item goes only with the APPROVE_RETURN decision",
                                 reason="bad_parameter", rule="RET-2")
        if decision == "OFFER_PARTIAL_REFUND":
            if partial_refund is None or not ZERO < partial_refund < ret.refund_total:
                raise InvalidRequest(f"partial_refund.amount must be more than 0 and less than the refund "
                                     f"requested ({ret.refund_total})", reason="bad_partial_refund", rule="RET-2")
        elif partial_refund is not None:
            raise InvalidRequest("partial_refund goes only with the OFFER_PARTIAL_REFUND decision",
                                 reason="bad_parameter", rule="RET-2")
        if idempotency_key:
            ret.idempotency_keys.add(idempotency_key)
        order = self.orders[ret.order_id]
        ret.decision, ret.resolved_by = decision, role
        self.clock.cancel(order.timers.pop("return", None))
        ret.respond_deadline = None
        now = self.clock.now()
        if event == "approve_return" and not buyer_keep_item:
            profile = self.profile(order)
            if ret.shipment_type == ShipmentType.PLATFORM:  # TikTok's prepaid label: tracking known at once
                ret.label_time = now
                ret.return_tracking_number = self._tracking()
                ret.return_provider_name = self._return_carrier(order)
            ret.ship_deadline = now + profile.return_ship_window
            self._move(ret, event, role)
            order.timers["return"] = self.clock.schedule(
                ret.ship_deadline, lambda: self._window_ended(ret.id, ReturnStatus.AWAITING_BUYER_SHIP),
                kind="return.ship_expired", key=ret.id)
            self._notify(order, Notice.RETURN_APPROVED, return_id=ret.id, return_type=ret.return_type.value,
                         return_tracking_number=ret.return_tracking_number)
        elif event == "offer_partial_refund":
            assert partial_refund is not None
            ret.partial_refund = partial_refund
            ret.offer_deadline = now + self.profile(order).return_offer_window
            self._move(ret, event, role)
            order.timers["return"] = self.clock.schedule(
                ret.offer_deadline, lambda: self._window_ended(ret.id, ReturnStatus.AWAITING_BUYER_RESPONSE),
                kind="return.offer_lapsed", key=ret.id)
            self._notify(order, Notice.RETURN_OFFER, return_id=ret.id, amount=str(partial_refund),
                         currency=order.currency)
        else:  # approve_refund, approve_return keeping the item, direct_refund, approve_received_package
            ret.buyer_keep_item = buyer_keep_item or event == "direct_refund" and ret.received_time is None
            if event == "approve_received_package" and ret.received_time is None:
                ret.received_time = now  # the seller says it arrived before the carrier's scan did
            self._move(ret, event, role, {"buyer_keep_item": buyer_keep_item})
            self._refund(ret, ret.refund_total, role)
        self._flush()
        return ret

    def reject_return(
        self,
        return_id: str,
        reason: str,
        *,
        decision: str | None = None,
        comment: str | None = None,
        role: Role = Role.SELLER,
        idempotency_key: str | None = None,
    ) -> Return:
        """Reject Return with a documented reject reason (RET-2 request, RET-3 received package)."""
        ret = self.return_(return_id)
        if idempotency_key and idempotency_key in ret.idempotency_keys:
            return ret
        decision = decision or self._default_rejection(ret)
        event = self._decision_event(ret, decision, REJECTIONS, {})
        order = self.orders[ret.order_id]
        if not reason:
            raise InvalidRequest("reject_reason is required", reason="reject_reason_required", rule="RET-2")
        if reason not in self.profile(order).return_reasons("seller_reject", order.region):
            raise InvalidRequest(f"reject reason {reason!r} is not offered for this return",
                                 reason="reject_reason_invalid", rule="RET-2")
        if idempotency_key:
            ret.idempotency_keys.add(idempotency_key)
        ret.decision, ret.resolved_by = decision, role
        ret.reject_reason, ret.reject_comment = reason, comment
        self._move(ret, event, role, reason=reason, note=comment)
        self._close(ret, Notice.RETURN_REJECTED, reason=reason)
        self._flush()
        return ret

    # -- reads -----------------------------------------------------------------------------------------
    def return_blocker(self, order: Order) -> str | None:
        """Why a return cannot be requested on the order now (None: it can)."""
        if not T.ORDER.allows("request_return", order.status):
            return "the order is not delivered" if order.status != OrderStatus.COMPLETED else (
                "the return window has closed")
        if order.open_return_id is not None:
            return "a return is already in process"
        return None

    def refunded_line_ids(self, order: Order) -> set[str]:
        """Line items a completed return refunded (each at most once, RET-1)."""
        return {li for r in order.return_ids for li in self.returns[r].line_item_ids
                if self.returns[r].status == ReturnStatus.COMPLETE}

    def next_action(self, ret: Return) -> str | None:
        """The seller's next action (``SELLER_RESPOND_*``) while one is due, with ``respond_deadline``."""
        if ret.respond_deadline is None:
            return None
        return NEXT_ACTIONS.get(ret.status, {}).get(ret.return_type)

    # -- internals -------------------------------------------------------------------------------------
    def _units_for(self, order: Order, line_item_ids: Sequence[str] | None,
                   skus: Sequence[tuple[str, int]] | None) -> list[LineItem]:
        refunded = self.refunded_line_ids(order)
        open_lines = [li for li in order.line_items if li.id not in refunded]
        if line_item_ids is not None and skus is not None:
            raise InvalidRequest("give order_line_item_ids or skus, not both", reason="bad_parameter", rule="RET-1")
        if line_item_ids is not None:
            by_id = {li.id: li for li in order.line_items}
            unknown = [i for i in line_item_ids if i not in by_id]
            if unknown or not line_item_ids or len(set(line_item_ids)) != len(line_item_ids):
                raise InvalidRequest(f"line items {unknown or list(line_item_ids)} are not (distinct) line items "
                                     "of the order", reason="bad_line_items", rule="RET-1")
            chosen = [by_id[i] for i in line_item_ids]
        elif skus is not None:
            chosen = []
            for sku_id, qty in skus:
                candidates = [li for li in open_lines if li.sku_id == sku_id and li not in chosen]
                if qty <= 0 or len(candidates) < qty:
                    raise InvalidRequest(f"the order has {len(candidates)} unit(s) of SKU {sku_id} to return, "
                                         f"{qty} asked for", reason="bad_line_items", rule="RET-1")
                chosen += candidates[:qty]
            if not chosen:
                raise InvalidRequest("skus names no unit", reason="bad_line_items", rule="RET-1")
        else:
            chosen = open_lines
        if not chosen or any(li.id in refunded for li in chosen):
            raise InvalidRequest("these units were already refunded", reason="already_refunded", rule="RET-1")
        return chosen

    def _decision_event(self, ret: Return, decision: str, table: dict[str, tuple[str | None, ReturnType | str | None]],
                        guards: dict[str, bool]) -> str:
        if decision not in table:
            raise InvalidRequest(f"unknown decision {decision!r} (one of {', '.join(table)})",
                                 reason="bad_decision", rule="RET-2")
        event, kind = table[decision]
        if event is not None:
            T.RETURN.resolve(event, ret.status, ret.id, guards)  # a state refusal first
        if event is None or (kind is not None and kind != ret.return_type):
            raise InvalidRequest(f"decision {decision} does not match the return type {ret.return_type}",
                                 reason="decision_mismatch", rule="RET-2")
        return event

    @staticmethod
    def _default_approval(ret: Return) -> str:
        if ret.status == ReturnStatus.BUYER_SHIPPED_ITEM:
            return "APPROVE_RECEIVED_PACKAGE"
        return "APPROVE_REFUND" if ret.return_type == ReturnType.REFUND else "APPROVE_RETURN"

    @staticmethod
    def _default_rejection(ret: Return) -> str:
        if ret.status == ReturnStatus.BUYER_SHIPPED_ITEM:
            return "REJECT_RECEIVED_PACKAGE"
        return "REJECT_REFUND" if ret.return_type == ReturnType.REFUND else "REJECT_RETURN"

    def _move(self, ret: Return, event: str, role: Role, guards: dict[str, bool] | None = None, *,
              reason: str | None = None, note: str | None = None) -> None:
        target, _ = T.RETURN.resolve(event, ret.status, ret.id, guards)
        old = ret.status
        now = self.clock.now()
        ret.status = target  # type: ignore[assignment]
        ret.update_time = self.orders[ret.order_id].update_time = now
        ret.records.append(ReturnRecord(role, RECORDS[event], now, reason=reason, note=note))
        self._emit(ReturnChanged(now, ret.order_id, return_id=ret.id, old=old, new=ret.status, role=role,
                                 return_type=ret.return_type, event=event))

    def _await_seller(self, order: Order, ret: Return, window: timedelta, step: str) -> None:
        self.clock.cancel(order.timers.pop("return", None))
        ret.respond_deadline = self.clock.now() + window
        status = ret.status
        order.timers["return"] = self.clock.schedule(
            ret.respond_deadline, lambda: self._window_ended(ret.id, status), kind=f"return.auto_{step}", key=ret.id)

    def _window_ended(self, return_id: str, status: ReturnStatus) -> None:
        ret = self.returns[return_id]
        order = self.orders[ret.order_id]
        order.timers.pop("return", None)
        if ret.status != status:
            return
        if status in (ReturnStatus.PENDING, ReturnStatus.BUYER_SHIPPED_ITEM):
            self.approve_return(ret.id, role=Role.SYSTEM)  # the platform approves what the seller left unanswered
        elif status == ReturnStatus.AWAITING_BUYER_SHIP:
            self._move(ret, "ship_expired", Role.SYSTEM)
            self._close(ret, Notice.RETURN_CLOSED, reason="not_shipped_in_time")
            self._flush()
        elif status == ReturnStatus.AWAITING_BUYER_RESPONSE:
            self._answer_offer(ret, False, Role.SYSTEM)
            self._flush()

    def _answer_offer(self, ret: Return, accept: bool, role: Role) -> None:
        order = self.orders[ret.order_id]
        self.clock.cancel(order.timers.pop("return", None))
        ret.offer_deadline = None
        if accept:
            assert ret.partial_refund is not None
            ret.buyer_rejected_partial_refund, ret.buyer_keep_item = False, True
            self._move(ret, "accept_offer", role)
            self._refund(ret, ret.partial_refund, role)
            return
        ret.buyer_rejected_partial_refund = True
        self._move(ret, "decline_offer", role)
        self._await_seller(order, ret, self.profile(order).return_response_window, "respond")

    def _refund(self, ret: Return, amount: Decimal, role: Role) -> None:
        """RET-4: record the refund, put received goods back on sale (RET-3), close; a full refund completes."""
        order = self.orders[ret.order_id]
        now = self.clock.now()
        ret.refund_amount, ret.refund_time = amount, now
        if (ret.return_type == ReturnType.RETURN_AND_REFUND and ret.received_time is not None
                and not ret.buyer_keep_item and self.profile(order).return_restock):
            lines = [li for li in order.line_items if li.id in ret.line_item_ids]
            for sku_id, qty in self._units(lines).items():
                self.inventory.put_back(sku_id, qty)
                self._emit(StockChanged(now, order.id, sku_id=sku_id, action="return", quantity=qty))
            ret.restocked = True
        self._move(ret, "refund", role)
        self._close(ret, Notice.RETURN_REFUND, reason=None, refund_amount=str(amount), currency=order.currency)
        everything = self.refunded_line_ids(order) == {li.id for li in order.line_items}
        target, _ = T.ORDER.resolve("return_refund", order.status, order.id, {"all_refunded": everything})
        if target == OrderStatus.COMPLETED:
            self._finish(order, "return_refund")
        elif order.complete_due is not None and now >= order.complete_due:
            self._finish(order, "complete")  # the return window ended while this request was open

    def _close(self, ret: Return, notice: Notice, *, reason: str | None, **details: str) -> None:
        order = self.orders[ret.order_id]
        if order.open_return_id == ret.id:
            order.open_return_id = None
        self.clock.cancel(order.timers.pop("return", None))
        ret.respond_deadline = ret.ship_deadline = ret.offer_deadline = None
        self._notify(order, notice, return_id=ret.id, reason=reason, **details)
        due = order.complete_due
        if notice != Notice.RETURN_REFUND and due is not None and self.clock.now() >= due:
            self._finish(order, "complete")  # the return window ended while this request was open

    def _finish(self, order: Order, event: str) -> None:
        if order.status != OrderStatus.DELIVERED:
            return
        self.clock.cancel(order.timers.pop("complete", None))
        order.completed_time = self.clock.now()
        for li in order.line_items:
            li.status = OrderStatus.COMPLETED
        self._set_status(order, OrderStatus.COMPLETED, event)

    def _tracking(self) -> str:
        return f"TTRT{self.ids.next('return_tracking')[3:]}"

    def _return_carrier(self, order: Order) -> str:
        names = [self.packages[p].shipping_provider_name for p in order.package_ids]
        return next((n for n in names if n), "USPS")


def _enum(kind: type[ReturnType] | type[ShipmentType], value: str, name: str) -> ReturnType | ShipmentType:
    try:
        return kind(value)
    except ValueError:
        options = ", ".join(m.value for m in kind)
        raise InvalidRequest(f"{name} must be one of {options}, not {value!r}", reason="bad_parameter",
                             rule="RET-1") from None

