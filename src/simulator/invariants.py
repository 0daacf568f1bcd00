"""One order, one truth: the cross-system invariants of a world, checked on demand (no Flask).

:func:`check` walks every order of a world and returns each :class:`Violation` with the order, the
systems involved, the rule ID and the values seen. It is the single statement of "the systems
agree": scenario steps, ``GET /_sim/invariants``, ``world.control.invariants()`` and the stateful
property test all call it. A new machine or projection extends it here, nowhere else.

When do two systems "agree"? Each pair has its documented lag (docs/invariants.md):

- TikTok Shop is the engine's own rendering: it agrees at every instant.
- SFCC learns TikTok's changes at once (the connector's GetOrder + PATCH runs in the same
  operation); a change is allowed to lag only while the connector has a retry scheduled for that
  order. TikTok learns SFCC's changes through the order feed: an SFCC order whose export status is
  READY may be ahead of TikTok until the next export run.
- ChannelAdvisor agrees with the engine *as of the last sync tick*: its orders show the engine
  state the tick saw, except where the OMS acted in ChannelAdvisor after the tick (an unrelayed
  shipment or answer, which the next tick carries to TikTok).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from simulator.channeladvisor.status_map import request_status_for, return_request_status, to_ca
from simulator.engine import transitions as T
from simulator.engine.models import Order
from simulator.engine.states import RETURN_OPEN, CancelStatus, OrderStatus, PackageStatus, ReturnStatus
from simulator.engine.table import TransitionTable
from simulator.journal import to_plain

if TYPE_CHECKING:
    from simulator.world import World

SHIPPED = frozenset({OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED,
                     OrderStatus.COMPLETED})
PACKAGE_LEFT = frozenset({PackageStatus.PROCESSING, PackageStatus.FULFILLING, PackageStatus.COMPLETED})
# The statuses a cancellation may be created in: a buyer request, or a direct cancel done at once.
CANCELLATION_CREATED = frozenset({CancelStatus.PENDING, CancelStatus.SUCCESS})
REFUNDED_CANCELLATION = frozenset({CancelStatus.SUCCESS, CancelStatus.COMPLETE})


@dataclass(frozen=True)
class Violation:
    """One broken invariant: which rule, which order, which systems disagree, and what each said."""

    rule: str
    order_id: str | None
    systems: tuple[str, ...]
    message: str
    values: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"rule": self.rule, "order_id": self.order_id, "systems": list(self.systems),
                "message": self.message, "values": to_plain(self.values)}

    def __str__(self) -> str:
        where = f"order {self.order_id}: " if self.order_id else ""
        return f"{self.rule} [{'/'.join(self.systems)}] {where}{self.message} {to_plain(self.values)}"


Check = Callable[["World"], Iterator[Violation]]


def check(world: World) -> list[Violation]:
    """Every violation in ``world`` now, in a stable order (call under the world lock)."""
    found: list[Violation] = []
    for run in CHECKS:
        found.extend(run(world))
    return found


# -- the engine's own state -----------------------------------------------------------------------
def engine_state(world: World) -> Iterator[Violation]:
    """Exactly one state per entity; references intact; order status implied by its packages (LIFE-1)."""
    engine = world.engine
    for order in engine.orders.values():
        if order.status not in OrderStatus.__members__.values():
            yield Violation("LIFE-1", order.id, ("engine",), "order status is not one state", {"status": order.status})
            continue
        packages = [engine.packages.get(p) for p in order.package_ids]
        if any(p is None or order.id not in p.order_ids for p in packages):
            yield Violation("LIFE-1", order.id, ("engine",), "order names a package that is not its own",
                            {"package_ids": order.package_ids})
            continue
        statuses = [p.status for p in packages if p is not None]
        if not all(s in PackageStatus.__members__.values() for s in statuses):
            yield Violation("LIFE-1", order.id, ("engine",), "package status is not one state", {"packages": statuses})
            continue
        expected = _order_status_allows(order.status, statuses)
        if not expected:
            yield Violation("LIFE-1", order.id, ("engine",), "order status contradicts its packages",
                            {"status": order.status, "packages": statuses})
        yield from _package_lines(world, order)
        yield from _cancellation_state(world, order)
        yield from _return_state(world, order)


def _order_status_allows(status: OrderStatus, packages: list[PackageStatus]) -> bool:
    """LIFE-1: which package states each order status implies (a package cancelled out of an open order, its
    units cancelled or moved by CAN-L1/PKG-1, says nothing; an open order keeps at least one live package)."""
    if status != OrderStatus.CANCELLED:
        packages = [p for p in packages if p != PackageStatus.CANCELLED]
        if not packages:
            return False
    left = [p in PACKAGE_LEFT for p in packages]
    if status in (OrderStatus.UNPAID, OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT):
        return all(p == PackageStatus.TO_FULFILL for p in packages)
    if status == OrderStatus.PARTIALLY_SHIPPING:
        return any(left) and not all(left)
    if status == OrderStatus.AWAITING_COLLECTION:
        return all(left) and any(p == PackageStatus.PROCESSING for p in packages)
    if status == OrderStatus.IN_TRANSIT:
        return all(p in (PackageStatus.FULFILLING, PackageStatus.COMPLETED) for p in packages) and not all(
            p == PackageStatus.COMPLETED for p in packages)
    if status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return all(p == PackageStatus.COMPLETED for p in packages)
    return all(p in (PackageStatus.CANCELLED, PackageStatus.COMPLETED) for p in packages)  # CANCELLED


def _cancellation_state(world: World, order: Order) -> Iterator[Violation]:
    engine = world.engine
    records = [engine.cancellations.get(c) for c in order.cancellation_ids]
    if any(c is None or c.order_id != order.id for c in records):
        yield Violation("CAN-X1", order.id, ("engine",), "order names a cancellation that is not its own",
                        {"cancellation_ids": order.cancellation_ids})
        return
    pending = [c.id for c in records if c is not None and c.status == CancelStatus.PENDING]
    if len(pending) > 1 or (pending and order.pending_cancel_id != pending[0]) or (
            not pending and order.pending_cancel_id is not None):
        yield Violation("CAN-X1", order.id, ("engine",), "pending cancellation requests disagree with the order",
                        {"pending": pending, "pending_cancel_id": order.pending_cancel_id})
    succeeded = [c for c in records if c is not None and c.status in (CancelStatus.SUCCESS, CancelStatus.COMPLETE)]
    # CAN-L1: every cancelled unit is in exactly one successful cancellation; the order is CANCELLED once all are.
    covered = Counter(line for c in succeeded for line in c.line_item_ids)
    cancelled = {li.id for li in order.line_items if li.status == OrderStatus.CANCELLED}
    every = cancelled == {li.id for li in order.line_items}
    if any(n > 1 for n in covered.values()) or set(covered) != cancelled or (
            order.status == OrderStatus.CANCELLED) != every:
        yield Violation("CAN-L1", order.id, ("engine",),
                        "each cancelled unit has exactly one successful cancellation, all of them a cancelled order",
                        {"status": order.status, "successful": [c.id for c in succeeded],
                         "cancelled_units": sorted(cancelled)})
    prices = {li.id: li.sale_price for li in order.line_items}
    paid = order.paid_time is not None
    shipping_refunds = 0
    for c in succeeded:
        extra = c.refund_total - sum((prices.get(li, Decimal(0)) for li in c.line_item_ids), Decimal(0))
        shipping_refunds += bool(paid and extra and extra == order.shipping_fee)
        if (paid and extra not in (Decimal(0), order.shipping_fee)) or (not paid and c.refund_total):
            yield Violation("CAN-L1", order.id, ("engine",),
                            f"cancellation {c.id} refunds other than its units (and the shipping fee)",
                            {"refund_total": c.refund_total, "units": c.line_item_ids})
    if shipping_refunds > 1 or (shipping_refunds and order.status != OrderStatus.CANCELLED):
        yield Violation("CAN-L1", order.id, ("engine",), "the shipping fee is refunded only with the last units",
                        {"status": order.status, "shipping_refunds": shipping_refunds})


def _package_lines(world: World, order: Order) -> Iterator[Violation]:
    """PKG-1/CAN-L1: each open unit is in exactly the package it names; a live package holds only open units."""
    engine = world.engine
    held: Counter[str] = Counter()
    lines = {li.id for li in order.line_items}
    for package_id in order.package_ids:
        package = engine.packages[package_id]
        mine = [i for i in package.line_item_ids if i in lines]  # a combined package holds other orders' too
        held.update(mine)
        # A cancelled order's packages keep their units as history (shipped ones stay shipped, CAN-P1).
        if order.status != OrderStatus.CANCELLED and package.status != PackageStatus.CANCELLED and (
                not mine or any(li.status == OrderStatus.CANCELLED for li in order.line_items if li.id in mine)):
            yield Violation("PKG-1", order.id, ("engine",), f"live package {package_id} is empty or holds cancelled units",
                            {"line_item_ids": mine})
        owned = {li.id for o in package.order_ids if o in engine.orders for li in engine.orders[o].line_items}
        if set(package.line_item_ids) - owned:
            yield Violation("PKG-1", order.id, ("engine",), "a package holds units of an order it does not name",
                            {"package_id": package_id, "units": sorted(set(package.line_item_ids) - owned)})
    for li in order.line_items:
        inside = li.id in engine.packages[li.package_id].line_item_ids
        if held[li.id] > 1 or (li.status != OrderStatus.CANCELLED and not inside):
            yield Violation("PKG-1", order.id, ("engine",), f"unit {li.id} is not in exactly its own package",
                            {"package_id": li.package_id, "packages_holding": held[li.id]})


def packages(world: World) -> Iterator[Violation]:
    """PKG-2: each open unit is in exactly one live package; a combined package's orders share shop, buyer and
    address (one combine key) and each names the package."""
    engine = world.engine
    holding: Counter[str] = Counter()
    for package in engine.packages.values():
        if package.status != PackageStatus.CANCELLED:
            holding.update(package.line_item_ids)
        if len(package.order_ids) < 2 or package.status == PackageStatus.CANCELLED:
            continue
        orders = [engine.orders[o] for o in package.order_ids]
        if len({engine.combine_key(o) for o in orders}) > 1 or package.order_id != package.order_ids[0]:
            yield Violation("PKG-2", package.order_id, ("engine",), f"combined package {package.id} mixes buyers, "
                            "shops or addresses", {"order_ids": package.order_ids})
        if any(package.id not in o.package_ids for o in orders):
            yield Violation("PKG-2", package.order_id, ("engine",), f"an order of combined package {package.id} does "
                            "not name it", {"order_ids": package.order_ids})
    for order in engine.orders.values():
        if order.status == OrderStatus.CANCELLED:
            continue
        for li in order.line_items:
            if li.status != OrderStatus.CANCELLED and holding[li.id] != 1:
                yield Violation("PKG-2", order.id, ("engine",), f"open unit {li.id} is in {holding[li.id]} live "
                                "packages", {"package_id": li.package_id})


def _return_state(world: World, order: Order) -> Iterator[Violation]:
    """RET-1/RET-4: one open return at a time, each unit refunded once, never more refunded than paid."""
    engine = world.engine
    records = [engine.returns.get(r) for r in order.return_ids]
    if any(r is None or r.order_id != order.id for r in records):
        yield Violation("RET-1", order.id, ("engine",), "order names a return that is not its own",
                        {"return_ids": order.return_ids})
        return
    returns = [r for r in records if r is not None]
    if not all(r.status in ReturnStatus.__members__.values() for r in returns):
        yield Violation("RET-1", order.id, ("engine",), "return status is not one state",
                        {"returns": [r.status for r in returns]})
        return
    open_ids = [r.id for r in returns if r.status in RETURN_OPEN]
    if len(open_ids) > 1 or (open_ids[0] if open_ids else None) != order.open_return_id:
        yield Violation("RET-1", order.id, ("engine",), "open returns disagree with the order",
                        {"open": open_ids, "open_return_id": order.open_return_id})
    if open_ids and order.status != OrderStatus.DELIVERED:
        yield Violation("RET-1", order.id, ("engine",), "a return is open on an order that is not DELIVERED",
                        {"status": order.status, "open": open_ids})
    prices = {li.id: li.sale_price for li in order.line_items}
    claimed: dict[str, str] = {}
    for r in returns:
        if any(li not in prices for li in r.line_item_ids):
            yield Violation("RET-1", order.id, ("engine",), f"return {r.id} names units of another order",
                            {"line_item_ids": r.line_item_ids})
            continue
        if r.status in RETURN_OPEN or r.status == ReturnStatus.COMPLETE:
            twice = [li for li in r.line_item_ids if li in claimed]
            if twice:
                yield Violation("RET-1", order.id, ("engine",), "a unit is in two live returns",
                                {"units": twice, "returns": [r.id, claimed[twice[0]]]})
            claimed.update(dict.fromkeys(r.line_item_ids, r.id))
        asked = sum((prices[li] for li in r.line_item_ids), Decimal(0)) + r.refund_shipping_fee
        if r.refund_total != asked or (r.refund_amount is None) != (r.status != ReturnStatus.COMPLETE) or (
                r.refund_amount is not None and not Decimal(0) < r.refund_amount <= r.refund_total):
            yield Violation("RET-4", order.id, ("engine",), f"return {r.id}'s refund is not what its units are worth",
                            {"status": r.status, "refund_total": r.refund_total, "units_worth": asked,
                             "refund_amount": r.refund_amount})
    refunded = sum((r.refund_amount or Decimal(0) for r in returns), Decimal(0)) + sum(
        (c.refund_total for c in (engine.cancellations[i] for i in order.cancellation_ids)
         if c.status in REFUNDED_CANCELLATION), Decimal(0))
    paid = order.total_amount if order.paid_time is not None else Decimal(0)
    if refunded > paid:
        yield Violation("RET-4", order.id, ("engine",), "more was refunded than the buyer paid",
                        {"refunded": refunded, "paid": paid})
    done = {li for r in returns if r.status == ReturnStatus.COMPLETE for li in r.line_item_ids}
    if done == set(prices) and order.status != OrderStatus.COMPLETED:
        yield Violation("RET-4", order.id, ("engine",), "a fully refunded order is not COMPLETED",
                        {"status": order.status})


def transitions(world: World) -> Iterator[Violation]:
    """Every recorded transition is a legal row of its table (the journal keeps engine events whole)."""
    found: dict[str, list[Violation]] = {"order.status": [], "package.status": [], "cancellation.status": [],
                                         "return.status": []}
    for entry in world.journal:  # one pass for the four kinds: the checker runs after every scenario step
        bucket = found.get(entry.kind)
        if bucket is None:
            continue
        d = entry.data
        if entry.kind == "order.status":
            if not _legal(T.ORDER, d["event"], d["old"], d["new"]):
                bucket.append(Violation("LIFE-1", d["order_id"], ("engine",), "order transition is not a row of the table",
                                        {"seq": entry.seq, "event": d["event"], "old": d["old"], "new": d["new"]}))
        elif entry.kind == "package.status":
            if not any(d["old"] in r.sources and r.target == d["new"] for r in T.PACKAGE.rows):
                bucket.append(Violation("LIFE-1", d["order_id"], ("engine",),
                                        "package transition is not a row of the table",
                                        {"seq": entry.seq, "package_id": d["package_id"], "old": d["old"],
                                         "new": d["new"]}))
        elif entry.kind == "return.status":
            legal = d["new"] == ReturnStatus.PENDING if d["old"] is None else _legal(T.RETURN, d["event"], d["old"],
                                                                                      d["new"])
            if not legal:
                bucket.append(Violation("RET-1", d["order_id"], ("engine",), "return transition is not a row of the table",
                                        {"seq": entry.seq, "return_id": d["return_id"], "event": d["event"],
                                         "old": d["old"], "new": d["new"]}))
        else:
            legal = d["new"] in CANCELLATION_CREATED if d["old"] is None else any(
                d["old"] in r.sources and r.target == d["new"] for r in T.CANCELLATION.rows)
            if not legal:
                bucket.append(Violation("CAN-X1", d["order_id"], ("engine",),
                                        "cancellation transition is not a row of the table",
                                        {"seq": entry.seq, "cancel_id": d["cancel_id"], "old": d["old"],
                                         "new": d["new"]}))
    for violations in found.values():
        yield from violations


def _legal(table: TransitionTable, event: str, old: str, new: str) -> bool:
    return any(r.event == event and old in r.sources and (r.target or old) == new for r in table.rows)


def stock(world: World) -> Iterator[Violation]:
    """HOLD-4: per SKU, available + reserved + shipped equals what was received plus what came back on sale
    (RET-3); reservations match orders; returned units are those of received returns put back on sale."""
    engine = world.engine
    reserved: dict[str, int] = {}
    shipped: dict[str, int] = {}
    returned: dict[str, int] = {}
    for ret in engine.returns.values():
        if ret.restocked:
            lines = {li.id: li.sku_id for li in engine.orders[ret.order_id].line_items}
            for line_id in ret.line_item_ids:
                returned[lines[line_id]] = returned.get(lines[line_id], 0) + 1
    for order in engine.orders.values():
        if order.paid_time is None:
            continue
        for li in order.line_items:
            package = engine.packages[li.package_id]
            if package.rts_time is not None and li.id in package.line_item_ids:  # a unit cancelled out never left
                shipped[li.sku_id] = shipped.get(li.sku_id, 0) + 1
            elif li.status != OrderStatus.CANCELLED:
                reserved[li.sku_id] = reserved.get(li.sku_id, 0) + 1
    for sku in world.inventory.skus.values():
        seen = {"available": sku.available, "reserved": sku.reserved, "shipped": sku.shipped,
                "received": sku.received, "returned": sku.returned}
        if sku.total != sku.received + sku.returned or min(sku.available, sku.reserved, sku.shipped) < 0:
            yield Violation("HOLD-4", None, ("engine",), f"stock of {sku.sku_id} is not conserved", seen)
        if sku.returned != returned.get(sku.sku_id, 0):
            yield Violation("RET-3", None, ("engine",), f"returned stock of {sku.sku_id} differs from the received "
                            "returns put back on sale", {**seen, "returned_units": returned.get(sku.sku_id, 0)})
        if sku.reserved != reserved.get(sku.sku_id, 0):
            yield Violation("HOLD-4", None, ("engine",), f"reserved stock of {sku.sku_id} differs from open orders",
                            {**seen, "open_units": reserved.get(sku.sku_id, 0)})
        if sku.shipped != shipped.get(sku.sku_id, 0):
            yield Violation("HOLD-4", None, ("engine",),
                            f"shipped stock of {sku.sku_id} differs from shipped packages (goods that left "
                            "must never return to sale)", {**seen, "shipped_units": shipped.get(sku.sku_id, 0)})


# -- projections ------------------------------------------------------------------------------------
def renderable(world: World) -> Iterator[Violation]:
    """Every system can render every order it holds as JSON (a stored value that cannot be read back is poison)."""
    for order_id in world.engine.orders:
        for name, system in world.systems.items():
            try:
                orjson.dumps(to_plain(system.project_order(order_id)))
            except Exception as exc:  # noqa: BLE001 - any failure to render is the violation itself
                yield Violation("FUL-1", order_id, (name,), "the order cannot be rendered",
                                {"error": f"{type(exc).__name__}: {exc}"})


def tiktok(world: World) -> Iterator[Violation]:
    """TikTok's API shapes say what the engine says: statuses, tracking, deadlines, cancellations."""
    backend = world.systems.get("tiktok")
    if backend is None:
        return
    engine, ser = world.engine, backend.serializer
    for order_id, detail, rendered in backend.rendered.cached():  # reused while the engine's revision stands
        order = engine.orders.get(order_id)
        if order is None or rendered != orjson.dumps(ser.order(order, engine.packages, detail=detail)):
            yield Violation("LIFE-1", order_id, ("engine", "tiktok"),
                            "a reused Get Order Detail/List rendering differs from the order as it is now",
                            {"detail": detail, "revision": engine.revision})
    for order in engine.orders.values():
        view = ser.order(order, engine.packages)
        seen = {"engine": order.status, "tiktok": view.get("status")}
        if view.get("status") != order.status.value:
            yield Violation("LIFE-1", order.id, ("engine", "tiktok"), "order status differs", seen)
        if view.get("is_buyer_request_cancel") != (order.pending_cancel_id is not None):
            yield Violation("CAN-B4", order.id, ("engine", "tiktok"), "is_buyer_request_cancel differs",
                            {"pending_cancel_id": order.pending_cancel_id, "tiktok": view.get("is_buyer_request_cancel")})
        if order.rts_sla_time is not None and view.get("rts_sla_time") != int(order.rts_sla_time.timestamp()):
            yield Violation("SLA-1", order.id, ("engine", "tiktok"), "rts_sla_time differs",
                            {"engine": order.rts_sla_time, "tiktok": view.get("rts_sla_time")})
        for package_id in order.package_ids:
            package = engine.packages[package_id]
            shown = ser.package(package, order)
            if shown.get("package_status") != package.status.value or shown.get("tracking_number") != (
                    package.tracking_number):
                yield Violation("FUL-1", order.id, ("engine", "tiktok"), f"package {package_id} differs",
                                {"engine": [package.status, package.tracking_number],
                                 "tiktok": [shown.get("package_status"), shown.get("tracking_number")]})
        for cancel_id in order.cancellation_ids:
            c = engine.cancellations[cancel_id]
            shown = ser.cancellation(c, order, engine.packages)
            if shown["cancel_status"] != ser.cancel_status(c.status):
                yield Violation("CAN-X1", order.id, ("engine", "tiktok"), f"cancellation {cancel_id} differs",
                                {"engine": c.status, "tiktok": shown["cancel_status"]})
        for return_id in order.return_ids:
            r = engine.returns[return_id]
            shown = ser.return_order(r, order, engine.next_action(r))
            refund = r.refund_amount if r.refund_amount is not None else r.refund_total
            if shown["return_status"] != r.status.value or shown["refund_amount"]["refund_total"] != (
                    f"{refund.quantize(Decimal('0.01'))}"):
                yield Violation("RET-4", order.id, ("engine", "tiktok"), f"return {return_id} differs",
                                {"engine": [r.status, refund],
                                 "tiktok": [shown["return_status"], shown["refund_amount"]["refund_total"]]})


