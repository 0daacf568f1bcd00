"""Expectations: compare the world with what a scenario says, one :class:`Mismatch` (wanted vs got) per difference."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from simulator.clock import parse_instant
from simulator.engine import Order, late_dispatch_rate

if TYPE_CHECKING:
    from simulator.scenarios.context import Context

MISSING = "<missing>"


@dataclass(frozen=True)
class Mismatch:
    """One difference: what the scenario wanted at ``label`` and what the world showed."""

    label: str
    wanted: Any
    got: Any

    def __str__(self) -> str:
        return f"{self.label}: wanted {self.wanted!r}, got {self.got!r}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for reports."""
        return {"label": self.label, "wanted": self.wanted, "got": self.got}


def instant_text(value: datetime | None) -> str | None:
    """An instant the way scenarios write it (``2026-11-02T10:00:00Z``)."""
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _norm(value: Any) -> Any:
    # Enums compare by value; lists element-wise, so YAML strings match StrEnum members.
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    if isinstance(value, datetime):
        return instant_text(value)
    return getattr(value, "value", value)


def dig(view: Any, path: str) -> Any:
    """``a.b.0.c`` into nested dicts and lists (``MISSING`` when absent)."""
    current = view
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return MISSING
    return current


class _Checker:
    def __init__(self, ctx: Context, order: Order | None) -> None:
        self.ctx, self.world, self.order = ctx, ctx.world, order
        self.found: list[Mismatch] = []

    def compare(self, label: str, wanted: Any, actual: Any) -> None:
        got = _norm(actual)
        if isinstance(wanted, float) and isinstance(got, int | float):
            if abs(wanted - got) > 1e-6:
                self.found.append(Mismatch(label, wanted, got))
        elif _norm(wanted) != got:
            self.found.append(Mismatch(label, wanted, got))

    def paths(self, prefix: str, view: Any, expected: dict[str, Any]) -> None:
        for path, value in expected.items():
            found = dig(view, path)
            if value in ("present", "absent"):  # the path exists (any value) / does not
                self.compare(f"{prefix}.{path}", value, "absent" if found is MISSING else "present")
            else:
                self.compare(f"{prefix}.{path}", value, found)

    @property
    def need(self) -> Order:
        assert self.order is not None  # the loader's checks guarantee an order for order-bound expectations
        return self.order


_FIELDS = ("status", "cancellation_initiator", "cancel_reason", "cancel_after_shipped", "dispatch_missed", "campaign",
           "tracking_number", "shipping_provider")


def _fields(c: _Checker, spec: dict[str, Any]) -> None:
    if not any(f in spec for f in _FIELDS):
        return
    for field in ("status", "cancellation_initiator", "cancel_reason", "cancel_after_shipped", "dispatch_missed",
                  "campaign"):
        if field in spec:
            c.compare(field, spec[field], getattr(c.need, field))
    packages = [c.world.engine.packages[p] for p in c.need.package_ids]
    for field, attr in (("tracking_number", "tracking_number"), ("shipping_provider", "shipping_provider_name")):
        if field in spec:
            values = [getattr(p, attr) for p in packages]
            c.compare(field, spec[field], values[0] if len(values) == 1 else values)


def _notifications(c: _Checker, wanted: list[Any]) -> None:
    notes = c.world.engine.notifications_for(c.need.id)
    if all(isinstance(w, str) for w in wanted):
        c.compare("notifications", wanted, [n.kind for n in notes])
        return
    if len(wanted) != len(notes):
        c.compare("notifications", [w if isinstance(w, str) else w["kind"] for w in wanted], [n.kind for n in notes])
        return
    for index, (want, note) in enumerate(zip(wanted, notes, strict=True)):
        want = {"kind": want} if isinstance(want, str) else want
        c.compare(f"notifications.{index}.kind", want["kind"], note.kind)
        if "at" in want:
            c.compare(f"notifications.{index}.at", instant_text(parse_instant(want["at"])), note.at)
        if "tracking_number" in want:
            c.compare(f"notifications.{index}.tracking_number", want["tracking_number"],
                      note.details.get("tracking_number", MISSING))


