"""Return/refund operations: Cancel Order, Search Cancellations, Approve/Reject, Get Reject Reasons."""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from simulator.engine import Cancellation, CancelStatus, CancelType, Order, Role
from simulator.tiktok_shop import errors as E
from simulator.tiktok_shop import params as P
from simulator.tiktok_shop import returns
from simulator.tiktok_shop.paging import fingerprint, request_sources, search, within
from simulator.tiktok_shop.serializers import reason_text

if TYPE_CHECKING:
    from simulator.tiktok_shop.backend import TikTokBackend
    from simulator.tiktok_shop.catalog import Shop

# Both spellings of the closed status are accepted in filters (API doc: UNCERTAIN).
STATUS_ALIASES = {s.value: s for s in CancelStatus} | {"CANCELLATION_REQUEST_CANCELLED": CancelStatus.CANCEL}
US_REJECT_REASONS = 3  # the first three seller_reject keys are the US list, the rest UK/others (API doc)


def _cancellation(backend: TikTokBackend, shop: Shop, cancel_id: str) -> Cancellation:
    cancellation = backend.engine.cancellations.get(cancel_id)
    if cancellation is None or backend.engine.orders[cancellation.order_id].shop_id != shop.id:
        raise E.CancellationNotFound(f"Cancellation {cancel_id} not found.")
    return cancellation


def _idempotency_key(query: Mapping[str, str]) -> str | None:
    return P.optional_str(query, "idempotency_key", max_length=255) or None


def cancel_order(backend: TikTokBackend, shop: Shop, body: Mapping[str, Any]) -> dict[str, Any]:
    """Cancel Order (seller): reason must fit the status (CAN-S2, 25001021); done at once."""
    order_id = P.required_str(body, "order_id")
    order = backend.engine.orders.get(order_id)
    if order is None or order.shop_id != shop.id:
        raise E.RefundOrderNotFound(f"Order {order_id} not found.")
    reason = P.optional_str(body, "cancel_reason")
    if not reason:
        raise E.CancelReasonRequired(rule="CAN-S2")
    lines = cancel_lines(backend, order, body)
    with backend.engine_errors("return_refund"):
        cancellation = backend.engine.seller_cancel(order.id, reason, lines)
    return {"cancel_id": cancellation.id, "cancel_status": backend.serializer.cancel_status(cancellation.status)}


def cancel_lines(backend: TikTokBackend, order: Order, body: Mapping[str, Any]) -> list[str] | None:
    """The units a Cancel Order names (CAN-L1): ``order_line_item_ids``, 202602's ``order_line_list`` or ``skus``
    (that many open units of each SKU, unshipped first). None: the whole order."""
    lines = P.str_list(body, "order_line_item_ids", max_items=500)
    listed = body.get("order_line_list")
    if listed is not None:
        if not isinstance(listed, list) or not all(isinstance(i, dict) for i in listed):
            raise E.InvalidParameter("Invalid request parameter. 'order_line_list' must be an array of objects.")
        lines = (lines or []) + [P.required_str(i, "order_line_id", max_length=64) for i in listed]
    skus = P.sku_quantities(body) or None
    lines = lines or None  # an empty list (SDKs send one by default) names no unit: the whole order
    if skus is None:
        return lines
    if lines is not None:
        raise E.PartialCancelNotSupported("Give order_line_item_ids or skus, not both (CAN-L1).", rule="CAN-L1")
    with backend.engine_errors("return_refund"):
        return backend.engine.units_for_skus(order.id, skus)


