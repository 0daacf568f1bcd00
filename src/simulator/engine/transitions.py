"""The order, package, cancellation and return machines as data (rules.md IDs on every row and refusal)."""

from __future__ import annotations

from simulator.engine.states import CancelStatus as C
from simulator.engine.states import OrderStatus as O
from simulator.engine.states import PackageStatus as P
from simulator.engine.states import ReturnStatus as R
from simulator.engine.table import Refusal, Row, TransitionTable


def _s(*states: O | P | C | R) -> frozenset[O | P | C | R]:
    return frozenset(states)


ALL_ORDER = _s(*O)
SHIPPED = _s(O.AWAITING_COLLECTION, O.IN_TRANSIT, O.DELIVERED, O.COMPLETED)
CANCEL_EVENTS = ("buyer_cancel", "buyer_request_cancel", "seller_cancel", "approve_cancel", "auto_cancel")

ORDER = TransitionTable(
    "order",
    O,
    initial=O.UNPAID,
    finals=(O.COMPLETED, O.CANCELLED),
    rows=[
        Row("pay", _s(O.UNPAID), O.ON_HOLD, "HOLD-1"),
        Row("release_hold", _s(O.ON_HOLD), O.AWAITING_SHIPMENT, "HOLD-1"),
        Row("ship", _s(O.AWAITING_SHIPMENT, O.PARTIALLY_SHIPPING), O.AWAITING_COLLECTION, "LIFE-1",
            guard="last_package"),
        Row("ship", _s(O.AWAITING_SHIPMENT, O.PARTIALLY_SHIPPING), O.PARTIALLY_SHIPPING, "LIFE-1"),
        Row("collect", _s(O.AWAITING_COLLECTION), O.IN_TRANSIT, "LIFE-1", guard="last_package"),
        Row("collect", _s(O.AWAITING_COLLECTION, O.PARTIALLY_SHIPPING), None, "LIFE-1"),
        Row("deliver", _s(O.IN_TRANSIT, O.AWAITING_COLLECTION), O.DELIVERED, "LIFE-1", guard="last_package"),
        Row("deliver", _s(O.IN_TRANSIT, O.AWAITING_COLLECTION, O.PARTIALLY_SHIPPING), None, "LIFE-1"),
        Row("complete", _s(O.DELIVERED), O.COMPLETED, "LIFE-1"),
        Row("buyer_cancel", _s(O.UNPAID, O.ON_HOLD), O.CANCELLED, "HOLD-3"),
        Row("buyer_request_cancel", _s(O.AWAITING_SHIPMENT), None, "CAN-B4"),
        Row("approve_cancel", _s(O.AWAITING_SHIPMENT), O.CANCELLED, "CAN-B4"),
        Row("seller_cancel", _s(O.UNPAID, O.ON_HOLD, O.AWAITING_SHIPMENT), O.CANCELLED, "CAN-S2"),
        # A partly shipped order still has goods to dispatch: the platform cancels it at the limit too,
        # as a cancel-after-shipped (the whole order: partial cancellation is not modelled).
        Row("auto_cancel", _s(O.AWAITING_SHIPMENT, O.PARTIALLY_SHIPPING), O.CANCELLED, "SLA-5"),
        Row("platform_cancel", ALL_ORDER - _s(O.COMPLETED, O.CANCELLED), O.CANCELLED, "CAN-P1"),
        # Some units cancelled, the order continues with the rest (CAN-L1 seller, CAN-L2 platform): only while
        # nothing has shipped; a partial cancel naming every remaining unit is a whole cancel.
        Row("seller_cancel_lines", _s(O.ON_HOLD, O.AWAITING_SHIPMENT), None, "CAN-L1"),
        Row("platform_cancel_lines", _s(O.ON_HOLD, O.AWAITING_SHIPMENT), None, "CAN-L2"),
        # The seller regroups unshipped units into packages (PKG-1: Split Orders, Mark Package As Shipped).
        Row("split", _s(O.AWAITING_SHIPMENT, O.PARTIALLY_SHIPPING), None, "PKG-1"),
        # After delivery, until the return window ends (COMPLETED), the buyer may ask for a return (RET-1);
        # the refund of the order's last units completes it (RET-4, API doc: COMPLETED "also when fully refunded").
        Row("request_return", _s(O.DELIVERED), None, "RET-1"),
        Row("return_refund", _s(O.DELIVERED), O.COMPLETED, "RET-4", guard="all_refunded"),
        Row("return_refund", _s(O.DELIVERED), None, "RET-4"),
    ],
    refusals=[
        Refusal("pay", ALL_ORDER - _s(O.UNPAID), "already_paid", "HOLD-1"),
        Refusal("release_hold", ALL_ORDER - _s(O.ON_HOLD), "not_on_hold", "HOLD-1"),
        Refusal("ship", _s(O.ON_HOLD), "order_on_hold", "HOLD-2"),
        Refusal("ship", _s(O.UNPAID), "order_unpaid", "FUL-2"),
        Refusal("ship", _s(O.CANCELLED), "order_cancelled", "FUL-2"),
        Refusal("ship", SHIPPED, "already_shipped", "FUL-2"),
        Refusal("collect", _s(O.UNPAID, O.ON_HOLD, O.AWAITING_SHIPMENT), "not_shipped", "LIFE-1"),
        Refusal("collect", _s(O.IN_TRANSIT, O.DELIVERED, O.COMPLETED), "already_collected", "LIFE-1"),
        Refusal("collect", _s(O.CANCELLED), "order_cancelled", "LIFE-1"),
        Refusal("deliver", _s(O.UNPAID, O.ON_HOLD, O.AWAITING_SHIPMENT), "not_shipped", "LIFE-1"),
        Refusal("deliver", _s(O.DELIVERED, O.COMPLETED), "already_delivered", "LIFE-1"),
        Refusal("deliver", _s(O.CANCELLED), "order_cancelled", "LIFE-1"),
        Refusal("complete", ALL_ORDER - _s(O.DELIVERED, O.COMPLETED, O.CANCELLED), "not_delivered", "LIFE-1"),
        Refusal("complete", _s(O.COMPLETED), "order_completed", "LIFE-1"),
        Refusal("complete", _s(O.CANCELLED), "order_cancelled", "LIFE-1"),
        Refusal("buyer_cancel", _s(O.AWAITING_SHIPMENT), "needs_seller_review", "CAN-B4"),
        Refusal("buyer_request_cancel", _s(O.UNPAID, O.ON_HOLD), "cancel_directly", "HOLD-3"),
        Refusal("auto_cancel", _s(O.UNPAID, O.ON_HOLD), "not_released", "SLA-5"),
        Refusal("approve_cancel", _s(O.UNPAID, O.ON_HOLD), "no_request", "CAN-B4"),
        *[Refusal(e, _s(O.PARTIALLY_SHIPPING) | SHIPPED - _s(O.COMPLETED), "already_shipped", "CAN-X1")
          for e in ("buyer_cancel", "buyer_request_cancel", "seller_cancel", "approve_cancel")],
        *[Refusal(e, _s(O.AWAITING_COLLECTION, O.IN_TRANSIT, O.DELIVERED), "already_shipped", "CAN-X1")
          for e in ("auto_cancel",)],
        *[Refusal(e, _s(O.COMPLETED), "order_completed", "CAN-X1") for e in (*CANCEL_EVENTS, "platform_cancel")],
        *[Refusal(e, _s(O.CANCELLED), "order_cancelled", "CAN-X1") for e in (*CANCEL_EVENTS, "platform_cancel")],
        *[Refusal(e, ALL_ORDER - _s(O.DELIVERED, O.COMPLETED, O.CANCELLED), "not_delivered", rule)
          for e, rule in (("request_return", "RET-1"), ("return_refund", "RET-4"))],
        Refusal("request_return", _s(O.COMPLETED), "return_window_closed", "RET-1"),
        *[Refusal(e, _s(O.UNPAID), "order_unpaid", rule)
          for e, rule in (("seller_cancel_lines", "CAN-L1"), ("platform_cancel_lines", "CAN-L2"))],
        *[Refusal(e, _s(O.PARTIALLY_SHIPPING) | SHIPPED - _s(O.COMPLETED), "already_shipped", "CAN-X1")
          for e in ("seller_cancel_lines", "platform_cancel_lines")],
        *[Refusal(e, _s(O.COMPLETED), "order_completed", "CAN-X1") for e in ("seller_cancel_lines",
                                                                            "platform_cancel_lines")],
        *[Refusal(e, _s(O.CANCELLED), "order_cancelled", "CAN-X1") for e in ("seller_cancel_lines",
                                                                            "platform_cancel_lines")],
        Refusal("split", _s(O.ON_HOLD), "order_on_hold", "HOLD-2"),
        Refusal("split", _s(O.UNPAID), "order_unpaid", "PKG-1"),
        Refusal("split", SHIPPED - _s(O.COMPLETED), "already_shipped", "PKG-1"),
        Refusal("split", _s(O.COMPLETED), "order_completed", "PKG-1"),
        Refusal("split", _s(O.CANCELLED), "order_cancelled", "PKG-1"),
        Refusal("return_refund", _s(O.COMPLETED), "order_completed", "RET-4"),
        *[Refusal(e, _s(O.CANCELLED), "order_cancelled", rule)
          for e, rule in (("request_return", "RET-1"), ("return_refund", "RET-4"))],
    ],
)