def _latest(c: _Checker, name: str, records: list[Any], spec: dict[str, Any],
            read: Callable[[Any, str, Any], Any]) -> None:
    """``count`` over ``records``; every other key compared with the latest record (``read`` gives its value)."""
    wanted = dict(spec)
    if "count" in wanted:
        c.compare(f"{name}.count", wanted.pop("count"), len(records))
    if wanted and not records:
        c.found.append(Mismatch(name, wanted, f"none (the order has no {name})"))
        return
    for key, value in wanted.items():
        c.compare(f"{name}.{key}", value, read(records[-1], key, value))


def _cancellation(c: _Checker, spec: dict[str, Any]) -> None:
    records = [c.world.engine.cancellations[i] for i in c.need.cancellation_ids]
    _latest(c, "cancellation", records, spec, lambda latest, key, _value: getattr(latest, key))


def _return_field(latest: Any, key: str, value: Any) -> Any:
    actual: Any = len(latest.line_item_ids) if key == "units" else getattr(latest, key)
    if key in ("refund_amount", "refund_total") and actual is not None:
        actual = f"{actual.quantize(Decimal('0.01'))}"
    if key == "return_tracking_number" and value in ("present", "absent"):
        actual = "absent" if actual is None else "present"
    return actual


def _return(c: _Checker, spec: dict[str, Any]) -> None:
    records = [c.world.engine.returns[i] for i in c.need.return_ids]
    _latest(c, "return", records, spec, _return_field)


def _deadlines(c: _Checker, spec: dict[str, Any]) -> None:
    order = c.need
    cancellations = [c.world.engine.cancellations[i] for i in order.cancellation_ids]
    latest = c.world.engine.returns[order.return_ids[-1]] if order.return_ids else None
    actual = {"hold_until": order.hold_until, "rts_sla_time": order.rts_sla_time,
              "cancel_order_sla_time": order.cancel_order_sla_time,
              "respond_by": cancellations[-1].respond_deadline if cancellations else None,
              "estimated_delivery_time": order.estimated_delivery_time,
              "return_respond_by": latest.respond_deadline if latest else None,
              "return_ship_by": latest.ship_deadline if latest else None}
    for key, value in spec.items():
        c.compare(f"deadlines.{key}", instant_text(parse_instant(value)) if value is not None else None, actual[key])


def _ldr(c: _Checker, spec: dict[str, Any]) -> None:
    wanted = dict(spec)
    start = parse_instant(wanted.pop("start")) if "start" in wanted else c.world.start
    # Default end: just after now, so what happened at this instant counts ([start, now]).
    end = parse_instant(wanted.pop("end")) if "end" in wanted else c.world.clock.now() + timedelta(microseconds=1)
    orders = list(c.world.engine.orders.values())
    label = "ldr"
    if "shop" in wanted or "profile" in wanted:
        shop = str(wanted.pop("shop", None) or c.ctx.shop_for({"profile": wanted.pop("profile")}))
        wanted.pop("profile", None)
        orders, label = [o for o in orders if o.shop_id == shop], f"ldr[{shop}]"
    target = c.world.rules["direct"].ldr_target
    report = late_dispatch_rate(orders, start, end, target, c.world.engine.partly_shipped).as_dict()
    for key, value in wanted.items():
        c.compare(f"{label}.{key}", value, report[key])


def _stock(c: _Checker, spec: dict[str, Any], sku_of: Callable[[Order, Any], str]) -> None:
    wanted = dict(spec)
    sku = c.world.inventory.get(sku_of(c.need, wanted.pop("sku", None)))
    for key, value in wanted.items():
        c.compare(f"stock[{sku.sku_id}].{key}", value, getattr(sku, key))


