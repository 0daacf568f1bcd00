"""Order API operations: Get Order List (filters, sort, keyset paging) and Get Order Detail, scoped to a shop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from simulator.engine import Order, OrderStatus
from simulator.tiktok_shop import errors as E
from simulator.tiktok_shop import params as P
from simulator.tiktok_shop.paging import Source, fingerprint, search
from simulator.tiktok_shop.serializers import ts

if TYPE_CHECKING:
    from simulator.tiktok_shop.backend import TikTokBackend
    from simulator.tiktok_shop.catalog import Shop

SHIPPING_TYPES = ("TIKTOK", "SELLER", "TIKTOK_DIGITAL")


def _filters(body: Mapping[str, Any]) -> dict[str, Any]:
    status = P.optional_str(body, "order_status")
    if status is not None and status not in OrderStatus.__members__:
        raise E.InvalidParameter(f"Invalid request parameter. Unknown 'order_status' {status!r}.")
    shipping_type = P.optional_str(body, "shipping_type")
    if shipping_type is not None and shipping_type not in SHIPPING_TYPES:
        raise E.InvalidParameter(f"Invalid request parameter. Unknown 'shipping_type' {shipping_type!r}.")
    return {
        "order_status": status, "create_time": P.time_range(body, "create_time"),
        "update_time": P.time_range(body, "update_time"), "shipping_type": shipping_type,
        "buyer_user_id": P.optional_str(body, "buyer_user_id"),
        "is_buyer_request_cancel": P.optional_bool(body, "is_buyer_request_cancel"),
        "warehouse_ids": P.str_list(body, "warehouse_ids", max_items=100),
    }


def _in_range(value: int | None, bounds: tuple[int | None, int | None]) -> bool:
    low, high = bounds
    if low is None and high is None:
        return True
    return value is not None and (low is None or value >= low) and (high is None or value < high)


def _matches(order: Order, f: dict[str, Any]) -> bool:
    return (
        (f["order_status"] is None or order.status == f["order_status"])
        and _in_range(ts(order.create_time), f["create_time"])
        and _in_range(ts(order.update_time), f["update_time"])
        and (f["shipping_type"] in (None, "SELLER"))
        and (f["buyer_user_id"] is None or order.buyer.get("user_id") == f["buyer_user_id"])
        and (f["is_buyer_request_cancel"] is None
             or (order.pending_cancel_id is not None) == f["is_buyer_request_cancel"])
        and (f["warehouse_ids"] is None or order.warehouse_id in f["warehouse_ids"])
    )


def search_orders(backend: TikTokBackend, shop: Shop, query: Mapping[str, str], body: Mapping[str, Any]) -> dict[str, Any]:
    """Get Order List: ``page_size`` 1-100 (required), ``sort_field``, ``sort_order``, opaque ``page_token``.

    Served from the engine's order index: O(log n + page) when at most one of status, buyer and
    "buyer request pending" is filtered (plus the sort field's range); otherwise the smallest of those
    partitions is read and filtered.
    """
    size = P.page_size(query, maximum=100)
    sort_field = P.choice(query, "sort_field", ("create_time", "update_time"), "create_time")
    descending = P.choice(query, "sort_order", ("ASC", "DESC"), "DESC") == "DESC"
    filters = _filters(body)
    engine = backend.engine
    given = {k for k, v in filters.items() if v not in (None, (None, None))} - {sort_field}
    if filters["shipping_type"] == "SELLER":
        given.discard("shipping_type")  # every order is seller-shipped: no filter at all
    sources = [Source((("shop", shop.id),), exact=not given)]
    if filters["shipping_type"] not in (None, "SELLER"):
        sources.append(Source(exact=True))  # orders are seller-shipped: nothing matches
    for name, part in (("order_status", ("status", shop.id, filters["order_status"])),
                       ("buyer_user_id", ("buyer", shop.id, filters["buyer_user_id"])),
                       ("is_buyer_request_cancel", ("pending", shop.id))):
        if name in given and (name != "is_buyer_request_cancel" or filters[name]):
            sources.append(Source((part,), exact=given == {name}))
    page = search(
        engine.index.orders, sort_field, sources, filters[sort_field], lambda i: _matches(engine.orders[i], filters),
        descending=descending, size=size, token=query.get("page_token") or None,
        fp=fingerprint(shop.id, filters, sort_field, descending),
    )
    rendered = backend.rendered
    return {
        "orders": [rendered.order(engine.orders[i], detail=False) for i in page.items],
        "next_page_token": page.next_page_token, "total_count": page.total_count,
    }


def order_detail(backend: TikTokBackend, shop: Shop, query: Mapping[str, str]) -> dict[str, Any]:
    """Get Order Detail: up to 50 ``ids``; ids unknown to this shop are left out (UNCERTAIN: no error)."""
    ids = P.ids_param(query, "ids", max_items=50)
    orders = [backend.engine.orders.get(i) for i in ids]
    rendered = backend.rendered
    return {"orders": [rendered.order(o) for o in orders if o is not None and o.shop_id == shop.id]}