def routing(world: World) -> Iterator[Violation]:
    """An order reaches only the downstream system wired to its shop, and never inside the hold (HOLD-5)."""
    tiktok_system = world.systems.get("tiktok")
    shops = tiktok_system.catalog.shops if tiktok_system is not None else {}
    for order in world.engine.orders.values():
        shop = shops.get(order.shop_id)
        if shop is not None and shop.profile != order.profile:
            yield Violation("HOLD-5", order.id, ("engine", "tiktok"), "order profile differs from its shop's",
                            {"order_profile": order.profile, "shop_profile": shop.profile})
        for name, profile in (("sfcc", "sfcc"), ("channeladvisor", "rithum")):
            system = world.systems.get(name)
            if system is None or not system.holds_order(order.id):
                continue
            if order.released_time is None:
                yield Violation("HOLD-5", order.id, ("engine", name), f"{name} holds an order that never left the hold",
                                {"status": order.status})
            if order.profile != profile or not system.serves_shop(order.shop_id):
                yield Violation("HOLD-5", order.id, ("engine", name), f"{name} holds an order of a shop not wired to it",
                                {"shop_id": order.shop_id, "profile": order.profile})


def sfcc(world: World) -> Iterator[Violation]:
    """SFCC shows what TikTok shows (SFCC-1, CAN-B2, CAN-P1, CAN-S1, FUL-3) at each sync point."""
    backend = world.systems.get("sfcc")
    if backend is None:
        return
    mapping = world.rules["sfcc"].status_mapping("sfcc")
    connector = backend.connector
    for order in world.engine.orders.values():
        if order.profile != "sfcc" or not backend.serves_shop(order.shop_id):
            continue
        doc = backend.orders.find_external(order.id)
        lagging = connector is not None and connector.pending(order.id)
        if order.released_time is None:
            continue  # routing() owns "never before the hold ends"
        if doc is None:
            if not lagging and not (connector is not None and connector.abandoned(order.id)):
                yield Violation("SFCC-1", order.id, ("engine", "sfcc"), "a released order is missing in SFCC",
                                {"status": order.status, "released": order.released_time})
            continue
        if lagging or backend.awaiting_export(doc):
            continue  # one side is ahead by its documented lag
        expected = dict(mapping[order.status.value] or {})
        cut = {li.seller_sku or li.sku_id for li in order.line_items if li.status == OrderStatus.CANCELLED}
        if cut and order.status != OrderStatus.CANCELLED and expected.get("c_externalChannelOrderStatus") == 3:
            # CAN-L3: an open order with cancelled units is CANCELLED_PARTIAL (7) until it is completed.
            expected.update(c_externalOrderStatus="CANCELLED_PARTIAL", c_externalChannelOrderStatus=7)
        expected["shipping_status"] = _sfcc_shipping(world, order)
        expected["c_orderTag"] = "cancel_after_shipped" if order.cancel_after_shipped else None
        if order.return_ids:
            expected["c_externalReturnStatus"] = _sfcc_return(world, order)
        actual = {"c_externalOrderStatus": doc.custom.get("externalOrderStatus"),
                  "c_externalChannelOrderStatus": doc.custom.get("externalChannelOrderStatus"),
                  "shipping_status": doc.shipping_status,
                  "c_externalReturnStatus": doc.custom.get("externalReturnStatus"),
                  "c_orderTag": doc.custom.get("orderTag") if doc.custom.get("orderTag") == "cancel_after_shipped"
                  else None}
        diff = {k: {"tiktok": v, "sfcc": actual.get(k)} for k, v in expected.items() if actual.get(k) != v}
        gone = cut - {li.seller_sku or li.sku_id for li in order.line_items if li.status != OrderStatus.CANCELLED}
        lines = {i.product_id: i.custom.get("externalLineItemStatus") for i in doc.product_items}
        wrong = {p: lines.get(p) for p in sorted(gone) if p in lines and lines.get(p) != 6}
        if wrong and order.status != OrderStatus.CANCELLED:
            diff["cancelled_lines"] = {"tiktok": 6, "sfcc": wrong}
        if diff:
            yield Violation(_sfcc_rule(order, diff), order.id, ("tiktok", "sfcc"),
                            "SFCC and TikTok tell different stories", {"status": order.status, "order_no": doc.order_no,
                                                                       **diff})


