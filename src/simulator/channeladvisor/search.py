"""``GET /v1/Orders`` matching: candidates from the indexes, ``$filter`` on lazy rows, then ``$orderby``.

Cost of one request, n = the orders the token may see:

- no ``$filter`` and the default order (``ID``): O(log n + page) for one profile (positions in the
  index; ``exported`` picks the per-application index), O(skip + page) across several profiles;
- a ``$filter`` whose top-level ``and`` has ``ID`` / ``SiteOrderID`` eq or in, an ``ID`` range, or a
  ``CreatedDateUtc`` / ``ImportDateUtc`` range (``ProfileID`` eq/in narrows the profiles): the
  filter runs only on the orders of the narrowest of those, O(m) for m such orders;
- any other ``$filter`` (e.g. on ``ShippingStatus`` alone, or ``or`` at the top): the filter runs on
  every visible order, reading only the properties it names (a lazy row), O(n);
- a non-default ``$orderby``: the matches are sorted, O(m log m).

Rows are built only for the page.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import partial
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

from simulator.channeladvisor.auth import Grant
from simulator.channeladvisor.index import between
from simulator.channeladvisor.models import CaOrder
from simulator.channeladvisor.odata import Query, sort_rows
from simulator.channeladvisor.serializers import LazyRow

if TYPE_CHECKING:
    from simulator.channeladvisor.backend import ChannelAdvisorBackend
    from simulator.channeladvisor.odata_filter import Hint  # annotations only: the grammar is imported lazily

At = Callable[[int, int], list[CaOrder]]
Bound = tuple[Any, bool]  # (value or None, inclusive)
_OPEN: Bound = (None, True)


def select(backend: ChannelAdvisorBackend, grant: Grant, query: Query) -> tuple[At, int]:
    """The matching orders in ``$orderby`` order, as positions (``at(start, stop)``), and their count."""
    app, hints = grant.application_id, query.predicate.hints if query.predicate is not None else ()
    profiles = set(grant.profile_ids)
    for hint in hints:
        if hint.prop == "ProfileID" and hint.op in ("eq", "in"):
            profiles &= {int(v) for v in _values(hint) if v == int(v)}
    bases = [ids for ids in (backend.index.ids(p, app, query.exported) for p in sorted(profiles)) if ids]
    if query.predicate is None and query.orderby in ([], [("ID", False)]):
        def at(start: int, stop: int) -> list[CaOrder]:
            ids = bases[0].islice(start, stop) if len(bases) == 1 else islice(heapq.merge(*bases), start, stop)
            return [backend.orders[i] for i in ids]
        return at, sum(len(ids) for ids in bases)
    rows = []
    for order_id in _candidates(backend, hints, sorted(profiles), bases):
        order = backend.orders.get(order_id)  # an ID a hint named may not exist
        if order is None or order.profile_id not in profiles:
            continue
        if query.exported is not None and (app in order.exported_by) != query.exported:
            continue
        row = LazyRow(order)
        if query.predicate is None or query.predicate(row):
            rows.append(row)
    ordered = sort_rows(rows, query.orderby)
    return (lambda start, stop: [r.order for r in ordered[start:stop]]), len(ordered)


def _values(hint: Hint) -> tuple[Any, ...]:
    return tuple(hint.value) if hint.op == "in" else (hint.value,)


def _candidates(backend: ChannelAdvisorBackend, hints: Iterable[Hint], profiles: list[int],
                bases: list[Any]) -> Iterable[int]:
    """IDs of a superset of the matches: the narrowest source the hints allow (all of ``bases`` without one)."""
    options: list[tuple[int, Callable[[], Iterable[int]]]] = [
        (sum(len(b) for b in bases), partial(chain.from_iterable, bases))]
    ranges: dict[str, tuple[Bound, Bound]] = {}
    for hint in hints:
        if hint.op in ("eq", "in") and hint.prop in ("ID", "SiteOrderID"):
            values = _values(hint)
            ids = ({int(v) for v in values if isinstance(v, Decimal) and v == int(v)} if hint.prop == "ID"
                   else {backend.by_site_order[v] for v in values if v in backend.by_site_order})
            options.append((len(ids), partial(iter, ids)))
        elif hint.prop in ("ID", "CreatedDateUtc", "ImportDateUtc") and hint.op != "in":
            low, high = ranges.get(hint.prop, (_OPEN, _OPEN))
            if hint.op in ("gt", "ge", "eq"):
                low = _tighter(low, (hint.value, hint.op != "gt"), max)
            if hint.op in ("lt", "le", "eq"):
                high = _tighter(high, (hint.value, hint.op != "lt"), min)
            ranges[hint.prop] = (low, high)
    for prop, (low, high) in ranges.items():
        if prop == "ID":
            spans = [(ids, _id_span(ids, low, high)) for ids in bases]
            options.append((sum(e - s for _, (s, e) in spans), partial(_ids_of, spans)))
        else:
            index = backend.index.created if prop == "CreatedDateUtc" else backend.index.imported
            spans = [(index[p], between(index[p], low, high)) for p in profiles if p in index]
            options.append((sum(e - s for _, (s, e) in spans), partial(_timed_ids_of, spans)))
    return min(options, key=lambda o: o[0])[1]()


def _tighter(current: Bound, new: Bound, pick: Callable[[Any, Any], Any]) -> Bound:
    """The narrower of two bounds on one side (``max`` for lows, ``min`` for highs)."""
    if current[0] is None:
        return new
    if current[0] == new[0]:
        return current[0], current[1] and new[1]
    return current if pick(current[0], new[0]) == current[0] else new


def _id_span(ids: Any, low: Bound, high: Bound) -> tuple[int, int]:
    (lo, lo_inc), (hi, hi_inc) = low, high
    start = 0 if lo is None else (ids.bisect_left(lo) if lo_inc else ids.bisect_right(lo))
    end = len(ids) if hi is None else (ids.bisect_right(hi) if hi_inc else ids.bisect_left(hi))
    return start, max(start, end)


def _ids_of(spans: list[tuple[Any, tuple[int, int]]]) -> Iterable[int]:
    return chain.from_iterable(ids.islice(start, end) for ids, (start, end) in spans)


def _timed_ids_of(spans: list[tuple[Any, tuple[int, int]]]) -> Iterable[int]:
    return (ident for keys, (start, end) in spans for _, ident in keys.islice(start, end))