def _systems(c: _Checker, spec: dict[str, Any]) -> None:
    for name, expected in spec.items():
        system = c.world.systems.get(name)
        if system is None:
            c.found.append(Mismatch(f"systems.{name}", expected, "not installed in this world"))
            continue
        view = system.project_order(c.need.id)
        if expected == "absent":
            if view is not None:
                c.found.append(Mismatch(f"systems.{name}", "absent", "present"))
        elif view is None:
            c.found.append(Mismatch(f"systems.{name}", expected, "absent"))
        elif isinstance(expected, dict):
            c.paths(f"systems.{name}", view, expected)


def _webhooks(c: _Checker, wanted: list[dict[str, Any]]) -> None:
    received = c.ctx.oms.notifications(c.order.id if c.order else None) if c.ctx.oms else []
    if len(received) != len(wanted):
        c.compare("webhooks", [_hook_summary(w) for w in wanted], [_hook_summary(r) for r in received])
        return
    for index, (want, got) in enumerate(zip(wanted, received, strict=True)):
        for key, value in want.items():
            if key == "at":
                value = instant_text(parse_instant(value))
            elif key == "times":
                value = [instant_text(parse_instant(v)) for v in value]
            c.compare(f"webhooks.{index}.{key}", value, got[key])


def _hook_summary(hook: dict[str, Any]) -> str:
    parts = [f"type {hook.get('type', '?')}"] + [str(hook[k]) for k in ("order_status", "cancel_status",
                                                                        "return_status") if hook.get(k)]
    return " ".join(parts)


def _feed(c: _Checker, spec: dict[str, Any]) -> None:
    order = c.need
    files = [e.data["file"] for e in c.world.journal.entries(kind="sfcc.feed.written") if order.id in e.data["order_ids"]]
    if "files" in spec:
        c.compare("feed.files", spec["files"], len(files))
    if "last" in spec:
        if not files:
            c.found.append(Mismatch("feed.last", spec["last"], "no feed file carried the order"))
            return
        from simulator.sfcc.feed import parse_orders_xml

        sfcc = c.world.systems["sfcc"]
        path = sfcc.impex_path(files[-1])
        doc = sfcc.project_order(order.id) or {}
        entries = [asdict(o) for o in parse_orders_xml(path.read_bytes()) if o.order_no == doc.get("order_no")]
        c.paths("feed.last", entries[0] if entries else {}, spec["last"])


def _response(c: _Checker, spec: dict[str, Any]) -> None:
    call = c.ctx.last_response
    if call is None:
        c.found.append(Mismatch("response", spec, "no API call made yet"))
        return
    for key in ("via", "status", "code"):
        if key in spec:
            c.compare(f"response.{key}", spec[key], getattr(call, key))
    c.paths("response.body", call.body, spec.get("body") or {})
    for path in spec.get("absent") or []:
        value = dig(call.body, path)
        if value is not MISSING:
            c.found.append(Mismatch(f"response.body.{path}", "absent", json.loads(json.dumps(value, default=str))))


def check(ctx: Context, order: Order | None, spec: dict[str, Any]) -> list[Mismatch]:
    """Every mismatch between ``spec`` (an ``expect`` step) and the world; empty when everything holds."""
    c = _Checker(ctx, order)
    _fields(c, spec)
    sections: dict[str, Callable[[_Checker, Any], None]] = {
        "notifications": _notifications, "cancellation": _cancellation, "return": _return, "deadlines": _deadlines,
        "ldr": _ldr,
        "systems": _systems, "webhooks": _webhooks, "feed": _feed, "response": _response,
        "stock": lambda chk, s: _stock(chk, s, ctx.sku_of),
    }
    for key, run in sections.items():
        if key in spec:
            run(c, spec[key])
    for kind, count in (spec.get("journal") or {}).items():
        # The order's entries, and world-level ones (jobs, files) that name no order.
        entries = c.world.journal.entries(kind=kind)
        if order is not None:
            entries = [e for e in entries if e.data.get("order_id") in (order.id, None)]
        c.compare(f"journal[{kind}]", count, len(entries))
    return c.found