def _sfcc_shipping(world: World, order: Order) -> str:
    # Computed here from the packages, not borrowed from the connector: the check must not share the code it checks.
    left = [world.engine.packages[p].rts_time is not None for p in order.package_ids
            if world.engine.packages[p].line_item_ids]  # emptied by a partial cancel (CAN-L1): nothing to ship
    return "shipped" if all(left) else "part_shipped" if any(left) else "not_shipped"


def _sfcc_return(world: World, order: Order) -> int:
    """RET-7, from the profiles.yaml table: the latest return's status; a refund says whether the goods came back."""
    ret = world.engine.returns[order.return_ids[-1]]
    value = world.rules["sfcc"].return_status_mapping("sfcc")[ret.status.value]
    if isinstance(value, dict):
        came_back = ret.received_time is not None and not ret.buyer_keep_item
        every_unit = set(ret.line_item_ids) == {li.id for li in order.line_items}
        value = value["returned" if came_back and every_unit else "partial_return" if came_back else "refunded"]
    return int(value)


def _sfcc_rule(order: Order, diff: dict[str, Any]) -> str:
    if "cancelled_lines" in diff or (order.status != OrderStatus.CANCELLED and "c_externalChannelOrderStatus" in diff
                                     and 7 in (diff["c_externalChannelOrderStatus"]["tiktok"],
                                               diff["c_externalChannelOrderStatus"]["sfcc"])):
        return "CAN-L3"
    if "c_externalReturnStatus" in diff:
        return "RET-7"
    if "c_orderTag" in diff:
        return "CAN-P1"
    if order.status == OrderStatus.CANCELLED:
        return "CAN-B2" if order.cancellation_initiator == "BUYER" else "CAN-P1" if (
            order.cancellation_initiator == "SYSTEM") else "CAN-S1"
    return "FUL-3" if "shipping_status" in diff else "SFCC-1"