PACKAGE = TransitionTable(
    "package",
    P,
    initial=P.TO_FULFILL,
    finals=(P.COMPLETED, P.CANCELLED),
    rows=[
        Row("ship", _s(P.TO_FULFILL), P.PROCESSING, "LIFE-1"),
        Row("collect", _s(P.PROCESSING), P.FULFILLING, "LIFE-1"),
        Row("deliver", _s(P.FULFILLING, P.PROCESSING), P.COMPLETED, "LIFE-1"),
        Row("cancel", _s(P.TO_FULFILL, P.PROCESSING, P.FULFILLING), P.CANCELLED, "CAN-P1"),
    ],
    refusals=[
        Refusal("ship", _s(P.PROCESSING, P.FULFILLING, P.COMPLETED), "already_shipped", "FUL-2"),
        Refusal("ship", _s(P.CANCELLED), "package_cancelled", "FUL-2"),
        Refusal("collect", _s(P.TO_FULFILL), "not_shipped", "LIFE-1"),
        Refusal("collect", _s(P.FULFILLING, P.COMPLETED), "already_collected", "LIFE-1"),
        Refusal("collect", _s(P.CANCELLED), "package_cancelled", "LIFE-1"),
        Refusal("deliver", _s(P.TO_FULFILL), "not_shipped", "LIFE-1"),
        Refusal("deliver", _s(P.COMPLETED), "already_delivered", "LIFE-1"),
        Refusal("deliver", _s(P.CANCELLED), "package_cancelled", "LIFE-1"),
        Refusal("cancel", _s(P.COMPLETED), "already_delivered", "CAN-X1"),
        Refusal("cancel", _s(P.CANCELLED), "package_cancelled", "CAN-X1"),
    ],
)

