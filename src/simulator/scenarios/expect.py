"""Expectations: compare one order's state across the engine and every system, with a reason per mismatch."""

from __future__ import annotations

from typing import Any

from simulator.engine import Order
from simulator.world import World


def check(world: World, order: Order, spec: dict[str, Any], sku_of: Any) -> list[str]:
    """Every mismatch between ``spec`` and the world, as human-readable reasons (empty: all good)."""
    problems: list[str] = []
    engine = world.engine

    def compare(label: str, wanted: Any, actual: Any) -> None:
        if _norm(wanted) != _norm(actual):
            problems.append(f"{label}: wanted {wanted!r}, got {_norm(actual)!r}")

    for field in ("status", "cancellation_initiator", "cancel_reason", "cancel_after_shipped", "dispatch_missed"):
        if field in spec:
            compare(field, spec[field], getattr(order, field))
    for field, attr in (("tracking_number", "tracking_number"), ("shipping_provider", "shipping_provider_name")):
        if field in spec:
            values = [getattr(engine.packages[p], attr) for p in order.package_ids]
            compare(field, spec[field], values[0] if len(values) == 1 else values)
    if "notifications" in spec:
        compare("notifications", spec["notifications"], [n.kind for n in engine.notifications_for(order.id)])
    if "cancellation" in spec:
        cancellations = [engine.cancellations[c] for c in order.cancellation_ids]
        wanted = dict(spec["cancellation"])
        if "count" in wanted:
            compare("cancellation.count", wanted.pop("count"), len(cancellations))
        if wanted and not cancellations:
            problems.append("cancellation: wanted one, the order has none")
        elif wanted:
            latest = cancellations[-1]
            for key, value in wanted.items():
                compare(f"cancellation.{key}", value, getattr(latest, key))
    if "stock" in spec:
        wanted = dict(spec["stock"])
        sku = world.inventory.get(sku_of(order, wanted.pop("sku", None)))
        for key, value in wanted.items():
            compare(f"stock[{sku.sku_id}].{key}", value, getattr(sku, key))
    for name, expected in (spec.get("systems") or {}).items():
        system = world.systems.get(name)
        if system is None:
            problems.append(f"systems.{name}: not installed in this world")
            continue
        view = system.project_order(order.id)
        if expected == "absent":
            if view is not None:
                problems.append(f"systems.{name}: wanted absent, the order is there")
        elif view is None:
            problems.append(f"systems.{name}: wanted {expected!r}, the order is absent")
        elif isinstance(expected, dict):
            for path, value in expected.items():
                compare(f"systems.{name}.{path}", value, _dig(view, path))
    for kind, count in (spec.get("journal") or {}).items():
        compare(f"journal[{kind}]", count, len(world.journal.entries(kind=kind, order_id=order.id)))
    return problems


_MISSING = "<missing>"


def _dig(view: Any, path: str) -> Any:
    """``a.b.0.c`` into nested dicts and lists."""
    current = view
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _norm(value: Any) -> Any:
    # Enums compare by value; lists element-wise, so YAML strings match StrEnum members.
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return getattr(value, "value", value)