def channeladvisor(world: World) -> Iterator[Violation]:
    """ChannelAdvisor shows the engine state of its last sync tick (CA-1, CA-3, CAN-B3, CAN-P2, CAN-S3, FUL-5)."""
    backend = world.systems.get("channeladvisor")
    if backend is None:
        return
    profile = world.rules["rithum"]
    tick = backend.sync.last_tick if backend.sync is not None else None
    history = _History(world, tick.seq if tick else 0)
    for order in world.engine.orders.values():
        if order.profile != "rithum" or not backend.serves_shop(order.shop_id):
            continue
        ca = backend.order_for(order.id)
        released = order.released_time
        due = tick is not None and released is not None and released <= tick.at
        if ca is None:
            if due and history.status(order.id) not in (None, OrderStatus.UNPAID, OrderStatus.ON_HOLD):
                yield Violation("CA-1", order.id, ("engine", "channeladvisor"),
                                "a released order is missing after the sync tick",
                                {"released": released, "tick": tick.at if tick else None})
            continue
        if not due:
            yield Violation("CA-1", order.id, ("engine", "channeladvisor"), "imported before its sync tick",
                            {"released": released, "imported": ca.imported})
            continue
        named = [f.package_id for f in ca.fulfillments if f.package_id is not None]
        moved = {world.engine.packages[p].moved_from for p in order.package_ids}  # PKG-2: followed at the next sync
        if len(named) != len(set(named)) or set(named) - set(order.package_ids) - moved:
            yield Violation("PKG-1", order.id, ("engine", "channeladvisor"),
                            "CA fulfillments are not one per package of the order",
                            {"fulfillment_packages": named, "packages": order.package_ids})
        seen = history.status(order.id)
        if seen is None:
            continue
        in_flight = backend.in_flight(ca)
        wanted = to_ca(profile, seen, order.shipping_type)
        if not in_flight and wanted is not None and ca.shipping_status != wanted:
            yield Violation("CA-3", order.id, ("engine", "channeladvisor"), "ShippingStatus differs from the tick's",
                            {"tiktok_at_tick": seen, "wanted": wanted, "channeladvisor": ca.shipping_status})
        for cancel_id, status, how in history.cancellations(order.id):
            adj = next((a for a in ca.adjustments if a.cancel_id == cancel_id), None)
            if adj is None:
                yield Violation("CAN-B3", order.id, ("engine", "channeladvisor"),
                                f"cancellation {cancel_id} has no adjustment after the sync tick", {"status": status})
                continue
            cancellation = world.engine.cancellations[cancel_id]
            if cancellation.partial:  # CAN-L4: item adjustments carrying exactly the cancelled units
                units = {li.id: li.sku_id for li in order.line_items}
                items = {item.id: units[item.tiktok_line_item_ids[0]] for item in ca.items}
                got: dict[str, int] = {}
                for a in ca.adjustments:
                    if a.cancel_id == cancel_id:
                        got[items.get(a.order_item_id, "?")] = got.get(items.get(a.order_item_id, "?"), 0) + (
                            a.quantity or 0)
                cut = dict(Counter(units[li] for li in cancellation.line_item_ids))
                if got != cut:
                    yield Violation("CAN-L4", order.id, ("engine", "channeladvisor"),
                                    f"cancellation {cancel_id}'s item adjustments do not carry its units",
                                    {"units": cut, "adjustments": got})
            if in_flight:
                continue  # the OMS answered (or shipped, a "no") after the tick; the next tick carries it
            want = request_status_for(status, how)
            if adj.request_status != want:
                yield Violation("CAN-B3", order.id, ("engine", "channeladvisor"),
                                f"adjustment {adj.id} says {adj.request_status}, the tick saw {status}",
                                {"cancel_id": cancel_id, "wanted": want, "channeladvisor": adj.request_status})
        yield from _ca_returns(world, order, ca, history.returns(order.id), in_flight)


