"""The reference order engine: the lifecycle, cancellation and return operations over one shared state."""

from __future__ import annotations

from simulator.engine.base import ApprovalGuard, Subscriber
from simulator.engine.cancellations import CancellationOps
from simulator.engine.lifecycle import LifecycleOps
from simulator.engine.models import Order
from simulator.engine.returns import ReturnOps

__all__ = ["ApprovalGuard", "OrderEngine", "Subscriber", "is_late"]


class OrderEngine(LifecycleOps, CancellationOps, ReturnOps):
    """Single source of truth for every order rule (rules.md); pure Python, no HTTP.

    Every public operation validates first and mutates after, so a refused operation changes
    nothing; events reach subscribers after the operation completes (run-to-completion).
    """


def is_late(order: Order) -> bool:
    """SLA-1: shipped after its dispatch deadline."""
    return order.rts_time is not None and order.rts_sla_time is not None and order.rts_time > order.rts_sla_time
