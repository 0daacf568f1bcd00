"""Equal immutable values (datetimes, decimals) handed out as one shared object, so records keep references."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


def time_key(value: datetime) -> Hashable:
    """Datetimes are shared only when they print the same: equal instants in other zones or folds are not.

    A UTC datetime (the world clock's) is its own key: two equal ones print the same.
    """
    if value.tzinfo is UTC and not value.fold:
        return value
    return value, value.tzinfo, value.fold


def decimal_key(value: object) -> Hashable:
    """Decimals are shared only when they print the same (``1.0`` and ``1.00`` are equal but differ)."""
    if isinstance(value, Decimal):
        return value.as_tuple()
    return type(value), value  # an int or float given where a Decimal was expected: shared with its own kind


class Shared(Generic[T]):
    """The distinct values seen lately: a value equal to one of them comes back as that one object.

    Thousands of orders placed at one instant get deadlines that are equal but computed apart; kept
    shared they cost a reference each instead of an object each. The table holds at most ``limit``
    values and starts over when full (sharing saves memory, it never changes a value).
    """

    __slots__ = ("_seen", "_key", "_limit")

    def __init__(self, key: Callable[[T], Hashable], limit: int = 1024) -> None:
        self._seen: dict[Hashable, T] = {}
        self._key = key
        self._limit = limit

    def __call__(self, value: T) -> T:
        key = self._key(value)
        seen = self._seen.get(key)
        if seen is not None:
            return seen
        if len(self._seen) >= self._limit:
            self._seen.clear()
        self._seen[key] = value
        return value


amounts: Shared[Decimal] = Shared(decimal_key, limit=4096)
"""Money amounts of records (totals, payments): few distinct values across every world of a process."""