def _ca_returns(world: World, order: Order, ca: Any, seen: list[tuple[str, ReturnStatus]],
                in_flight: bool) -> Iterator[Violation]:
    """RET-6: each return the tick saw is a Refund adjustment per CA item it touches, in the tick's Rithum term."""
    units = {li.id: li.sku_id for li in order.line_items}
    for return_id, status in seen:
        ret = world.engine.returns[return_id]
        wanted: dict[str, int] = {}
        for line in ret.line_item_ids:
            wanted[units[line]] = wanted.get(units[line], 0) + 1
        items = {item.id: units[item.tiktok_line_item_ids[0]] for item in ca.items}
        adjs = [a for a in ca.adjustments if a.return_id == return_id]
        got = {items.get(a.order_item_id, "?"): a.quantity for a in adjs}
        if got != wanted:
            yield Violation("RET-6", order.id, ("engine", "channeladvisor"),
                            f"return {return_id}'s adjustments do not cover its units after the sync tick",
                            {"units": wanted, "adjustments": got})
            continue
        if in_flight:
            continue
        want = return_request_status(status, ret.shipment_type)
        wrong = {a.id: a.request_status for a in adjs if a.request_status != want}
        if wrong:
            yield Violation("RET-6", order.id, ("engine", "channeladvisor"),
                            f"return {return_id}'s adjustments differ from the tick's {status}",
                            {"wanted": want, "channeladvisor": wrong})


