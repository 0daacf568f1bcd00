"""Record of every request, state change, webhook, email and file (powers reports); request entries are capped."""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from operator import attrgetter
from typing import Any, Protocol

from simulator.clock import Clock

DEFAULT_REQUEST_ENTRIES = 10_000
"""Request entries a world keeps by default (about 6.5 MB at ~660 B each)."""

_SEQ = attrgetter("seq")


class Payload(Protocol):
    """Anything that can render itself as journal data later (engine events)."""

    @property
    def at(self) -> datetime:
        """When it happened."""

    @property
    def topic(self) -> str:
        """The journal kind."""

    def payload(self) -> dict[str, Any]:
        """Plain data."""


class Record(tuple):  # type: ignore[type-arg]
    """A business entry as recorded: ``(at, (kind, keys), *values)``; the shape ``(kind, keys)`` is shared by
    every entry of that kind recorded with the same field names, so an entry costs its values, not a dict
    of them.

    Taken out of the journal's flat store when the entry is first read, then kept as its :class:`Entry`'s
    source (data built from keys and values).
    """

    __slots__ = ()

    @property
    def at(self) -> datetime:
        """When it was recorded."""
        at: datetime = self[0]
        return at

    @property
    def topic(self) -> str:
        """The journal kind."""
        kind: str = self[1][0]
        return kind

    def payload(self) -> dict[str, Any]:
        """The fields as recorded."""
        return dict(zip(self[1][1], self[2:], strict=True))


class Entry:
    """One journal line: a sequence number, the virtual time, a dotted kind and plain data.

    Entries recorded from engine events keep the event, and business entries their
    :class:`Record`, and build ``data`` on first read, so the hot path (thousands of state changes
    per advance) costs one small object per change.
    """

    __slots__ = ("seq", "at", "kind", "_data", "_source")

    def __init__(self, seq: int, at: datetime, kind: str, data: dict[str, Any] | None,
                 source: Payload | None = None) -> None:
        self.seq = seq
        self.at = at
        self.kind = kind
        self._data = data
        self._source = source

    @property
    def data(self) -> dict[str, Any]:
        """The entry's fields."""
        if self._data is None:
            self._data = self._source.payload() if self._source is not None else {}
        return self._data

    def __repr__(self) -> str:
        return f"Entry(seq={self.seq}, at={self.at.isoformat()}, kind={self.kind!r}, data={self.data!r})"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"seq": self.seq, "at": self.at.isoformat(), "kind": self.kind, "data": to_plain(self.data)}


def request_capacity(settings: Mapping[str, Any] | None) -> int | None:
    """The ``request_entries`` cap from a world's ``config["journal"]`` (``None``: unbounded)."""
    settings = dict(settings or {})
    unknown = set(settings) - {"request_entries"}
    if unknown:
        raise ValueError(f"unknown journal setting(s): {', '.join(sorted(unknown))}")
    cap = settings.get("request_entries", DEFAULT_REQUEST_ENTRIES)
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
        raise ValueError(f"journal request_entries must be a non-negative integer or null, not {cap!r}")
    return cap


