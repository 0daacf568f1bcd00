"""Opaque keyset page tokens for the search endpoints (stable while new records arrive), over the engine's indexes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from simulator.inbound import InputError, parse_json
from simulator.sortedindex import Bounds, RecordIndex, page_of
from simulator.tiktok_shop.errors import InvalidParameter

T = TypeVar("T")
SortKey = tuple[int, str]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results, the token of the next one ("" when done) and the total match count."""

    items: list[T]
    next_page_token: str
    total_count: int


def fingerprint(*parts: Any) -> str:
    """A short digest of the filters and sort a token belongs to (a token is refused under other filters)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _encode(key: SortKey, fp: str) -> str:
    raw = json.dumps([key[0], key[1], fp], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, fp: str) -> SortKey:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, ident, token_fp = parse_json(raw)  # strict and depth-bounded: a token is client input
        if isinstance(value, bool) or not isinstance(value, int) or not isinstance(ident, str):
            raise TypeError
        key = (value, ident)
    except (ValueError, TypeError, binascii.Error, InputError):
        raise InvalidParameter("Invalid request parameter. 'page_token' is invalid.") from None
    if token_fp != fp:
        raise InvalidParameter("Invalid request parameter. 'page_token' does not match the search conditions.")
    return key


@dataclass(frozen=True)
class Source:
    """Where a search's matches can be: the union of index partitions, or listed record ids.

    ``exact``: every record of the source matches (the search has no other filter than the sort
    field's range), so the page is cut from the index without looking at a record.
    """

    parts: tuple[Hashable, ...] = ()
    ids: tuple[str, ...] | None = None
    exact: bool = False


def request_sources(
    shop_id: str, filters: Mapping[str, Any], ranges: Mapping[str, Bounds], sort_field: str, *, id_filter: str,
    orders: Mapping[str, Any], children: Callable[[Any], Iterable[str]], partitions: Sequence[tuple[str, str]],
) -> list[Source]:
    """Where a buyer-request search (cancellations, returns) finds its matches, smallest source chosen later.

    The shop's partition (exact when no filter but the sort field's range is given), the listed
    ids (``id_filter``), the requests (``children(order)``) of the listed ``orders`` that exist, and one
    partition set per filter in ``partitions`` (``(filter name, index kind)``), exact when it is the only filter.
    """
    given = {k for k, v in filters.items() if v is not None} | {k for k, v in ranges.items() if v != (None, None)}
    given.discard(sort_field)
    sources = [Source((("shop", shop_id),), exact=not given)]
    if filters[id_filter] is not None:
        sources.append(Source(ids=tuple(filters[id_filter])))
    if filters["order_ids"] is not None:
        listed = (orders.get(order_id) for order_id in filters["order_ids"])
        sources.append(Source(ids=tuple(child for order in listed if order is not None for child in children(order))))
    for name, kind in partitions:
        values = filters[name]
        if values is not None:
            parts = tuple((kind, shop_id, v) for v in sorted(set(values), key=str))
            sources.append(Source(parts, exact=given == {name} and len(parts) == 1))
    return sources


def search(
    index: RecordIndex[Any], field: str, sources: Sequence[Source], bounds: Bounds, keep: Callable[[str], bool], *,
    descending: bool, size: int, token: str | None, fp: str,
) -> Page[str]:
    """A page of record ids sorted by ``(field, id)`` within ``bounds``, from the smallest source.

    Cost: O(log n + page) for an exact source of one partition; otherwise O(m log m) over the m
    records of the chosen source (each tested with ``keep``, the search's full predicate).
    """
    after = _decode(token, fp) if token else None
    best = min(sources, key=lambda s: len(s.ids) if s.ids is not None else sum(index.size(p) for p in s.parts))
    if best.ids is None and best.exact and len(best.parts) == 1:
        keys = index.keys(best.parts[0], field)
        page, more = page_of(keys.window(bounds, descending=descending, after=after), size)
        total = keys.count(bounds)
    else:
        if best.ids is not None:
            found = {k for k in (index.key_of(i, field) for i in best.ids) if k is not None}
        else:
            found = {k for p in best.parts for k in index.keys(p, field).window(bounds)}
        ordered = sorted((k for k in found if within(k[0], bounds) and keep(k[1])), reverse=descending)
        start = 0
        if after is not None:
            start = next((i for i, k in enumerate(ordered) if (k < after if descending else k > after)), len(ordered))
        page, more, total = ordered[start:start + size], start + size < len(ordered), len(ordered)
    return Page([k[1] for k in page], _encode(page[-1], fp) if more and page else "", total)


def paginate(
    items: Sequence[T], key: Callable[[T], SortKey], *, descending: bool, size: int, token: str | None, fp: str
) -> Page[T]:
    """Sort ``items`` by ``key`` and cut the page after ``token``'s position (a search without an index yet)."""
    ordered = sorted(items, key=key, reverse=descending)
    start = 0
    if token:
        after = _decode(token, fp)
        start = next(
            (i for i, item in enumerate(ordered) if (key(item) < after if descending else key(item) > after)),
            len(ordered),
        )
    page = ordered[start:start + size]
    more = start + size < len(ordered)
    return Page(page, _encode(key(page[-1]), fp) if more and page else "", len(ordered))


def within(value: int, bounds: Bounds) -> bool:
    """``value`` in ``[low, high)`` (a bound of None is open): the search endpoints' ``*_ge`` / ``*_lt`` filters."""
    low, high = bounds
    return (low is None or value >= low) and (high is None or value < high)
