"""Domain events the engine emits after each state change (journal, webhooks and connectors subscribe).

Events are immutable by convention; they are not ``frozen`` dataclasses because frozen ``__init__``
costs a ``object.__setattr__`` per field and the engine emits a dozen per order lifecycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar


@dataclass(slots=True)
class EngineEvent:
    """Base: every event carries the virtual instant it happened at and the order it concerns."""

    topic: ClassVar[str] = "engine"
    at: datetime
    order_id: str

    def payload(self) -> dict[str, Any]:
        """Plain data for the journal."""
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(f.name for f in fields(self) if f.name != "at")
        return {name: getattr(self, name) for name in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


@dataclass(slots=True)
class OrderPlaced(EngineEvent):
    """A buyer placed an order (paid or not)."""

    topic: ClassVar[str] = "order.placed"
    shop_id: str = ""
    profile: str = ""


@dataclass(slots=True)
class OrderStatusChanged(EngineEvent):
    """LIFE-1: every order status change (drives webhook type 1 and the connectors)."""

    topic: ClassVar[str] = "order.status"
    old: str = ""
    new: str = ""
    event: str = ""


@dataclass(slots=True)
class PackageStatusChanged(EngineEvent):
    """A package moved (shipped, collected, delivered, cancelled)."""

    topic: ClassVar[str] = "package.status"
    package_id: str = ""
    old: str = ""
    new: str = ""


@dataclass(slots=True)
class PackagesChanged(EngineEvent):
    """PKG-1/CAN-L1: an order's packages were regrouped (split, a line cancelled out); drives webhook type 4."""

    topic: ClassVar[str] = "package.update"
    sc_type: str = ""
    role: str = ""
    package_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class CancellationChanged(EngineEvent):
    """A cancellation was created or changed status (drives webhook type 11)."""

    topic: ClassVar[str] = "cancellation.status"
    cancel_id: str = ""
    old: str | None = None
    new: str = ""
    role: str = ""
    cancel_type: str = ""


@dataclass(slots=True)
class ReturnChanged(EngineEvent):
    """A return was created or changed status (drives webhook type 12); ``role`` is who caused the change."""

    topic: ClassVar[str] = "return.status"
    return_id: str = ""
    old: str | None = None
    new: str = ""
    role: str = ""
    return_type: str = ""
    event: str = ""


@dataclass(slots=True)
class ApprovalDeferred(EngineEvent):
    """An approval a guard could not check yet (CAN-B2: SFCC unreachable); the request stays pending."""

    topic: ClassVar[str] = "cancellation.approval_deferred"
    cancel_id: str = ""
    role: str = ""
    reason: str = ""


@dataclass(slots=True)
class BuyerNotified(EngineEvent):
    """NOTE-1: a buyer email / in-app notification with its time."""

    topic: ClassVar[str] = "notification.buyer"
    kind: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class DispatchDeadlinePassed(EngineEvent):
    """SLA-1: the dispatch deadline passed with the order still unshipped."""

    topic: ClassVar[str] = "sla.dispatch_missed"
    deadline: datetime | None = None


@dataclass(slots=True)
class StockChanged(EngineEvent):
    """HOLD-4: a reservation, release, consumption or return (RET-3) of stock for one SKU."""

    topic: ClassVar[str] = "stock.change"
    sku_id: str = ""
    action: str = ""
    quantity: int = 0
