"""``order_search`` reads postings: over random worlds and queries it equals a scan of the site's orders (FUL-3).

The reference is what the route did before the index: every order of the site, the predicate, the
sorts, the page. The indexed path (candidates from the narrowest posting, the creation-order slice
for ``match_all_query``) must give the same hits, total and start, so an index bug cannot hide.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.sfcc.search import search
from simulator.sfcc.search_index import INDEXED, SearchIndex, norm
from simulator.world import World

FIELDS = ("order_no", "status", "export_status", "shipping_status", "c_externalOrderId", "c_externalExportStatus",
          "c_externalChannelOrderStatus", "customer_email", "customer_name", "creation_date")


def _world(rnd: random.Random, orders: int) -> World:
    world = World.create(seed=rnd.randint(0, 9))
    tiktok, sfcc = world.systems["tiktok"], world.systems["sfcc"]
    for _ in range(orders):
        tiktok.place_order(profile="sfcc")
        world.advance(seconds=rnd.choice([60, 900, 3700]))
    book = sfcc.orders
    for order_no in sorted(book.orders)[: orders // 2]:  # some orders move on: postings must follow
        order = book.orders[order_no]
        book.put_status(order.site_id, order_no, "status", {"status": rnd.choice(["open", "new", "cancelled"])})
    world.advance(seconds=rnd.choice([0, 900]))
    return world


def _values(rnd: random.Random, world: World, field: str) -> list[Any]:
    seen = []
    for order in world.systems["sfcc"].orders.orders.values():
        value = order.custom.get(field[2:]) if field.startswith("c_") else getattr(order, field)
        seen.append(value.isoformat() if hasattr(value, "isoformat") else value)
    pool = seen + ["nope", "NEW", 1, 2, 3]
    return [rnd.choice(pool) for _ in range(rnd.randint(1, 3))]


def _term(rnd: random.Random, world: World) -> dict[str, Any]:
    fields = rnd.sample(FIELDS, rnd.randint(1, 2))
    return {"term_query": {"fields": fields, "operator": rnd.choice(["is", "one_of", "not_in", "greater"]),
                           "values": _values(rnd, world, fields[0])}}


def _filter(rnd: random.Random, world: World, depth: int = 0) -> dict[str, Any]:
    roll = rnd.random()
    if roll < 0.5 or depth > 1:
        field = rnd.choice(FIELDS)
        return {"term_filter": {"field": field, "operator": rnd.choice(["is", "one_of", "not_in"]),
                                "values": _values(rnd, world, field)}}
    if roll < 0.7:
        return {"range_filter": {"field": "creation_date", "from": str(_values(rnd, world, "creation_date")[0])}}
    return {"bool_filter": {"operator": rnd.choice(["and", "or", "not"]),
                            "filters": [_filter(rnd, world, depth + 1) for _ in range(rnd.randint(1, 3))]}}


def _query(rnd: random.Random, world: World, depth: int = 0) -> dict[str, Any]:
    roll = rnd.random()
    if roll < 0.2:
        return {"match_all_query": {}}
    if roll < 0.5 or depth > 1:
        return _term(rnd, world)
    if roll < 0.6:
        return {"text_query": {"fields": ["customer_name"], "search_phrase": rnd.choice(["a", "e", "zz"])}}
    if roll < 0.8:
        return {"filtered_query": {"query": _query(rnd, world, depth + 1), "filter": _filter(rnd, world)}}
    return {"bool_query": {key: [_query(rnd, world, depth + 1) for _ in range(rnd.randint(0, 2))]
                           for key in ("must", "must_not", "should") if rnd.random() < 0.6}}


def _request(rnd: random.Random, world: World) -> dict[str, Any]:
    request: dict[str, Any] = {"query": _query(rnd, world), "count": rnd.choice([1, 3, 25])}
    if rnd.random() < 0.5:
        request["start"] = rnd.randint(0, 6)
    if rnd.random() < 0.4:
        request["sorts"] = [{"field": rnd.choice(["creation_date", "order_no", "status"]),
                             "sort_order": rnd.choice(["asc", "desc"])}]
    return request


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32))
def test_order_search_from_the_index_equals_a_scan(seed: int) -> None:
    """FUL-3: postings, the creation-order slice and the scan fallback all give a scan's page and total."""
    rnd = random.Random(seed)
    world = _world(rnd, rnd.randint(0, 9))
    book = world.systems["sfcc"].orders
    assert book.index_problems() == []
    sites = sorted({o.site_id for o in book.orders.values()} | {"RefArch"})
    for _ in range(25):
        site, request = rnd.choice(sites), _request(rnd, world)
        scan = search([o for o in book.orders.values() if o.site_id == site], request)
        indexed = search((book.orders[n] for n in book.index.by_site.get(site, ())), request, book.index,
                         book.orders, site)
        assert ([o.order_no for o in indexed[0]], indexed[1:]) == ([o.order_no for o in scan[0]], scan[1:]), request


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=8), st.integers(-5, 40), st.booleans(), st.none(), st.floats(allow_nan=False),
                 st.sampled_from(["New", "NEW", "new", "İ", "ß", "00000001"])))
def test_norm_is_str_lower(value: Any) -> None:
    """The index compares values as the search does, ``str(value).lower()``, whatever shortcut norm takes (FUL-3)."""
    assert norm(value) == str(value).lower()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32))
def test_filing_at_the_next_read_equals_filing_at_each_change(seed: int) -> None:
    """FUL-3: the index files what the book noted when it is next read; every read (by_site, created, posting,
    check) sees what filing each change at once would have built."""
    rnd = random.Random(seed)
    world = World.create(seed=rnd.randint(0, 9))
    tiktok, book = world.systems["tiktok"], world.systems["sfcc"].orders
    eager, noted = SearchIndex(), book.index.file

    def both(order: Any) -> None:
        noted(order)
        eager.file_now(order)  # what the index did before deferring

    book.index.file = both  # type: ignore[method-assign]
    for _ in range(rnd.randint(4, 14)):
        roll = rnd.random()
        if roll < 0.35 or not book.orders:
            tiktok.place_order(profile="sfcc")
            world.advance(seconds=rnd.choice([60, 900, 3700]))
        elif roll < 0.6:
            order = book.orders[rnd.choice(sorted(book.orders))]
            book.put_status(order.site_id, order.order_no, "status", {"status": rnd.choice(["open", "cancelled"])})
        elif roll < 0.75:
            book.mark_exported(rnd.choice(sorted(book.orders)), rnd.random() < 0.7)
        elif roll < 0.85:
            book.channel_cancel(rnd.choice(sorted(book.orders)))
        else:
            world.advance(seconds=rnd.choice([900, 3600]))
        if book.orders and rnd.random() < 0.4:  # a read in between: what was noted so far is filed now
            order, field = rnd.choice(list(book.orders.values())), rnd.choice(INDEXED)
            value = norm(order.custom.get(field[2:]) if field.startswith("c_") else getattr(order, field))
            assert book.index.posting(order.site_id, field, value) == eager.posting(order.site_id, field, value)
    index = book.index
    assert {s: list(v) for s, v in index.by_site.items()} == {s: list(v) for s, v in eager.by_site.items()}
    assert {s: list(v) for s, v in index.created.items()} == {s: list(v) for s, v in eager.created.items()}
    assert index._postings == eager._postings and index._filed == eager._filed
    assert book.index_problems() == []
    world.close()