class Journal:
    """Entries in the order they happened; queries filter by sequence, time, kind prefix and order.

    Two stores share one sequence. Business entries (state changes, engine events, webhooks,
    emails, files, connector actions) are kept for the world's life in a list, compactly (engine events
    as they arrive, other business entries as their values in one flat list, a :class:`Record` when
    read) and become :class:`Entry` objects the first time they are read. Request entries (one per
    HTTP request a mock answers, :meth:`record_request`) go to a ring of ``request_entries`` (default
    :data:`DEFAULT_REQUEST_ENTRIES`); the oldest are evicted, so a long run's memory stays bounded.
    Sequence numbers stay monotonic across both stores, and a query for evicted entries simply
    does not return them.
    """

    def __init__(self, clock: Clock, settings: Mapping[str, Any] | None = None) -> None:
        self._clock = clock
        self._entries: list[Entry | Payload | int] = []
        # Business entries not read yet, end to end: (at, shape, *values) from the offset their _entries slot
        # holds. An int is not tracked by the collector, a tuple per entry is: each tuple would be scanned
        # by a young collection (and stay tracked for good, a tuple subclass is never untracked).
        self._flat: list[Any] = []
        self._shapes: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]] = {}  # (kind, field names)
        self.record_event: Callable[[Payload], None] = self._entries.append
        """Append an engine event (the engine's journal subscriber; a bound ``list.append``)."""
        self._requests: deque[Entry] = deque(maxlen=request_capacity(settings))
        self._request_count = 0
        self._request_kinds: set[str] = set()
        # Where request entries fell between business entries, so a business entry's sequence
        # number is computed when it is read and the engine's subscriber stays a bare append:
        # _gap_at[k] is a business-list length at which requests were recorded, _gap_total[k] the
        # number of requests recorded up to then. At most one pair per business entry.
        self._gap_at = array("q")
        self._gap_total = array("q")

    @property
    def request_capacity(self) -> int | None:
        """How many request entries are kept (``None``: all)."""
        return self._requests.maxlen

    @property
    def last_seq(self) -> int:
        """The sequence number of the latest entry (0 when empty), evicted entries included."""
        return len(self._entries) + self._request_count

    @property
    def evicted(self) -> int:
        """Request entries dropped from the ring so far."""
        return self._request_count - len(self._requests)

    def record(self, kind: str, /, **data: Any) -> None:
        """Append a business entry (kept for the world's life) stamped with the world clock.

        Kept as its values beside shared field names (no object of its own) until it is read.
        """
        shape = (kind, tuple(data))
        shape = self._shapes.setdefault(shape, shape)
        flat = self._flat
        self._entries.append(len(flat))
        flat += (self._clock.now(), shape, *data.values())

    def recorder(self, kind: str, *fields: str) -> Callable[..., None]:
        """:meth:`record` for one kind and field names, bound once: ``recorder(kind, *names)(*values)``
        appends what ``record(kind, **dict(zip(names, values)))`` does (hot writers: one entry per order)."""
        shape = (kind, fields)
        shape = self._shapes.setdefault(shape, shape)
        append, flat, clock, count = self._entries.append, self._flat, self._clock, len(fields)
        extend = flat.extend

        def record(*values: Any) -> None:
            if len(values) != count:  # else the entry would read its neighbour's values
                raise TypeError(f"journal recorder {kind}: {count} values expected, {len(values)} given")
            append(len(flat))
            extend((clock.now(), shape, *values))

        return record

    def record_request(self, kind: str, /, **data: Any) -> Entry:
        """Append a request entry (one per HTTP request) to the capped ring."""
        self._request_count += 1
        self._request_kinds.add(kind)
        at = len(self._entries)
        if self._gap_at and self._gap_at[-1] == at:
            self._gap_total[-1] = self._request_count
        else:
            self._gap_at.append(at)
            self._gap_total.append(self._request_count)
        entry = Entry(at + self._request_count, self._clock.now(), kind, data)
        self._requests.append(entry)
        return entry

    def _seq_of(self, index: int) -> int:
        gap = bisect_right(self._gap_at, index)
        return index + 1 + (self._gap_total[gap - 1] if gap else 0)

    def _entry(self, index: int) -> Entry:
        item = self._entries[index]
        if isinstance(item, Entry):
            return item
        if isinstance(item, int):  # a business entry's offset in _flat: its Record, taken out
            flat = self._flat
            shape = flat[item + 1]
            end = item + 2 + len(shape[1])
            item = Record(flat[item:end])
        entry = Entry(self._seq_of(index), item.at, item.topic, None, item)
        self._entries[index] = entry
        return entry

    def __len__(self) -> int:
        """Entries recorded so far, evicted ones included (equals :attr:`last_seq`)."""
        return self.last_seq

    def __iter__(self) -> Iterator[Entry]:
        return self._merged(0)

    def _merged(self, since: int, prefix: str | None = None) -> Iterator[Entry]:
        first = bisect_right(range(len(self._entries)), since, key=self._seq_of) if since else 0
        business = (self._entry(i) for i in range(first, len(self._entries)))
        if not self._requests or self._requests[-1].seq <= since or (
                prefix is not None and not any(_matches(k, prefix) for k in self._request_kinds)):
            return business
        return heapq.merge(business, self._requests_after(since), key=_SEQ)

    def _requests_after(self, since: int) -> Iterable[Entry]:
        if not since or self._requests[0].seq > since:
            return list(self._requests)
        newer = []
        for entry in reversed(self._requests):  # a poller asks for the few newest
            if entry.seq <= since:
                break
            newer.append(entry)
        newer.reverse()
        return newer

    def entries(
        self,
        *,
        since: int | None = None,
        since_time: datetime | None = None,
        kind: str | None = None,
        order_id: str | None = None,
    ) -> list[Entry]:
        """Entries after sequence ``since`` / at or after ``since_time``, whose kind starts with ``kind``.

        Evicted request entries are not returned: a reader that polls less often than the ring
        turns over sees a gap in the sequence numbers.
        """
        result = []
        for entry in self._merged(since or 0, kind):
            if since_time is not None and entry.at < since_time:
                continue
            if kind is not None and not _matches(entry.kind, kind):
                continue
            if order_id is not None and entry.data.get("order_id") != order_id:
                continue
            result.append(entry)
        return result


def _matches(kind: str, prefix: str) -> bool:
    """``order`` matches ``order`` and ``order.status``, not ``orders``."""
    return kind == prefix or kind.startswith(prefix.rstrip(".") + ".")


def to_plain(value: Any) -> Any:
    """Convert datetimes, decimals, enums, sets and dataclass-ish values to JSON-ready data."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value
