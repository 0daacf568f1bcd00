"""The reference order engine: pure Python (no Flask, no vendor module), the oracle for rules.md."""

from simulator.engine.core import OrderEngine, is_late
from simulator.engine.errors import EngineError, InvalidRequest, NotFound, TransitionNotAllowed
from simulator.engine.inventory import Inventory, Sku
from simulator.engine.metrics import LdrReport, late_dispatch_rate
from simulator.engine.models import Cancellation, LineItem, Notification, Order, Package, Return
from simulator.engine.states import (
    CancelStatus,
    CancelType,
    Notice,
    OrderStatus,
    PackageStatus,
    ReturnStatus,
    ReturnType,
    Role,
    ShipmentType,
)

__all__ = [
    "Cancellation", "CancelStatus", "CancelType", "EngineError", "InvalidRequest", "Inventory", "LdrReport",
    "LineItem", "Notice", "NotFound", "Notification", "Order", "OrderEngine", "OrderStatus", "Package",
    "PackageStatus", "Return", "ReturnStatus", "ReturnType", "Role", "ShipmentType", "Sku", "TransitionNotAllowed", "is_late", "late_dispatch_rate",
]
