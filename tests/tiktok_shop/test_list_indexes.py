"""The list endpoints read the engine's indexes: over random worlds every page sequence equals a brute-force scan.

Get Order List, Search Package, Search Cancellations and Search Returns are answered from sorted partitions
(simulator/engine/index.py) in O(page); this test pages each of them through random filters and
sorts in random worlds and compares ids, order and ``total_count`` with a filter-and-sort over every
record, so an index bug (a missed re-filing, a wrong bound, a token off by one) cannot hide.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from simulator.engine import CancelStatus, Order, OrderStatus, PackageStatus, ReturnStatus
from simulator.tiktok_shop import cancellations as can
from simulator.tiktok_shop import fulfillment as ful
from simulator.tiktok_shop import orders as ords
from simulator.tiktok_shop import returns as rets
from simulator.world import World
from tests.tiktok_shop.histories import ACTIONS, TIMES, act


def _pages(run: Callable[[dict[str, str]], dict[str, Any]], key: str, size: int,
           ident: str = "id") -> tuple[list[str], set[int]]:
    seen: list[str] = []
    totals: set[int] = set()
    token = ""
    for _ in range(1000):
        data = orjson.loads(orjson.dumps(run({"page_size": str(size), "page_token": token})))  # as answered
        seen += [r[ident] for r in data[key]]
        totals.add(data["total_count"])
        token = data["next_page_token"]
        if not token:
            break
    return seen, totals


def _bounds(base: int, low: int | None, high: int | None, prefix: str) -> dict[str, int]:
    body = {}
    if low is not None:
        body[f"{prefix}_ge"] = base + low
    if high is not None:
        body[f"{prefix}_lt"] = base + high
    return body


def _in(value: int, body: dict[str, int], prefix: str) -> bool:
    return body.get(f"{prefix}_ge", value) <= value < body.get(f"{prefix}_lt", value + 1)


def _ts(when: Any) -> int:
    return int(when.timestamp())


QUERIES = st.fixed_dictionaries({
    "sort_field": st.sampled_from(["create_time", "update_time"]), "descending": st.booleans(),
    "size": st.integers(1, 7), "created": st.tuples(TIMES, TIMES), "updated": st.tuples(TIMES, TIMES),
    "status": st.one_of(st.none(), st.sampled_from(sorted(OrderStatus))), "pending": st.one_of(st.none(), st.booleans()),
    "by_buyer": st.booleans(), "package_status": st.one_of(st.none(), st.sampled_from(sorted(PackageStatus))),
    "package_sort": st.sampled_from(["create_time", "update_time", "order_pay_time"]),
    "cancel_statuses": st.one_of(st.none(), st.sets(st.sampled_from(sorted(CancelStatus)), min_size=1)),
    "return_statuses": st.one_of(st.none(), st.sets(st.sampled_from(sorted(ReturnStatus)), min_size=1)),
    "return_type": st.one_of(st.none(), st.sampled_from(["REFUND", "RETURN_AND_REFUND"])),
})


# A random history does not shrink usefully (minutes of work); the failing query is in the message.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=NO_SHRINK)
@given(history=st.randoms(use_true_random=False), length=st.integers(20, 120),
       queries=st.lists(QUERIES, min_size=4, max_size=12))
def test_indexed_lists_equal_a_scan(history: random.Random, length: int, queries: list[dict[str, Any]]) -> None:
    """Every list endpoint agrees with a scan in a world built by ``length`` random steps (LIFE-1, CAN-B4, FUL-1)."""
    world = World.create(seed=1, systems=["tiktok"])
    try:
        backend = world.systems["tiktok"]
        direct = [s.id for s in backend.catalog.shops.values() if s.profile == "direct"]
        shop = backend.catalog.shops[direct[0]]
        for step in range(length):  # drawn from one random source: hypothesis keeps lists short and alike
            act(world, direct, history.choice(ACTIONS), history.randint(0, 50), history.randint(60, 7200))
            if step % 10 == 9:  # reads between changes: a lazily kept index must catch up on each
                _compare(world, shop, **queries[step // 10 % len(queries)])
        for query in queries:
            _compare(world, shop, **query)
        assert world.engine.index.check() == []
    finally:
        world.close()


def _compare(world: World, shop: Any, *, sort_field: str, descending: bool, size: int,
             created: tuple[int | None, int | None], updated: tuple[int | None, int | None], status: str | None,
             pending: bool | None, by_buyer: bool, package_status: str | None, package_sort: str,
             cancel_statuses: set[str] | None, return_statuses: set[str] | None, return_type: str | None) -> None:
    backend, engine = world.systems["tiktok"], world.engine
    base = _ts(world.start)
    order_sort = {"sort_field": sort_field, "sort_order": "DESC" if descending else "ASC"}
    body: dict[str, Any] = {**_bounds(base, *created, "create_time"), **_bounds(base, *updated, "update_time")}
    mine = [o for o in engine.orders.values() if o.shop_id == shop.id]
    buyer = mine[0].buyer["user_id"] if by_buyer and mine else None
    body |= {k: v for k, v in (("order_status", status), ("is_buyer_request_cancel", pending),
                               ("buyer_user_id", buyer)) if v is not None}

    def order_ok(o: Order) -> bool:
        return ((status is None or o.status == status) and _in(_ts(o.create_time), body, "create_time")
                and _in(_ts(o.update_time), body, "update_time")
                and (pending is None or (o.pending_cancel_id is not None) == pending)
                and (buyer is None or o.buyer["user_id"] == buyer))

    want = [o.id for o in sorted((o for o in mine if order_ok(o)),
                                 key=lambda o: (_ts(getattr(o, sort_field)), o.id), reverse=descending)]
    got, totals = _pages(lambda q: ords.search_orders(backend, shop, {**q, **order_sort}, body), "orders", size)
    assert got == want and totals <= {len(want)}, (body, order_sort)

    package_body = {**_bounds(base, *created, "create_time"), **({"package_status": package_status}
                                                                  if package_status else {})}
    packages = [p for p in engine.packages.values() if engine.orders[p.order_id].shop_id == shop.id
                and (package_status is None or p.status == package_status)
                and _in(_ts(p.create_time), package_body, "create_time")]

    def package_key(p: Any) -> tuple[int, str]:
        when = {"create_time": p.create_time, "update_time": p.update_time,
                "order_pay_time": engine.orders[p.order_id].paid_time or p.create_time}[package_sort]
        return _ts(when), p.id

    want = [p.id for p in sorted(packages, key=package_key, reverse=descending)]
    package_sorting = {"sort_field": package_sort, "sort_order": "DESC" if descending else "ASC"}
    got, totals = _pages(lambda q: ful.search_packages(backend, shop, {**q, **package_sorting}, package_body),
                         "packages", size)
    assert got == want and totals <= {len(want)}, (package_body, package_sorting)

    cancel_body: dict[str, Any] = _bounds(base, *updated, "update_time")
    if cancel_statuses is not None:
        cancel_body["cancel_status"] = sorted(cancel_statuses)
    cancels = [c for c in engine.cancellations.values() if engine.orders[c.order_id].shop_id == shop.id
               and (cancel_statuses is None or c.status in cancel_statuses)
               and _in(_ts(c.update_time), cancel_body, "update_time")]
    want = [c.id for c in sorted(cancels, key=lambda c: (_ts(getattr(c, sort_field)), c.id), reverse=descending)]
    got, totals = _pages(lambda q: can.search_cancellations(backend, shop, {**q, **order_sort}, cancel_body),
                         "cancellations", size, "cancel_id")
    assert got == want and totals <= {len(want)}, (cancel_body, order_sort)

    return_body: dict[str, Any] = {**_bounds(base, *created, "create_time"), **_bounds(base, *updated, "update_time")}
    if return_statuses is not None:
        return_body["return_status"] = sorted(return_statuses)
    if return_type is not None:
        return_body["return_types"] = [return_type]
    if buyer is not None:
        return_body["buyer_user_ids"] = [buyer]
    returns = [r for r in engine.returns.values() if engine.orders[r.order_id].shop_id == shop.id
               and (return_statuses is None or r.status in return_statuses)
               and (return_type is None or r.return_type == return_type)
               and (buyer is None or engine.orders[r.order_id].buyer["user_id"] == buyer)
               and _in(_ts(r.create_time), return_body, "create_time")
               and _in(_ts(r.update_time), return_body, "update_time")]
    want = [r.id for r in sorted(returns, key=lambda r: (_ts(getattr(r, sort_field)), r.id), reverse=descending)]
    got, totals = _pages(lambda q: rets.search(backend, shop, {**q, **order_sort}, return_body),
                         "return_orders", size + 9, "return_id")  # Search Returns pages 10-50 rows
    assert got == want and totals <= {len(want)}, (return_body, order_sort)