CANCELLATION = TransitionTable(
    "cancellation",
    C,
    initial=C.PENDING,
    finals=(C.COMPLETE, C.CANCEL),
    rows=[
        Row("approve", _s(C.PENDING), C.SUCCESS, "CAN-B4"),
        Row("reject", _s(C.PENDING), C.CANCEL, "CAN-B4"),
        Row("withdraw", _s(C.PENDING), C.CANCEL, "CAN-B4"),
        Row("refund", _s(C.SUCCESS), C.COMPLETE, "CAN-B4"),
    ],
    refusals=[
        *[Refusal(e, _s(C.SUCCESS, C.COMPLETE), "already_approved", "CAN-X1") for e in ("approve", "reject", "withdraw")],
        *[Refusal(e, _s(C.CANCEL), "already_closed", "CAN-X1") for e in ("approve", "reject", "withdraw")],
        Refusal("refund", _s(C.PENDING), "not_approved", "CAN-B4"),
        Refusal("refund", _s(C.COMPLETE), "already_refunded", "CAN-B4"),
        Refusal("refund", _s(C.CANCEL), "already_closed", "CAN-B4"),
    ],
)

ALL_RETURN = _s(*R)
RETURN_FINAL = _s(R.REJECT, R.REJECT_RECEIVE_PACKAGE, R.CANCEL, R.COMPLETE)
RETURN_APPROVED = _s(R.AWAITING_BUYER_SHIP, R.BUYER_SHIPPED_ITEM, R.SUCCESS, R.COMPLETE)


def _return_refusals(event: str, allowed: frozenset[O | P | C | R], rule: str) -> list[Refusal]:
    """Refuse ``event`` in every state but ``allowed``: closed returns say so, open ones are in the wrong step."""
    closed = (RETURN_FINAL - allowed) | (_s(R.SUCCESS) - allowed)
    rest = ALL_RETURN - allowed - closed
    refusals = [Refusal(event, closed, "return_closed", rule)] if closed else []
    return refusals + ([Refusal(event, rest, "return_status_blocks", rule)] if rest else [])


