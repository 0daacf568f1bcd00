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
    """How order_search compares a value (interned: the few status values are shared by every order)."""
    return sys.intern(str(value).lower())


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
        self._postings: dict[tuple[str, str, str], set[str]] = {}
        self._filed: dict[str, tuple[str, tuple[str, ...]]] = {}  # order_no -> (site, values of INDEXED)

    def file(self, order: SfccOrder) -> None:
        """(Re-)file an order after it was created or changed."""
        site, values = order.site_id, _values(order)
        old = self._filed.get(order.order_no)
        if old is None:
            self.by_site.setdefault(site, SortedList()).add(order.order_no)
            self.created.setdefault(site, SortedList()).add((norm(order.creation_date.isoformat()), order.order_no))
            before: tuple[str | None, ...] = (None,) * len(INDEXED)  # equal to no value: every posting is added
        elif old[1] == values:
            return
        else:
            before = old[1]
        for field, was, value in zip(INDEXED, before, values, strict=True):
            if was != value:
                if was is not None:
                    self._postings[site, field, was].discard(order.order_no)
                self._postings.setdefault((site, field, value), set()).add(order.order_no)
        self._filed[order.order_no] = (site, values)

    def posting(self, site_id: str, field: str, value: str) -> set[str]:
        """Order numbers of a site whose ``field`` normalizes to ``value``."""
        return self._postings.get((site_id, field, value), set())

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
        for key in postings.keys() | self._postings.keys():
            if postings.get(key, set()) != self._postings.get(key, set()):
                problems.append(f"posting {key} disagrees with the orders")
        return problems
