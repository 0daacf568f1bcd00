"""Rendered order JSON reused while nothing in the engine changes (the read path an OMS polls hardest)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from simulator.engine import Order
    from simulator.engine.base import EngineBase
    from simulator.tiktok_shop.serializers import Serializer

LIMIT = 2048
"""Rendered orders kept at most (the table starts over when full): about 3 MB, however large the world."""


class RenderedOrders:
    """Get Order Detail / Order List rows as JSON fragments, rendered once per engine revision.

    An OMS polls the same orders over and over while they do not change; rendering one is most of a
    Get Order Detail. The engine's :attr:`~simulator.engine.base.EngineBase.revision` moves on every
    change of any order, package, cancellation or return, and the table is dropped whole when it
    moves, so a fragment handed out is always what :meth:`Serializer.order` renders now (the
    invariant checker compares them after every scenario step; tests/tiktok_shop/test_rendered.py
    drives every kind of change).
    """

    __slots__ = ("_engine", "_serializer", "_revision", "_detail", "_rows", "_limit")

    def __init__(self, engine: EngineBase, serializer: Serializer, limit: int = LIMIT) -> None:
        self._engine = engine
        self._serializer = serializer
        self._revision = -1
        self._detail: dict[str, bytes] = {}
        self._rows: dict[str, bytes] = {}
        self._limit = limit

    def order(self, order: Order, *, detail: bool = True) -> orjson.Fragment:
        """``serializer.order(order, packages, detail=detail)`` as JSON, from the table when still current."""
        revision = self._engine.revision
        if revision != self._revision:
            self._detail.clear()
            self._rows.clear()
            self._revision = revision
        table = self._detail if detail else self._rows
        rendered = table.get(order.id)
        if rendered is None:
            if len(table) >= self._limit:
                table.clear()
            rendered = table[order.id] = orjson.dumps(self._serializer.order(order, self._engine.packages,
                                                                             detail=detail))
        return orjson.Fragment(rendered)

    def cached(self) -> list[tuple[str, bool, bytes]]:
        """``(order id, detail, JSON)`` of every fragment still current (the invariant checker's question)."""
        if self._engine.revision != self._revision:
            return []
        return [(order_id, detail, rendered) for detail, table in ((True, self._detail), (False, self._rows))
                for order_id, rendered in table.items()]
