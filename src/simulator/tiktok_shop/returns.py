"""Return and Refund API: Search Returns, Get Return Records, Approve/Reject Return, Create Return, eligibility.

Paths and fields from the API doc (return_refund 202309; the newer versions real SDKs call are served by
the same handlers). Search Returns pages 10-50 rows (default 10), sorted by ``create_time`` ascending
by default; both spellings of the rejected status (``REFUND_OR_RETURN_REQUEST_REJECT`` and
``RETURN_OR_REFUND_REQUEST_REJECT``) are accepted in filters. Replacement requests and arbitration are
not simulated: their filter values are accepted and match nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from simulator.engine import Order, Return, ReturnType, Role
from simulator.tiktok_shop import errors as E
from simulator.tiktok_shop import params as P
from simulator.tiktok_shop.paging import fingerprint, request_sources, within
from simulator.tiktok_shop.paging import search as search_index
from simulator.tiktok_shop.serializers import REPLACEMENT_STATUSES, RETURN_STATUS_ALIASES, reason_text

if TYPE_CHECKING:
    from simulator.tiktok_shop.backend import TikTokBackend
    from simulator.tiktok_shop.catalog import Shop

RETURN_TYPES = ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT")
ARBITRATION = ("IN_PROGRESS", "SUPPORT_BUYER", "SUPPORT_SELLER", "CLOSED")
MODULE = "returns"


def find(backend: TikTokBackend, shop: Shop, return_id: str) -> Return:
    """The return, if it belongs to one of the shop's orders (else 25020001)."""
    ret = backend.engine.returns.get(return_id)
    if ret is None or backend.engine.orders[ret.order_id].shop_id != shop.id:
        raise E.ReturnNotFound(f"Return {return_id} not found.")
    return ret


def render(backend: TikTokBackend, ret: Return) -> dict[str, Any]:
    """One ``return_orders[]`` row."""
    return backend.serializer.return_order(ret, backend.engine.orders[ret.order_id], backend.engine.next_action(ret))


def _key(query: Mapping[str, str]) -> str | None:
    return P.optional_str(query, "idempotency_key", max_length=255) or None


def _enum_list(body: Mapping[str, Any], name: str, allowed: tuple[str, ...] | dict[str, Any]) -> list[str] | None:
    values = P.str_list(body, name, max_items=100)
    if values is not None and any(v not in allowed for v in values):
        raise E.InvalidParameter(f"Invalid request parameter. Unknown '{name}' value.")
    return values


def search(backend: TikTokBackend, shop: Shop, query: Mapping[str, str], body: Mapping[str, Any]) -> dict[str, Any]:
    """Search Returns (RET-1..RET-4)."""
    size = P.page_size(query, maximum=50, minimum=10, required=False, default=10)
    sort_field = P.choice(query, "sort_field", ("create_time", "update_time"), "create_time")
    descending = P.choice(query, "sort_order", ("ASC", "DESC"), "ASC") == "DESC"
    statuses = _enum_list(body, "return_status", {**RETURN_STATUS_ALIASES, **dict.fromkeys(REPLACEMENT_STATUSES)})
    P.optional_str(body, "locale", max_length=64)
    f = {"return_ids": P.str_list(body, "return_ids", max_items=100),
         "order_ids": P.str_list(body, "order_ids", max_items=100),
         "buyer_user_ids": P.str_list(body, "buyer_user_ids", max_items=100),
         "return_types": _enum_list(body, "return_types", RETURN_TYPES),
         "return_status": None if statuses is None else sorted({RETURN_STATUS_ALIASES[s].value for s in statuses
                                                                if s in RETURN_STATUS_ALIASES}),
         "arbitration_status": _enum_list(body, "arbitration_status", ARBITRATION),
         "seller_proposed_return_type": _enum_list(body, "seller_proposed_return_type", ("PARTIAL_REFUND",))}
    created, updated = P.time_range(body, "create_time"), P.time_range(body, "update_time")
    engine = backend.engine
    ranges = {"create_time": created, "update_time": updated}

    def keep(return_id: str) -> bool:
        r = engine.returns[return_id]
        order = engine.orders[r.order_id]
        return (order.shop_id == shop.id
                and (f["return_ids"] is None or r.id in f["return_ids"])
                and (f["order_ids"] is None or r.order_id in f["order_ids"])
                and (f["buyer_user_ids"] is None or order.buyer.get("user_id") in f["buyer_user_ids"])
                and (f["return_types"] is None or r.return_type.value in f["return_types"])
                and (f["return_status"] is None or r.status.value in f["return_status"])
                and (not f["arbitration_status"])  # no arbitration is ever opened
                and (f["seller_proposed_return_type"] is None or r.partial_refund is not None)
                and within(int(r.create_time.timestamp()), created) and within(int(r.update_time.timestamp()), updated))

    # The smallest index partition (or listed ids) that holds every match; rows are built for the page only.
    sources = request_sources(
        shop.id, f, ranges, sort_field, id_filter="return_ids",
        orders=engine.orders, children=attrgetter("return_ids"),
        partitions=(("return_status", "status"), ("return_types", "type"), ("buyer_user_ids", "buyer")))
    page = search_index(engine.index.returns, sort_field, sources, ranges[sort_field], keep, descending=descending,
                  size=size, token=query.get("page_token") or None,
                  fp=fingerprint(shop.id, f, created, updated, sort_field, descending))
    return {"return_orders": [render(backend, engine.returns[i]) for i in page.items],
            "next_page_token": page.next_page_token, "total_count": page.total_count}


