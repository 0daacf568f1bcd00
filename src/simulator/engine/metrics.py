"""Seller performance metrics over a period: Late Dispatch Rate (SLA-2)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from simulator.engine.models import Order
from simulator.engine.states import OrderStatus


@dataclass(frozen=True)
class LdrReport:
    """SLA-2 figures for ``[start, end)``."""

    start: datetime
    end: datetime
    shipped: int
    shipped_late: int
    cancelled_after_deadline: int
    target: float
    partially_shipped_overdue: int = 0

    @property
    def denominator(self) -> int:
        """Orders dispatched in the period plus late-then-cancelled ones (they count as dispatch failures)."""
        return self.shipped + self.cancelled_after_deadline

    @property
    def rate(self) -> float:
        """Late Dispatch Rate as a fraction (0 when nothing was dispatched)."""
        return (self.shipped_late + self.cancelled_after_deadline) / self.denominator if self.denominator else 0.0

    @property
    def meets_target(self) -> bool:
        """True when the rate is at or under the profile's target (≤ 4 %)."""
        return self.rate <= self.target

    def as_dict(self) -> dict[str, object]:
        """Plain data for the control plane."""
        return {
            "start": self.start.isoformat(), "end": self.end.isoformat(), "shipped": self.shipped,
            "shipped_late": self.shipped_late, "cancelled_after_deadline": self.cancelled_after_deadline,
            "partially_shipped_overdue": self.partially_shipped_overdue,
            "rate": round(self.rate, 6), "target": self.target, "meets_target": self.meets_target,
        }


def late_dispatch_rate(
    orders: Iterable[Order], start: datetime, end: datetime, target: float = 0.04,
    partly_shipped: Callable[[Order], bool] | None = None,
) -> LdrReport:
    """SLA-2: orders dispatched late ÷ orders dispatched in ``[start, end)``.

    An order is dispatched when its last package ships (``rts_time``). Orders that missed their
    deadline and were then cancelled inside the period count as late (Rithum doc: "incorporates any
    orders that miss their dispatch deadline and are subsequently canceled") and join the
    denominator, so the rate stays a fraction: cancellations by the seller or the buyer, and any
    cancellation of a partly shipped order (the seller had started dispatching it). A platform
    cancellation of an untouched order is not the seller's dispatch and is left out.
    ``partially_shipped_overdue`` reports orders still partly shipped at ``end`` with their
    deadline passed inside the period: late already, counted in the rate once they are dispatched
    or cancelled, so a split order never vanishes from the metric.
    """
    partly = partly_shipped or (lambda order: False)
    shipped = late = late_cancelled = overdue = 0
    for order in orders:
        deadline = order.rts_sla_time
        if order.rts_time is not None and start <= order.rts_time < end:
            shipped += 1
            if deadline is not None and order.rts_time > deadline:
                late += 1
        elif (
            order.status == OrderStatus.CANCELLED
            and order.rts_time is None
            and order.cancel_time is not None
            and start <= order.cancel_time < end
            and (order.cancellation_initiator in ("SELLER", "BUYER") or partly(order))
            and deadline is not None
            and order.cancel_time > deadline
        ):
            late_cancelled += 1
        elif order.status == OrderStatus.PARTIALLY_SHIPPING and deadline is not None and start <= deadline < end:
            overdue += 1
    return LdrReport(start, end, shipped, late, late_cancelled, target, overdue)