class _History:
    """Engine state as of one journal position, rebuilt from the journal's engine events."""

    def __init__(self, world: World, upto: int) -> None:
        self._status: dict[str, OrderStatus] = {}
        self._cancels: dict[str, dict[str, tuple[CancelStatus, str | None]]] = {}
        self._returns: dict[str, dict[str, ReturnStatus]] = {}
        engine = world.engine
        for entry in _upto(world.journal.entries(kind="return.status"), upto):
            self._returns.setdefault(entry.data["order_id"], {})[entry.data["return_id"]] = ReturnStatus(
                entry.data["new"])
        for entry in _upto(world.journal.entries(kind="order.status"), upto):
            self._status[entry.data["order_id"]] = OrderStatus(entry.data["new"])
        for entry in _upto(world.journal.entries(kind="cancellation.status"), upto):
            d = entry.data
            record = engine.cancellations.get(d["cancel_id"])
            how = record.reject_reason if record is not None and d["new"] == CancelStatus.CANCEL else None
            self._cancels.setdefault(d["order_id"], {})[d["cancel_id"]] = (CancelStatus(d["new"]), how)

    def status(self, order_id: str) -> OrderStatus | None:
        """The order's status at that position (None: not yet placed and paid)."""
        return self._status.get(order_id)

    def returns(self, order_id: str) -> list[tuple[str, ReturnStatus]]:
        """(return_id, status) of the order's returns at that position."""
        return list(self._returns.get(order_id, {}).items())

    def cancellations(self, order_id: str) -> list[tuple[str, CancelStatus, str | None]]:
        """(cancel_id, status, close reason) of the order's cancellations at that position."""
        return [(cid, status, how) for cid, (status, how) in self._cancels.get(order_id, {}).items()]


