"""The engine's list indexes: orders, packages, cancellations and returns by shop (and status...), sorted by time.

They serve the list endpoints (Get Order List, Search Package, Search Cancellations, Search Returns) in O(page) instead
of a scan. Kept lazily: every change of an order's subtree (the order, its packages, its cancellations)
emits an event naming the order, which only marks it; the first read after re-files the marked orders.
So the engine's hot path pays a set insertion per event, and a read pays for what changed since the last.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, Any

from simulator.engine.events import EngineEvent
from simulator.engine.models import Cancellation, Order, Package, Return
from simulator.sortedindex import RecordIndex

if TYPE_CHECKING:
    from simulator.engine.base import EngineBase


def _order_parts(order: Order) -> Iterator[Hashable]:
    yield "shop", order.shop_id
    yield "status", order.shop_id, order.status
    buyer = order.buyer_user_id
    if isinstance(buyer, str):  # filters compare strings: another type never matches
        yield "buyer", order.shop_id, buyer
    if order.pending_cancel_id is not None:
        yield "pending", order.shop_id


class EngineIndex:
    """Orders, packages and cancellations filed by shop and by the fields the list endpoints filter on."""

    def __init__(self, engine: EngineBase) -> None:
        self._engine = engine
        self._dirty: set[str] = set()
        orders = engine.orders
        self._orders: RecordIndex[Order] = RecordIndex(
            lambda o: o.id, _order_parts,
            {"create_time": lambda o: int(o.create_time.timestamp()),
             "update_time": lambda o: int(o.update_time.timestamp())})

        def package_parts(p: Package) -> Iterator[Hashable]:
            shop = orders[p.order_id].shop_id
            yield "shop", shop
            yield "status", shop, p.status

        def pay_time(p: Package) -> int:
            return int((orders[p.order_id].paid_time or p.create_time).timestamp())

        self._packages: RecordIndex[Package] = RecordIndex(
            lambda p: p.id, package_parts,
            {"create_time": lambda p: int(p.create_time.timestamp()),
             "update_time": lambda p: int(p.update_time.timestamp()), "order_pay_time": pay_time})

        def request_parts(order: Order, status: Hashable, kind: Hashable) -> Iterator[Hashable]:
            """A buyer request's partitions (cancellations, returns): shop, status, type, buyer."""
            yield "shop", order.shop_id
            yield "status", order.shop_id, status
            yield "type", order.shop_id, kind
            buyer = order.buyer_user_id
            if isinstance(buyer, str):
                yield "buyer", order.shop_id, buyer

        timed: dict[str, Callable[[Any], int]] = {"create_time": lambda r: int(r.create_time.timestamp()),
                                                   "update_time": lambda r: int(r.update_time.timestamp())}
        self._cancellations: RecordIndex[Cancellation] = RecordIndex(
            lambda c: c.id, lambda c: request_parts(orders[c.order_id], c.status, c.cancel_type), timed)
        self._returns: RecordIndex[Return] = RecordIndex(
            lambda r: r.id, lambda r: request_parts(orders[r.order_id], r.status.value, r.return_type.value), timed)

    def on_event(self, event: EngineEvent) -> None:
        """An engine subscriber: the event's order changed (re-filed at the next read)."""
        self._dirty.add(event.order_id)

    def touch(self, order_id: str) -> None:
        """Mark an order whose change emits no event (e.g. a shipping info correction)."""
        self._dirty.add(order_id)

    def _refresh(self) -> None:
        if not self._dirty:
            return
        engine, dirty = self._engine, self._dirty
        self._dirty = set()
        for order_id in dirty:
            order = engine.orders.get(order_id)
            if order is None:
                continue
            self._orders.update(order)
            for package_id in order.package_ids:
                self._packages.update(engine.packages[package_id])
            for cancel_id in order.cancellation_ids:
                self._cancellations.update(engine.cancellations[cancel_id])
            for return_id in order.return_ids:
                self._returns.update(engine.returns[return_id])

    @property
    def orders(self) -> RecordIndex[Order]:
        """Orders: partitions ``("shop", shop)``, ``("status", shop, status)``, ``("buyer", shop, user_id)``,
        ``("pending", shop)`` (a buyer request awaits an answer); fields ``create_time``, ``update_time``."""
        self._refresh()
        return self._orders

    @property
    def packages(self) -> RecordIndex[Package]:
        """Packages: ``("shop", shop)``, ``("status", shop, status)``; ``create_time``, ``update_time``,
        ``order_pay_time`` (the order's paid time, else the package's creation)."""
        self._refresh()
        return self._packages

    @property
    def cancellations(self) -> RecordIndex[Cancellation]:
        """Cancellations: ``("shop", shop)``, ``("status", shop, status)``, ``("type", shop, type)``,
        ``("buyer", shop, user_id)``; ``create_time``, ``update_time``."""
        self._refresh()
        return self._cancellations

    @property
    def returns(self) -> RecordIndex[Return]:
        """Returns: ``("shop", shop)``, ``("status", shop, status)``, ``("type", shop, return_type)``,
        ``("buyer", shop, user_id)``; ``create_time``, ``update_time``."""
        self._refresh()
        return self._returns

    def check(self) -> list[str]:
        """Where an index disagrees with a scan of the engine's records (the invariant checker's question)."""
        engine = self._engine
        return ([f"orders: {p}" for p in self.orders.check(engine.orders.values())]
                + [f"packages: {p}" for p in self.packages.check(engine.packages.values())]
                + [f"cancellations: {p}" for p in self.cancellations.check(engine.cancellations.values())]
                + [f"returns: {p}" for p in self.returns.check(engine.returns.values())])
