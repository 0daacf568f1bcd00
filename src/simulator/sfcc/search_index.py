"""``order_search``'s indexes: orders per site in creation order, by normalized value of the common term fields.

The OrderBook files every order it creates or commits (``file``, done at the next read); ``order_search`` reads the narrowest
posting its query's conjuncts name instead of every order of the site (simulator.sfcc.search).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from sortedcontainers import SortedList

from simulator.sfcc.models import SfccOrder

# Term fields partners search on; values normalized as the search compares them (str(value).lower()).
INDEXED = ("order_no", "status", "export_status", "shipping_status", "confirmation_status", "payment_status",
           "customer_email", "c_externalOrderId", "c_externalExportStatus", "c_externalChannelOrderStatus",
           "c_externalOrderStatus")


def norm(value: Any) -> str:
    """How order_search compares a value: ``str(value).lower()``, sharing strings (it is kept per order)."""
    if value.__class__ is str:
        lowered = value.lower()
        return value if lowered == value else sys.intern(lowered)  # the order's own string, not a copy
    if value.__class__ is int:  # the cartridge's enum-of-int attributes: a handful of values, on every change
        known = _INTS.get(value)
        if known is not None:
            return known
    return sys.intern(str(value).lower())  # numbers, None, mixed case: few distinct values


_INTS = {number: sys.intern(str(number)) for number in range(-1, 16)}


def _value(order: SfccOrder, field: str) -> Any:
    if field.startswith("c_"):
        return order.custom.get(field[2:])
    return getattr(order, field)


def _values(order: SfccOrder) -> tuple[str, ...]:
    """The normalized values of :data:`INDEXED`, in that order (spelled out: it runs on every change)."""
    custom = order.custom.get
    return tuple(map(norm, (order.order_no, order.status, order.export_status, order.shipping_status,
                            order.confirmation_status, order.payment_status, order.customer_email,
                            custom("externalOrderId"), custom("externalExportStatus"),
                            custom("externalChannelOrderStatus"), custom("externalOrderStatus"))))


class SearchIndex:
    """Order numbers per site (ascending = creation order) and per ``(site, field, normalized value)``.

    Filing is deferred to the next read: :meth:`file` notes the order, and every reader (``by_site``,
    ``created``, :meth:`posting`, :meth:`check`) first files what was noted, each order as it is then.
    The book notes an order after every change it makes, so a reader sees what filing at each change
    would have built (tests/sfcc/test_search_index.py), while a run nobody searches (a full world's
    day: create, then the export job's status change) files nothing.
    """

    def __init__(self) -> None:
        self._by_site: dict[str, SortedList] = {}
        self._created: dict[str, SortedList] = {}  # site -> (normalized creation_date, order_no)
        self._noted: dict[str, SfccOrder] = {}  # order_no -> the order to file at the next read
        # (site, field) -> normalized value -> the one order number, or a set of several (most values of
        # order_no, c_externalOrderId, customer_email name one order: no set per order).
        self._postings: dict[tuple[str, str], dict[str, str | set[str]]] = {}
        self._filed: dict[str, tuple[str, ...]] = {}  # order_no -> values of INDEXED (an order keeps its site)
        self._fields: dict[str, tuple[dict[str, str | set[str]], ...]] = {}  # site -> its postings, as INDEXED

    def file(self, order: SfccOrder) -> None:
        """(Re-)file an order after it was created or changed (done at the next read)."""
        self._noted[order.order_no] = order

    @property
    def by_site(self) -> dict[str, SortedList]:
        """Site -> its order numbers, ascending."""
        self._catch_up()
        return self._by_site

    @property
    def created(self) -> dict[str, SortedList]:
        """Site -> ``(normalized creation_date, order_no)`` of its orders, ascending."""
        self._catch_up()
        return self._created

    def _catch_up(self) -> None:
        if self._noted:
            noted, self._noted = self._noted, {}
            for order in noted.values():
                self.file_now(order)

    def file_now(self, order: SfccOrder) -> None:
        """File an order as it is now (what :meth:`file` defers)."""
        site, values = order.site_id, _values(order)
        old = self._filed.get(order.order_no)
        if old is None:
            if site not in self._by_site:  # not setdefault: that would build a SortedList per order
                self._by_site[site], self._created[site] = SortedList(), SortedList()
            self._by_site[site].add(order.order_no)
            self._created[site].add((norm(order.creation_date.isoformat()), order.order_no))
            before: tuple[str | None, ...] = (None,) * len(INDEXED)  # equal to no value: every posting is added
        elif old == values:
            return
        else:
            before = old
        no = order.order_no
        fields = self._fields.get(site)
        if fields is None:
            fields = self._fields[site] = tuple(self._postings.setdefault((site, field), {}) for field in INDEXED)
        for postings, was, value in zip(fields, before, values, strict=True):
            if was == value:
                continue
            if was is not None:
                members = postings[was]
                if isinstance(members, str):
                    del postings[was]
                else:
                    members.discard(no)
                    if len(members) == 1:
                        postings[was] = next(iter(members))
            present = postings.get(value)
            if present is None:
                postings[value] = no
            elif isinstance(present, str):
                postings[value] = {present, no}
            else:
                present.add(no)
        self._filed[no] = values

    def posting(self, site_id: str, field: str, value: str) -> set[str]:
        """Order numbers of a site whose ``field`` normalizes to ``value`` (a new set: the caller may change it)."""
        self._catch_up()
        members = self._postings.get((site_id, field), {}).get(value)
        return set() if members is None else {members} if isinstance(members, str) else set(members)

    def check(self, orders: Iterable[SfccOrder]) -> list[str]:
        """Where the index disagrees with a scan of ``orders`` (empty: it agrees)."""
        self._catch_up()
        problems: list[str] = []
        postings: dict[tuple[str, str, str], set[str]] = {}
        sites: dict[str, list[str]] = {}
        created: dict[str, list[tuple[str, str]]] = {}
        for order in orders:
            sites.setdefault(order.site_id, []).append(order.order_no)
            created.setdefault(order.site_id, []).append((norm(order.creation_date.isoformat()), order.order_no))
            for field in INDEXED:
                postings.setdefault((order.site_id, field, norm(_value(order, field))), set()).add(order.order_no)
        for site in sites.keys() | self._by_site.keys():
            if sorted(sites.get(site, [])) != list(self._by_site.get(site, [])):
                problems.append(f"orders of site {site} disagree with the index")
            if sorted(created.get(site, [])) != list(self._created.get(site, [])):
                problems.append(f"creation times of site {site} disagree with the index")
        have = {(site, field, value): {members} if isinstance(members, str) else set(members)
                for (site, field), by_value in self._postings.items() for value, members in by_value.items()}
        for key in postings.keys() | have.keys():
            if postings.get(key, set()) != have.get(key, set()):
                problems.append(f"posting {key} disagrees with the orders")
        return problems