def search_cancellations(
    backend: TikTokBackend, shop: Shop, query: Mapping[str, str], body: Mapping[str, Any]
) -> dict[str, Any]:
    """Search Cancellations: ``page_size`` 1-50 (default 10), sort ``create_time`` ASC by default."""
    size = P.page_size(query, maximum=50, required=False, default=10)
    sort_field = P.choice(query, "sort_field", ("create_time", "update_time"), "create_time")
    descending = P.choice(query, "sort_order", ("ASC", "DESC"), "ASC") == "DESC"
    statuses = P.str_list(body, "cancel_status")
    if statuses is not None and any(s not in STATUS_ALIASES for s in statuses):
        raise E.InvalidParameter("Invalid request parameter. Unknown 'cancel_status'.")
    types = P.str_list(body, "cancel_types")
    if types is not None and any(t not in CancelType.__members__ for t in types):
        raise E.InvalidParameter("Invalid request parameter. Unknown 'cancel_types'.")
    f = {"order_ids": P.str_list(body, "order_ids"), "cancel_ids": P.str_list(body, "cancel_ids"),
         "buyer_user_ids": P.str_list(body, "buyer_user_ids"),
         "cancel_status": {STATUS_ALIASES[s] for s in statuses} if statuses is not None else None,
         "cancel_types": types}
    created_range, updated_range = P.time_range(body, "create_time"), P.time_range(body, "update_time")
    engine = backend.engine
    ranges = {"create_time": created_range, "update_time": updated_range}

    def keep(cancel_id: str) -> bool:
        c = engine.cancellations[cancel_id]
        order = engine.orders[c.order_id]
        created, updated = int(c.create_time.timestamp()), int(c.update_time.timestamp())
        return (order.shop_id == shop.id
                and (f["order_ids"] is None or c.order_id in f["order_ids"])
                and (f["cancel_ids"] is None or c.id in f["cancel_ids"])
                and (f["buyer_user_ids"] is None or order.buyer.get("user_id") in f["buyer_user_ids"])
                and (f["cancel_status"] is None or c.status in f["cancel_status"])
                and (f["cancel_types"] is None or c.cancel_type in f["cancel_types"])
                and within(created, created_range) and within(updated, updated_range))

    sources = request_sources(
        shop.id, f, ranges, sort_field, id_filter="cancel_ids",
        orders=engine.orders, children=attrgetter("cancellation_ids"),
        partitions=(("cancel_status", "status"), ("cancel_types", "type"), ("buyer_user_ids", "buyer")))
    page = search(engine.index.cancellations, sort_field, sources, ranges[sort_field], keep, descending=descending,
                  size=size, token=query.get("page_token") or None,
                  fp=fingerprint(shop.id, f, created_range, updated_range, sort_field, descending))
    return {"cancellations": [backend.serializer.cancellation(engine.cancellations[i], engine.orders[
                engine.cancellations[i].order_id], engine.packages) for i in page.items],
            "next_page_token": page.next_page_token, "total_count": page.total_count}


def approve(backend: TikTokBackend, shop: Shop, cancel_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    """Approve Cancellation (CAN-B4); a repeated ``idempotency_key`` answers success without a change."""
    cancellation = _cancellation(backend, shop, cancel_id)
    with backend.engine_errors("return_refund"):
        backend.engine.approve_cancellation(cancellation.id, role=Role.SELLER, idempotency_key=_idempotency_key(query))
    return {}


def reject(
    backend: TikTokBackend, shop: Shop, cancel_id: str, query: Mapping[str, str], body: Mapping[str, Any]
) -> dict[str, Any]:
    """Reject Cancellation: ``reject_reason`` required and documented (CAN-B4)."""
    cancellation = _cancellation(backend, shop, cancel_id)
    reason = P.optional_str(body, "reject_reason")
    comment = P.optional_str(body, "comment", max_length=1000)
    if not reason:
        raise E.InvalidRejectReason("reject_reason is required.", rule="CAN-B4")
    with backend.engine_errors("return_refund"):
        backend.engine.reject_cancellation(cancellation.id, reason, comment=comment, role=Role.SELLER,
                                           idempotency_key=_idempotency_key(query))
    return {}


def reject_reasons(backend: TikTokBackend, shop: Shop, query: Mapping[str, str]) -> dict[str, Any]:
    """Get Reject Reasons for a cancellation (US list or UK/others list by shop region)."""
    cancel_id = P.optional_str(query, "return_or_cancel_id")
    if not cancel_id:
        raise E.InvalidParameter("Invalid request parameter. 'return_or_cancel_id' is required.")
    if cancel_id in backend.engine.returns:  # the same endpoint serves returns (RET-2)
        return returns.reject_reasons(backend, returns.find(backend, shop, cancel_id))
    cancellation = _cancellation(backend, shop, cancel_id)
    keys = backend.engine.profile(backend.engine.orders[cancellation.order_id]).cancel_reasons("seller_reject")
    keys = keys[:US_REJECT_REASONS] if shop.region == "US" else keys[US_REJECT_REASONS:]
    return {"reasons": [{"name": k, "text": reason_text(k)} for k in keys]}
