"""``order_search``'s indexes: orders per site in creation order, by normalized value of the common term fields.

The OrderBook files every order it creates or commits (``file``); ``order_search`` reads the narrowest
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
    """Order numbers per site (ascending = creation order) and per ``(site, field, normalized value)``."""

    def __init__(self) -> None:
        self.by_site: dict[str, SortedList] = {}
        self.created: dict[str, SortedList] = {}  # site -> (normalized creation_date, order_no)
        # (site, field) -> normalized value -> the one order number, or a set of several (most values of
        # order_no, c_externalOrderId, customer_email name one order: no set per order).
        self._postings: dict[tuple[str, str], dict[str, str | set[str]]] = {}
        self._filed: dict[str, tuple[str, ...]] = {}  # order_no -> values of INDEXED (an order keeps its site)
        self._fields: dict[str, tuple[dict[str, str | set[str]], ...]] = {}  # site -> its postings, as INDEXED

    def file(self, order: SfccOrder) -> None:
        """(Re-)file an order after it was created or changed."""
        site, values = order.site_id, _values(order)
        old = self._filed.get(order.order_no)
        if old is None:
            if site not in self.by_site:  # not setdefault: that would build a SortedList per order
                self.by_site[site], self.created[site] = SortedList(), SortedList()
            self.by_site[site].add(order.order_no)
            self.created[site].add((norm(order.creation_date.isoformat()), order.order_no))
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
        members = self._postings.get((site_id, field), {}).get(value)
        return set() if members is None else {members} if isinstance(members, str) else set(members)

    def check(self, orders: Iterable[SfccOrder]) -> list[str]:
        """Where the index disagrees with a scan of ``orders`` (empty: it agrees)."""
        problems: list[str] = []
        postings: dict[tuple[str, str, str], set[str]] = {}
        sites: dict[str, list[str]] = {}
        created: dict[str, list[tuple[str, str]]] = {}
        for order in orders:
            sites.setdefault(order.site_id, []).append(order.order_no)
            created.setdefault(order.site_id, []).append((norm(order.creation_date.isoformat()), order.order_no))
            for field in INDEXED:
                postings.setdefault((order.site_id, field, norm(_value(order, field))), set()).add(order.order_no)
        for site in sites.keys() | self.by_site.keys():
            if sorted(sites.get(site, [])) != list(self.by_site.get(site, [])):
                problems.append(f"orders of site {site} disagree with the index")
            if sorted(created.get(site, [])) != list(self.created.get(site, [])):
                problems.append(f"creation times of site {site} disagree with the index")
        have = {(site, field, value): {members} if isinstance(members, str) else set(members)
                for (site, field), by_value in self._postings.items() for value, members in by_value.items()}
        for key in postings.keys() | have.keys():
            if postings.get(key, set()) != have.get(key, set()):
                problems.append(f"posting {key} disagrees with the orders")
        return problems