def records(backend: TikTokBackend, shop: Shop, return_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    """Get Return Records: the return's history, oldest first."""
    P.optional_str(query, "locale", max_length=64)
    return backend.serializer.return_records(find(backend, shop, return_id))


def approve(backend: TikTokBackend, shop: Shop, return_id: str, query: Mapping[str, str],
            body: Mapping[str, Any]) -> dict[str, Any]:
    """Approve Return: ``decision`` (required), ``buyer_keep_item``, ``partial_refund{amount, currency}`` (RET-2/3)."""
    ret = find(backend, shop, return_id)
    decision = P.required_str(body, "decision", max_length=64)
    keep = P.optional_bool(body, "buyer_keep_item") or False
    offer = P.optional_object(body, "partial_refund")
    amount = None
    if offer is not None:
        amount = P.money(offer, "amount")
        currency = P.optional_str(offer, "currency", max_length=8)
        if amount is None:
            raise E.ReturnBadParameter("partial_refund.amount is required with OFFER_PARTIAL_REFUND.", rule="RET-2")
        if currency is not None and currency != backend.engine.orders[ret.order_id].currency:
            raise E.ReturnBadParameter("partial_refund.currency must be the order's currency.", rule="RET-2")
    with backend.engine_errors(MODULE):
        backend.engine.approve_return(ret.id, decision, role=Role.SELLER, buyer_keep_item=keep, partial_refund=amount,
                                      idempotency_key=_key(query))
    return {}


def reject(backend: TikTokBackend, shop: Shop, return_id: str, query: Mapping[str, str],
           body: Mapping[str, Any]) -> dict[str, Any]:
    """Reject Return: ``decision`` and ``reject_reason`` (required), ``comment``, ``images[]`` (RET-2/3)."""
    ret = find(backend, shop, return_id)
    decision = P.required_str(body, "decision", max_length=64)
    reason = P.optional_str(body, "reject_reason", max_length=255)
    comment = P.optional_str(body, "comment", max_length=1000)
    images = body.get("images")
    if images is not None and (not isinstance(images, list) or not all(isinstance(i, dict) for i in images)):
        raise E.InvalidParameter("Invalid request parameter. 'images' must be an array of objects.")
    if not reason:
        raise E.ReturnBadParameter("reject_reason is required.", rule="RET-2")
    with backend.engine_errors(MODULE):
        backend.engine.reject_return(ret.id, reason, decision=decision, comment=comment, role=Role.SELLER,
                                     idempotency_key=_key(query))
    return {}


def create(backend: TikTokBackend, shop: Shop, query: Mapping[str, str], body: Mapping[str, Any]) -> dict[str, Any]:
    """Create Return (seller-initiated, on the buyer's behalf): ``order_id``, ``return_type``, ``return_reason``."""
    order = _order(backend, shop, P.required_str(body, "order_id"))
    return_type = P.choice(body, "return_type", ("REFUND", "RETURN_AND_REFUND"), "")
    if not return_type:
        raise E.ReturnBadParameter("return_type is required (REFUND or RETURN_AND_REFUND).", rule="RET-1")
    reason = P.optional_str(body, "return_reason", max_length=255)
    if not reason:
        raise E.ReturnBadParameter("return_reason is required.", rule="RET-1")
    lines = P.str_list(body, "order_line_item_ids", max_items=1000)
    skus = P.sku_quantities(body)
    shipment = P.choice(body, "shipment_type", ("PLATFORM", "BUYER_ARRANGE"), "PLATFORM")
    P.choice(body, "handover_method", ("DROP_OFF", "PICKUP"), "DROP_OFF")
    total = P.money(body, "refund_total")
    currency = P.optional_str(body, "currency", max_length=8)
    if currency is not None and currency != order.currency:
        raise E.ReturnBadParameter("currency must be the order's currency.", rule="RET-1")
    key = _key(query)
    if key:  # a repeated create answers the return it made
        known = next((r for r in (backend.engine.returns[i] for i in order.return_ids)
                      if key in r.idempotency_keys), None)
        if known is not None:
            return {"return_id": known.id, "return_status": known.status.value}
    with backend.engine_errors(MODULE):
        ret = backend.engine.request_return(order.id, return_type, reason=reason, line_item_ids=lines, skus=skus,
                                            role=Role.SELLER, shipment_type=shipment, refund_total=total)
    if key:
        ret.idempotency_keys.add(key)
    return {"return_id": ret.id, "return_status": ret.status.value}


def _order(backend: TikTokBackend, shop: Shop, order_id: str) -> Order:
    order = backend.engine.orders.get(order_id)
    if order is None or order.shop_id != shop.id:
        raise E.RefundOrderNotFound(f"Order {order_id} not found.")
    return order


def eligibility(backend: TikTokBackend, shop: Shop, order_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    """Get Aftersale Eligibility: per SKU, which units a REFUND or RETURN_AND_REFUND request may cover now."""
    order = _order(backend, shop, order_id)
    user = P.choice(query, "initiate_aftersale_user", ("SELLER", "BUYER"), "SELLER")
    engine = backend.engine
    refunded = engine.refunded_line_ids(order)
    blocked = engine.return_blocker(order)
    by_sku: dict[str, list[str]] = {}
    for li in order.line_items:
        by_sku.setdefault(li.sku_id, []).append(li.id)
    rows = []
    for sku_id, line_ids in by_sku.items():
        items = []
        for kind in (ReturnType.REFUND, ReturnType.RETURN_AND_REFUND):
            open_ids = [i for i in line_ids if i not in refunded]
            reason = blocked or (None if open_ids else "already refunded")
            item: dict[str, Any] = {"request_type": kind.value, "order_line_items_ids": open_ids or line_ids,
                                    "eligible": reason is None}
            if reason is not None:
                item.update(ineligible_code=25001003, ineligible_reason=reason)
            elif user == "BUYER":
                item["available_reason_names"] = engine.profile(order).return_reasons("buyer", order.region, kind)
            items.append(item)
        rows.append({"sku_id": sku_id, "line_item_eligibility": items})
    return {"sku_eligibility": rows}


def reject_reasons(backend: TikTokBackend, ret: Return) -> dict[str, Any]:
    """Get Reject Reasons for a return (the shop market's list)."""
    order = backend.engine.orders[ret.order_id]
    keys = backend.engine.profile(order).return_reasons("seller_reject", order.region)
    return {"reasons": [{"name": k, "text": reason_text(k)} for k in keys]}
