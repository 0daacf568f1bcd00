"""ChannelAdvisor's order indexes: IDs by profile and export state, creation and import times, child IDs, OMS work.

``GET /v1/Orders`` reads candidates from here instead of every order (see ``ChannelAdvisorBackend.page``);
the sync tick reads ``pending`` (orders whose OMS action waits for the next sync) instead of every order.
Orders are only ever added (the import) and export flags change through :meth:`set_exported`, so the
indexes are kept eagerly; :meth:`check` compares them with a scan (simulator.invariants).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sortedcontainers import SortedList

from simulator.channeladvisor.models import CaFulfillment, CaOrder


class OrderIndex:
    """Every index over a backend's CA orders."""

    def __init__(self) -> None:
        self.by_profile: dict[int, SortedList] = {}  # profile -> order IDs
        self._export: dict[tuple[str, int], tuple[SortedList, SortedList]] = {}  # (app, profile) -> (yes, no)
        self.created: dict[int, SortedList] = {}  # profile -> (CreatedDateUtc, ID)
        self.imported: dict[int, SortedList] = {}  # profile -> (ImportDateUtc, ID)
        self.item_order: dict[int, int] = {}
        self.fulfillment_order: dict[int, int] = {}
        self.pending: set[int] = set()  # orders with an OMS action the next sync tick carries to TikTok

    def add(self, orders: Iterable[CaOrder]) -> None:
        """File newly imported orders (exported by no application yet): a sync tick's imports in one batch.

        A sorted list takes a batch in one merge (``update``), where an order at a time costs a bisection
        and an insert each; the lists hold the same values either way.
        """
        by_profile: dict[int, list[CaOrder]] = {}
        for order in orders:
            by_profile.setdefault(order.profile_id, []).append(order)
            for item in order.items:
                self.item_order[item.id] = order.id
            for fulfillment in order.fulfillments:
                self.fulfillment_order[fulfillment.id] = order.id
        for profile_id, batch in by_profile.items():
            ids = [order.id for order in batch]
            _keys(self.by_profile, profile_id).update(ids)
            _keys(self.created, profile_id).update([(order.created, order.id) for order in batch])
            _keys(self.imported, profile_id).update([(order.imported, order.id) for order in batch])
            for (_, profile), (_, no) in self._export.items():
                if profile == profile_id:
                    no.update(ids)

    def _flags(self, application_id: str, profile_id: int) -> tuple[SortedList, SortedList]:
        flags = self._export.get((application_id, profile_id))
        if flags is None:  # first use by this application: nothing exported yet
            flags = self._export[application_id, profile_id] = (
                SortedList(), SortedList(self.by_profile.get(profile_id, ())))
        return flags

    def set_exported(self, order: CaOrder, application_id: str, exported: bool) -> None:
        """Record ``order.exported_by`` after it changed for ``application_id`` (CA-2)."""
        yes, no = self._flags(application_id, order.profile_id)
        add, drop = (yes, no) if exported else (no, yes)
        drop.discard(order.id)
        if order.id not in add:
            add.add(order.id)

    def ids(self, profile_id: int, application_id: str, exported: bool | None) -> SortedList:
        """A profile's order IDs, ascending: all, or those ``application_id`` has (not) exported."""
        if exported is None:
            return self.by_profile.get(profile_id, SortedList())
        yes, no = self._flags(application_id, profile_id)
        return yes if exported else no

    def check(self, orders: Iterable[CaOrder]) -> list[str]:
        """Where an index disagrees with a scan of ``orders`` (empty: it agrees)."""
        problems: list[str] = []
        want: dict[str, dict[int, list[object]]] = {"by_profile": {}, "created": {}, "imported": {}}
        items: dict[int, int] = {}
        fulfillments: dict[int, int] = {}
        flags: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
        for order in sorted(orders, key=lambda o: o.id):
            want["by_profile"].setdefault(order.profile_id, []).append(order.id)
            want["created"].setdefault(order.profile_id, []).append((order.created, order.id))
            want["imported"].setdefault(order.profile_id, []).append((order.imported, order.id))
            items.update({i.id: order.id for i in order.items})
            fulfillments.update({f.id: order.id for f in order.fulfillments})
            for app, profile in self._export:
                if profile == order.profile_id:
                    flags.setdefault((app, profile), ([], []))[app not in order.exported_by].append(order.id)
            if in_flight(order) and order.id not in self.pending:
                problems.append(f"order {order.id} has OMS work for the next sync but is not pending")
        for name, have in (("by_profile", self.by_profile), ("created", self.created), ("imported", self.imported)):
            for profile in want[name].keys() | have.keys():
                if sorted(want[name].get(profile, [])) != list(have.get(profile, [])):  # type: ignore[type-var]
                    problems.append(f"{name}[{profile}] disagrees with the orders")
        for key, (yes, no) in self._export.items():
            if flags.get(key, ([], [])) != (list(yes), list(no)):
                problems.append(f"export flags of {key} disagree with the orders' exported_by")
        if items != self.item_order or fulfillments != self.fulfillment_order:
            problems.append("item or fulfillment IDs disagree with the orders")
        return problems


def _keys(lists: dict[int, SortedList], profile_id: int) -> SortedList:
    """A profile's sorted list, created on first use (not a new SortedList per call, as ``setdefault`` would)."""
    found = lists.get(profile_id)
    if found is None:
        found = lists[profile_id] = SortedList()
    return found


def unrelayed(fulfillment: CaFulfillment) -> bool:
    """A shipment the OMS made in ChannelAdvisor that has not reached TikTok yet (FUL-5)."""
    return fulfillment.shipped_date is not None and not fulfillment.relayed and fulfillment.relay_error is None


def in_flight(order: CaOrder) -> bool:
    """True while the OMS's action on the order (a shipment, an answer, a cancel) waits for the next sync."""
    return order.open_action() is not None or any(unrelayed(f) for f in order.fulfillments)


def between(keys: SortedList, low: tuple[datetime | None, bool], high: tuple[datetime | None, bool]) -> tuple[int, int]:
    """Positions of the ``(time, ID)`` keys whose time is within ``low``/``high`` (value, inclusive)."""
    (lo, lo_inc), (hi, hi_inc) = low, high
    start = 0 if lo is None else (keys.bisect_left((lo,)) if lo_inc else keys.bisect_right((lo, float("inf"))))
    end = len(keys) if hi is None else (keys.bisect_right((hi, float("inf"))) if hi_inc else keys.bisect_left((hi,)))
    return start, max(start, end)