RETURN = TransitionTable(
    "return",
    R,
    initial=R.PENDING,
    finals=RETURN_FINAL,
    rows=[
        Row("approve_refund", _s(R.PENDING), R.SUCCESS, "RET-2"),
        Row("approve_return", _s(R.PENDING), R.SUCCESS, "RET-2", guard="buyer_keep_item"),
        Row("approve_return", _s(R.PENDING), R.AWAITING_BUYER_SHIP, "RET-2"),
        Row("direct_refund", _s(R.PENDING, R.AWAITING_BUYER_SHIP, R.BUYER_SHIPPED_ITEM), R.SUCCESS, "RET-2"),
        Row("offer_partial_refund", _s(R.PENDING), R.AWAITING_BUYER_RESPONSE, "RET-2"),
        Row("accept_offer", _s(R.AWAITING_BUYER_RESPONSE), R.SUCCESS, "RET-4"),
        Row("decline_offer", _s(R.AWAITING_BUYER_RESPONSE), R.PENDING, "RET-2"),
        Row("reject_request", _s(R.PENDING), R.REJECT, "RET-2"),
        Row("buyer_ship", _s(R.AWAITING_BUYER_SHIP), R.BUYER_SHIPPED_ITEM, "RET-3"),
        Row("return_delivered", _s(R.BUYER_SHIPPED_ITEM), None, "RET-3"),
        Row("approve_received_package", _s(R.BUYER_SHIPPED_ITEM), R.SUCCESS, "RET-3"),
        Row("reject_received_package", _s(R.BUYER_SHIPPED_ITEM), R.REJECT_RECEIVE_PACKAGE, "RET-3"),
        Row("buyer_cancel", _s(R.PENDING, R.AWAITING_BUYER_SHIP, R.AWAITING_BUYER_RESPONSE), R.CANCEL, "RET-1"),
        Row("ship_expired", _s(R.AWAITING_BUYER_SHIP), R.CANCEL, "RET-3"),
        Row("refund", _s(R.SUCCESS), R.COMPLETE, "RET-4"),
    ],
    refusals=[
        *_return_refusals("approve_refund", _s(R.PENDING), "RET-2"),
        *_return_refusals("approve_return", _s(R.PENDING), "RET-2"),
        *_return_refusals("direct_refund", _s(R.PENDING, R.AWAITING_BUYER_SHIP, R.BUYER_SHIPPED_ITEM), "RET-2"),
        *_return_refusals("offer_partial_refund", _s(R.PENDING), "RET-2"),
        *_return_refusals("accept_offer", _s(R.AWAITING_BUYER_RESPONSE), "RET-4"),
        *_return_refusals("decline_offer", _s(R.AWAITING_BUYER_RESPONSE), "RET-2"),
        # A request the seller (or the platform) already approved cannot be rejected any more (API doc 25020010).
        Refusal("reject_request", RETURN_APPROVED, "already_approved", "RET-2"),
        Refusal("reject_request", _s(R.REJECT, R.REJECT_RECEIVE_PACKAGE, R.CANCEL), "return_closed", "RET-2"),
        Refusal("reject_request", _s(R.AWAITING_BUYER_RESPONSE), "return_status_blocks", "RET-2"),
        *_return_refusals("buyer_ship", _s(R.AWAITING_BUYER_SHIP), "RET-3"),
        *_return_refusals("return_delivered", _s(R.BUYER_SHIPPED_ITEM), "RET-3"),
        *_return_refusals("approve_received_package", _s(R.BUYER_SHIPPED_ITEM), "RET-3"),
        *_return_refusals("reject_received_package", _s(R.BUYER_SHIPPED_ITEM), "RET-3"),
        *_return_refusals("buyer_cancel", _s(R.PENDING, R.AWAITING_BUYER_SHIP, R.AWAITING_BUYER_RESPONSE), "RET-1"),
        *_return_refusals("ship_expired", _s(R.AWAITING_BUYER_SHIP), "RET-3"),
        Refusal("refund", _s(R.COMPLETE), "already_refunded", "RET-4"),
        Refusal("refund", _s(R.REJECT, R.REJECT_RECEIVE_PACKAGE, R.CANCEL), "return_closed", "RET-4"),
        Refusal("refund", _s(R.PENDING, R.AWAITING_BUYER_SHIP, R.BUYER_SHIPPED_ITEM, R.AWAITING_BUYER_RESPONSE),
                "not_approved", "RET-4"),
    ],
)