def _upto(entries: Iterable[Any], seq: int) -> Iterator[Any]:
    return (e for e in entries if e.seq <= seq)


# -- indexes --------------------------------------------------------------------------------------
INDEX_RULES = {"engine": "LIFE-1", "sfcc": "FUL-3", "channeladvisor": "CA-1"}


def indexes(world: World) -> Iterator[Violation]:
    """Every index a list endpoint or job reads agrees with a scan of the records it indexes.

    The list endpoints and the idle-cheap jobs read indexes, never scans (engine/index.py, the SFCC
    READY and search indexes, ChannelAdvisor's): a record filed in the wrong place would silently
    drop out of a page or a run, so each index is compared with a scan here.
    """
    sources: list[tuple[str, Callable[[], list[str]]]] = [("engine", world.engine.index.check)]
    sources += [(name, system.index_problems) for name, system in world.systems.items()
                if hasattr(system, "index_problems")]
    for name, problems in sources:
        for problem in problems():
            yield Violation(INDEX_RULES.get(name, "LIFE-1"), None, (name,), "an index disagrees with a scan",
                            {"problem": problem})


CHECKS: tuple[Check, ...] = (engine_state, packages, transitions, stock, renderable, tiktok, routing, sfcc,
                             channeladvisor, indexes)


def summary(violations: list[Violation], at: datetime) -> dict[str, Any]:
    """The ``GET /_sim/invariants`` body."""
    return {"ok": not violations, "at": at.isoformat(), "count": len(violations),
            "violations": [v.as_dict() for v in violations]}
