"""Append-only record of every request, state change, webhook, email and file (powers reports)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

from simulator.clock import Clock


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


class Entry:
    """One journal line: a sequence number, the virtual time, a dotted kind and plain data.

    Entries recorded from engine events keep the event and build ``data`` on first read, so the
    hot path (thousands of state changes per advance) costs one small object per change.
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


class Journal:
    """Entries in the order they happened; queries filter by sequence, time, kind prefix and order.

    An entry's sequence number is its position. Engine events are stored as they arrive (the engine
    emits a dozen per order lifecycle) and become :class:`Entry` objects the first time they are read.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: list[Entry | Payload] = []
        self.record_event: Callable[[Payload], None] = self._entries.append
        """Append an engine event (the engine's journal subscriber; a bound ``list.append``)."""

    def record(self, kind: str, /, **data: Any) -> Entry:
        """Append an entry stamped with the world clock."""
        entry = Entry(len(self._entries) + 1, self._clock.now(), kind, data)
        self._entries.append(entry)
        return entry

    def _entry(self, index: int) -> Entry:
        item = self._entries[index]
        if isinstance(item, Entry):
            return item
        entry = Entry(index + 1, item.at, item.topic, None, item)
        self._entries[index] = entry
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return (self._entry(i) for i in range(len(self._entries)))

    def entries(
        self,
        *,
        since: int | None = None,
        since_time: datetime | None = None,
        kind: str | None = None,
        order_id: str | None = None,
    ) -> list[Entry]:
        """Entries after sequence ``since`` / at or after ``since_time``, whose kind starts with ``kind``."""
        start = since or 0
        result = []
        for index in range(start, len(self._entries)):
            entry = self._entry(index)
            if since_time is not None and entry.at < since_time:
                continue
            if kind is not None and not (entry.kind == kind or entry.kind.startswith(kind.rstrip(".") + ".")):
                continue
            if order_id is not None and entry.data.get("order_id") != order_id:
                continue
            result.append(entry)
        return result


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
