"""The reference order engine: pure Python (no Flask, no vendor module), the oracle for rules.md."""

from simulator.engine.core import OrderEngine, is_late
from simulator.engine.errors import EngineError, InvalidRequest, NotFound, TransitionNotAllowed
from simulator.engine.inventory import Inventory, Sku
from simulator.engine.metrics import LdrReport, late_dispatch_rate
from simulator.engine.models import Cancellation, LineItem, Notification, Order, Package
from simulator.engine.states import CancelStatus, CancelType, Notice, OrderStatus, PackageStatus, Role

__all__ = [
    "Cancellation", "CancelStatus", "CancelType", "EngineError", "InvalidRequest", "Inventory", "LdrReport",
    "LineItem", "Notice", "NotFound", "Notification", "Order", "OrderEngine", "OrderStatus", "Package",
    "PackageStatus", "Role", "Sku", "TransitionNotAllowed", "is_late", "late_dispatch_rate",
]
