"""ControlAPI: the control-plane operations on one World (clock, buyer, platform, carrier, inspection)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.clock import ClockError, parse_instant
from simulator.engine import EngineError, late_dispatch_rate
from simulator.journal import to_plain
from simulator.rules import ProfileError, parse_duration

if TYPE_CHECKING:
    from simulator.world import World


class ControlError(Exception):
    """A refused control-plane call: ``slug`` (stable, e.g. the engine reason) and an HTTP status."""

    def __init__(self, slug: str, message: str, status: int = 400, rule: str | None = None) -> None:
        super().__init__(message)
        self.slug = slug
        self.message = message
        self.status = status
        self.rule = rule

    def as_dict(self) -> dict[str, Any]:
        """``{"error": slug, "message": ..., "rule"?: id}``."""
        body: dict[str, Any] = {"error": self.slug, "message": self.message}
        if self.rule:
            body["rule"] = self.rule
        return body


ADVANCE_FIELDS = ("seconds", "duration", "to")


MAX_ADVANCE_SECONDS = 100 * 366 * 86400  # a century: far enough for any scenario, far from datetime's end


def advance_delta(seconds: Any, duration: Any, to: Any) -> timedelta | None:
    """The step of an advance (None for ``to``), refusing every malformed argument with a precise message."""
    given = [name for name, value in zip(ADVANCE_FIELDS, (seconds, duration, to), strict=True) if value is not None]
    if len(given) != 1:
        which = f"got {' and '.join(map(repr, given))}" if given else "got none"
        raise ControlError("invalid_request", f"give exactly one of 'seconds', 'duration' or 'to' ({which})")
    if to is not None:
        if not isinstance(to, str | datetime):
            raise ControlError("invalid_request", f"'to' must be an ISO-8601 instant string, not {to!r}")
        return None
    if seconds is not None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            hint = f" (for a duration send {{\"duration\": {json.dumps(seconds, default=str)}}})" if isinstance(seconds, str) else ""
            raise ControlError("invalid_request", f"'seconds' must be a number, not {json.dumps(seconds, default=str)}{hint}")
        if not math.isfinite(seconds) or abs(seconds) > MAX_ADVANCE_SECONDS:
            raise ControlError("invalid_request", f"'seconds' must be a finite number of at most {MAX_ADVANCE_SECONDS}")
        delta = timedelta(seconds=seconds)
    else:
        try:
            delta = parse_duration(duration)
        except ProfileError as exc:
            raise ControlError("invalid_request", f"'duration': {exc}") from exc
    if delta < timedelta(0):
        raise ControlError("invalid_request", f"cannot move the clock backwards (advance by {seconds or duration})")
    if delta > timedelta(seconds=MAX_ADVANCE_SECONDS):
        raise ControlError("invalid_request", "an advance is at most a century")
    return delta


class ControlAPI:
    """Everything ``/_sim/`` does, callable from Python (``world.control``); each call takes the world lock.

    Webhooks produced by a call are delivered after the lock is released (in-process sync mode).
    """

    def __init__(self, world: World) -> None:
        self.world = world

    @contextmanager
    def _op(self) -> Iterator[None]:
        try:
            with self.world.lock:
                yield
        except EngineError as exc:
            status = 404 if exc.reason.endswith("_not_found") else 409
            raise ControlError(exc.reason, exc.message, status, exc.rule) from exc
        except (ProfileError, ClockError, KeyError, ValueError) as exc:
            message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)  # KeyError quotes
            raise ControlError("invalid_request", message, 400) from exc
        finally:
            self.flush()

    def flush(self) -> None:
        """Deliver queued webhooks now (sync mode; no-op in thread mode or inside the lock)."""
        tiktok = self.world.systems.get("tiktok")
        if tiktok is not None:
            tiktok.webhooks.drain()

    @property
    def _tiktok(self) -> Any:
        try:
            return self.world.systems["tiktok"]
        except KeyError:
            raise ControlError("not_installed", "the TikTok Shop system is not installed in this world", 409) from None

    # -- clock -----------------------------------------------------------------------------------
    def clock(self) -> dict[str, Any]:
        """Current virtual time and pending timers."""
        with self.world.lock:
            clock = self.world.clock
            next_due = clock.next_due()
            return {"now": clock.now().isoformat(), "timestamp": clock.timestamp(),
                    "pending_timers": clock.pending_count(), "next_due": next_due.isoformat() if next_due else None}

    def advance_request(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /_sim/clock/advance``: ``{"seconds": n}``, ``{"duration": "1h 30m"}`` or ``{"to": iso8601}``."""
        unknown = sorted(set(body) - set(ADVANCE_FIELDS))
        if unknown:
            raise ControlError("invalid_request", f"unknown field(s) {', '.join(map(repr, unknown))} "
                                                  f"(give one of {', '.join(ADVANCE_FIELDS)})")
        return self.advance(**{k: v for k, v in body.items() if v is not None})

    def advance(self, *, seconds: float | None = None, to: str | datetime | None = None,
                duration: str | float | None = None) -> dict[str, Any]:
        """Move time by ``seconds``, by ``duration`` (``"1h 30m"``) or to ``to``; lists the timers that fired."""
        delta = advance_delta(seconds, duration, to)
        with self._op():
            if isinstance(to, str):
                to = parse_instant(to)
            target = to if to is not None else self.world.clock.now() + (delta or timedelta(0))
        # World.advance_to stops at each instant that queued webhooks and sends them outside the
        # lock, so a webhook (and its retry timer) happens at its own virtual instant (NOTE-2).
        try:
            fired = self.world.advance_to(target)
        except ClockError as exc:
            raise ControlError("invalid_request", str(exc), 400) from exc
        except EngineError as exc:
            raise ControlError(exc.reason, exc.message, 409, exc.rule) from exc
        return {**self.clock(), "fired": [{"at": f.at.isoformat(), "kind": f.kind, "key": f.key} for f in fired]}

    # -- buyer, platform, carrier ----------------------------------------------------------------
    def place_order(
        self, *, shop_id: str | None = None, items: Sequence[dict[str, Any]] | None = None, paid: bool = True,
        profile: str | None = None, split_packages: bool = False, warehouse_id: str | None = None,
        delivery_option_id: str | None = None, shipping_type: str = "SELLER", handling_days: int | None = None,
        shipping_days: int | None = None,
    ) -> dict[str, Any]:
        """A buyer places (and pays) an order; returns the TikTok order (unmasked).

        ``warehouse_id`` / ``delivery_option_id`` pick the shop's warehouse and one of its delivery options
        (defaults: the default warehouse, its first option); ``shipping_type`` TIKTOK: TikTok ships it (PKG-4);
        ``handling_days`` / ``shipping_days``: the seller's EDT settings (SLA-4).
        """
        pairs = [(str(i["sku_id"]), int(i.get("quantity", 1))) for i in items] if items else None
        with self._op():
            order = self._tiktok.place_order(shop_id, pairs, paid=paid, profile=profile,
                                             split_packages=split_packages, warehouse_id=warehouse_id,
                                             delivery_option_id=delivery_option_id, shipping_type=shipping_type,
                                             handling_days=handling_days, shipping_days=shipping_days)
            view: dict[str, Any] = self._tiktok.project_order(order.id)
        return view

    def pay(self, order_id: str) -> dict[str, Any]:
        """The buyer pays an UNPAID order."""
        with self._op():
            self.world.engine.pay(order_id)
            view: dict[str, Any] = self._tiktok.project_order(order_id)
        return view

    def buyer_cancel(self, order_id: str, reason: str | None = None, *, line_item_ids: Sequence[str] | None = None,
                     skus: Sequence[tuple[str, int]] | None = None) -> dict[str, Any]:
        """Buyer cancels: at once inside the hold (HOLD-3), a pending request after it (CAN-B4); never single units
        (CAN-L2: naming only some units is refused)."""
        with self._op():
            lines = self._units(order_id, line_item_ids, skus)
            return self._cancellation(self.world.engine.buyer_cancel(order_id, reason, lines))

    def platform_cancel(self, order_id: str, reason: str = "fraud", *, line_item_ids: Sequence[str] | None = None,
                        skus: Sequence[tuple[str, int]] | None = None) -> dict[str, Any]:
        """TikTok cancels the order (fraud, shipping_timeout, platform, package_lost), or only some units (CAN-L2)."""
        with self._op():
            lines = self._units(order_id, line_item_ids, skus)
            return self._cancellation(self.world.engine.platform_cancel(order_id, reason, line_item_ids=lines))

    def _units(self, order_id: str, line_item_ids: Sequence[str] | None,
               skus: Sequence[tuple[str, int]] | None) -> list[str] | None:
        if line_item_ids is not None and skus is not None:
            raise ControlError("invalid_request", "give line_item_ids or skus, not both")
        return self.world.engine.units_for_skus(order_id, skus) if skus is not None else (
            list(line_item_ids) if line_item_ids is not None else None)

    def carrier(self, package_id: str, event: str) -> dict[str, Any]:
        """Carrier ``collected`` or ``delivered`` scan of a package (LIFE-1)."""
        actions = {"collected": self.world.engine.carrier_collected, "delivered": self.world.engine.carrier_delivered}
        if event not in actions:
            raise ControlError("invalid_request", f"unknown carrier event {event!r} (collected, delivered)", 404)
        with self._op():
            package = actions[event](package_id)
            return {"package_id": package.id, "package_status": package.status.value,
                    "order_id": package.order_id, "order_status": self.world.engine.orders[package.order_id].status}

    def buyer_return(self, order_id: str, return_type: str, *, reason: str | None = None,
                     skus: Sequence[tuple[str, int]] | None = None, line_item_ids: Sequence[str] | None = None,
                     shipment_type: str = "PLATFORM") -> dict[str, Any]:
        """After delivery the buyer asks for a return and refund or a refund only (RET-1); returns the TikTok return."""
        kind = {"REFUND_ONLY": "REFUND"}.get(return_type, return_type)
        with self._op():
            ret = self.world.engine.request_return(order_id, kind, reason=reason, skus=skus,
                                                   line_item_ids=line_item_ids, shipment_type=shipment_type)
            return self._return(ret.id)

    def buyer_return_step(self, return_id: str, step: str, **args: Any) -> dict[str, Any]:
        """The buyer ships the return (``ship``), withdraws it (``cancel``) or answers a partial refund (``offer``)."""
        engine = self.world.engine
        with self._op():
            if step == "ship":
                engine.ship_return(return_id, args.get("tracking_number"), args.get("provider"))
            elif step == "cancel":
                engine.cancel_return(return_id)
            else:
                engine.answer_offer(return_id, bool(args.get("accept")))
            return self._return(return_id)

    def return_delivered(self, return_id: str) -> dict[str, Any]:
        """The carrier delivers the return package to the seller (RET-3)."""
        with self._op():
            self.world.engine.return_delivered(return_id)
            return self._return(return_id)

    def _return(self, return_id: str) -> dict[str, Any]:
        ret = self.world.engine.returns[return_id]
        view: dict[str, Any] = self._tiktok.serializer.return_order(ret, self.world.engine.orders[ret.order_id],
                                                                    self.world.engine.next_action(ret))
        view["order_status"] = self.world.engine.orders[ret.order_id].status.value
        return view

    def _cancellation(self, cancellation: Any) -> dict[str, Any]:
        order = self.world.engine.orders[cancellation.order_id]
        return {"cancel_id": cancellation.id, "order_id": order.id, "cancel_type": cancellation.cancel_type.value,
                "cancel_status": cancellation.status.value, "role": cancellation.role.value,
                "reason": cancellation.reason, "order_status": order.status.value}

    # -- inspection ------------------------------------------------------------------------------
    def order(self, order_id: str) -> dict[str, Any]:
        """One order across every system, with deadlines, notifications and its journal timeline."""
        with self.world.lock:
            order = self.world.engine.orders.get(order_id)
            if order is None:
                raise ControlError("order_not_found", f"order {order_id} does not exist", 404)
            systems = {name: system.project_order(order_id) for name, system in self.world.systems.items()}
            latest = self.world.engine.returns[order.return_ids[-1]] if order.return_ids else None
            deadlines = {k: v.isoformat() if v else None for k, v in (
                ("hold_until", order.hold_until), ("rts_sla_time", order.rts_sla_time),
                ("cancel_order_sla_time", order.cancel_order_sla_time),
                ("return_respond_by", latest.respond_deadline if latest else None),
                ("return_ship_by", latest.ship_deadline if latest else None))}
            timers = {k: {"kind": t.kind, "due": t.due.isoformat()} for k, t in order.timers.items() if not t.cancelled}
            pending: dict[str, list[dict[str, Any]]] = {}
            for name, system in self.world.systems.items():
                work = getattr(system, "pending_work", None)
                if work is not None and work(order_id):
                    pending[name] = work(order_id)
            view: dict[str, Any] = to_plain({
                "order_id": order_id, "status": order.status.value, "systems": systems, "deadlines": deadlines,
                "timers": timers, "pending": pending, "dispatch_missed": order.dispatch_missed,
                "notifications": [{"kind": n.kind, "at": n.at, "details": n.details}
                                  for n in self.world.engine.notifications_for(order_id)],
                "timeline": [e.as_dict() for e in self.world.journal.entries(order_id=order_id)],
            })
            return view

    def invariants(self) -> dict[str, Any]:
        """Every cross-system invariant checked now (docs/invariants.md): ``{"ok", "violations", ...}``."""
        from simulator.invariants import check, summary

        with self.world.lock:
            return summary(check(self.world), self.world.clock.now())

    def journal(self, *, since: int | None = None, kind: str | None = None) -> dict[str, Any]:
        """Journal entries after sequence ``since`` whose kind starts with ``kind``."""
        with self.world.lock:
            entries = [e.as_dict() for e in self.world.journal.entries(since=since, kind=kind)]
            return {"entries": entries, "last_seq": len(self.world.journal)}

    def credentials(self) -> dict[str, Any]:
        """Every system's seeded credentials, keyed by system name."""
        with self.world.lock:
            return {name: system.credentials() for name, system in self.world.systems.items()}

    def ldr(self, start: str | datetime, end: str | datetime) -> dict[str, Any]:
        """SLA-2 Late Dispatch Rate over ``[start, end)``, overall and per shop."""
        with self._op():
            start_at = parse_instant(start) if isinstance(start, str) else start
            end_at = parse_instant(end) if isinstance(end, str) else end
            orders = list(self.world.engine.orders.values())
            target = self.world.rules["direct"].ldr_target
            shops = sorted({o.shop_id for o in orders})
            partly = self.world.engine.partly_shipped
            return {**late_dispatch_rate(orders, start_at, end_at, target, partly).as_dict(),
                    "shops": {s: late_dispatch_rate([o for o in orders if o.shop_id == s], start_at, end_at,
                                                    target, partly).as_dict() for s in shops}}

    def seed(self) -> dict[str, Any]:
        """(Re)load every system's mocks data into this world (new records added, stock topped up)."""
        with self._op():
            for system in self.world.systems.values():
                reload = getattr(system, "reload_mocks", None)
                if reload is not None:
                    reload()
            return {"skus": len(self.world.inventory.skus), "systems": sorted(self.world.systems)}
