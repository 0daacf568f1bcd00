"""Records by partition, each partition sorted by ``(int key, id)``: O(log n) counts, ranges and keyset pages."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Generic, TypeVar

from sortedcontainers import SortedList

T = TypeVar("T")
Key = tuple[int, str]  # (sort value, record id): the keyset position of a record
Bounds = tuple[int | None, int | None]  # low inclusive, high exclusive; None is open
_EMPTY: SortedList = SortedList()


class SortedKeys:
    """The keys of one partition for one sort field, in ascending ``(value, id)`` order."""

    __slots__ = ("_keys",)

    def __init__(self, keys: SortedList | None = None) -> None:
        self._keys = SortedList() if keys is None else keys

    def __len__(self) -> int:
        return len(self._keys)

    def _span(self, bounds: Bounds) -> tuple[int, int]:
        low, high = bounds
        # (v, "") sorts before every (v, id): a bound on the value alone.
        start = 0 if low is None else self._keys.bisect_left((low, ""))
        end = len(self._keys) if high is None else self._keys.bisect_left((high, ""))
        return start, max(start, end)

    def count(self, bounds: Bounds = (None, None)) -> int:
        """How many keys have a value within ``bounds``."""
        start, end = self._span(bounds)
        return end - start

    def window(self, bounds: Bounds = (None, None), *, descending: bool = False,
               after: Key | None = None) -> Iterator[Key]:
        """Keys within ``bounds`` in sort order, starting strictly after ``after`` (a keyset token)."""
        start, end = self._span(bounds)
        if after is not None:
            if descending:
                end = min(end, self._keys.bisect_left(after))
            else:
                start = max(start, self._keys.bisect_right(after))
        if start >= end:
            return iter(())
        if descending:
            return self._keys.islice(start, end, reverse=True)  # type: ignore[no-any-return]
        return self._keys.islice(start, end)  # type: ignore[no-any-return]

    def at(self, start: int, stop: int) -> list[Key]:
        """Keys by position (``$skip``-style paging)."""
        return list(self._keys.islice(start, stop))


class RecordIndex(Generic[T]):
    """Records filed under partitions (e.g. ``("shop", id)``, ``("status", id, s)``), sorted per field.

    ``update(record)`` re-files a record after any change (O(log n) when something moved, O(1) when
    nothing did); owners call it for every record they changed, or mark records and call it later.
    ``check(records)`` compares the index with a scan of ``records`` (the invariant that keeps an
    index bug from hiding: simulator.invariants).
    """

    def __init__(self, ident: Callable[[T], str], partitions: Callable[[T], Iterable[Hashable]],
                 fields: Mapping[str, Callable[[T], int]]) -> None:
        self._ident, self._partitions = ident, partitions
        self._fields = dict(fields)
        self._getters = tuple(self._fields.values())
        self._names = tuple(self._fields)
        self._filed: dict[str, tuple[tuple[Hashable, ...], tuple[Key, ...]]] = {}
        self._parts: dict[Hashable, tuple[SortedList, ...]] = {}

    def __len__(self) -> int:
        return len(self._filed)

    def _placement(self, record: T) -> tuple[tuple[Hashable, ...], tuple[Key, ...]]:
        ident = self._ident(record)
        return tuple(self._partitions(record)), tuple((get(record), ident) for get in self._getters)

    def update(self, record: T) -> None:
        """File ``record`` where it belongs now."""
        ident = self._ident(record)
        new = self._placement(record)
        old = self._filed.get(ident)
        if old == new:
            return
        if old is not None:
            self._unfile(old)
        parts, keys = new
        for part in parts:
            lists = self._parts.get(part)
            if lists is None:
                lists = self._parts[part] = tuple(SortedList() for _ in self._getters)
            for keyed, key in zip(lists, keys, strict=True):
                keyed.add(key)
        self._filed[ident] = new

    def remove(self, ident: str) -> None:
        """Forget a record."""
        old = self._filed.pop(ident, None)
        if old is not None:
            self._unfile(old)

    def _unfile(self, placement: tuple[tuple[Hashable, ...], tuple[Key, ...]]) -> None:
        parts, keys = placement
        for part in parts:
            lists = self._parts[part]
            for keyed, key in zip(lists, keys, strict=True):
                keyed.remove(key)
            if not lists[0]:
                del self._parts[part]

    def keys(self, partition: Hashable, field: str) -> SortedKeys:
        """The sorted keys of one partition (empty when nothing is filed there)."""
        lists = self._parts.get(partition)
        return SortedKeys(lists[self._names.index(field)] if lists is not None else _EMPTY)

    def key_of(self, ident: str, field: str) -> Key | None:
        """The key a filed record sorts by on ``field`` (None: not filed)."""
        filed = self._filed.get(ident)
        return filed[1][self._names.index(field)] if filed is not None else None

    def size(self, partition: Hashable) -> int:
        """How many records a partition holds."""
        lists = self._parts.get(partition)
        return len(lists[0]) if lists is not None else 0

    def check(self, records: Iterable[T]) -> list[str]:
        """Where the index disagrees with a scan of ``records`` (empty: it agrees)."""
        problems: list[str] = []
        expected: dict[Hashable, list[list[Key]]] = {}
        seen: set[str] = set()
        for record in records:
            ident = self._ident(record)
            seen.add(ident)
            placement = self._placement(record)
            if self._filed.get(ident) != placement:
                problems.append(f"{ident}: filed as {self._filed.get(ident)}, is {placement}")
            for part in placement[0]:
                columns = expected.setdefault(part, [[] for _ in self._getters])
                for column, key in zip(columns, placement[1], strict=True):
                    column.append(key)
        problems += [f"{ident}: filed but not a record" for ident in self._filed.keys() - seen]
        for part in expected.keys() | self._parts.keys():
            want = [sorted(c) for c in expected.get(part, [])] or [[] for _ in self._getters]
            have = [list(keyed) for keyed in self._parts.get(part, ())] or [[] for _ in self._getters]
            for name, w, h in zip(self._names, want, have, strict=True):
                if w != h:
                    problems.append(f"partition {part!r} by {name}: {len(h)} keys filed, {len(w)} expected")
        return problems


def page_of(keys: Iterable[Key], size: int) -> tuple[list[Key], bool]:
    """The first ``size`` keys and whether more follow."""
    taken = list(islice(keys, size + 1))
    return taken[:size], len(taken) > size
