"""What the OMS can do to a CA order: Export (CA-2), Ship (FUL-5), Adjust (CAN-S3, CAN-B3) and Reject.

Every operation validates everything first and mutates after, so a refused call changes nothing.
TikTok learns of a change at the next 15-minute sync (connectors/tiktok_channeladvisor.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from simulator.channeladvisor.auth import Grant
from simulator.channeladvisor.backend import ChannelAdvisorBackend
from simulator.channeladvisor.enums import (
    AdjustmentReason,
    AdjustmentType,
    DeliveryStatus,
    RequestStatus,
    ShippingStatus,
)
from simulator.channeladvisor.errors import CaError, InvalidOperation
from simulator.channeladvisor.models import CaAdjustment, CaFulfillment, CaItem, CaOrder
from simulator.channeladvisor.shipping import resolve_carrier
from simulator.channeladvisor.status_map import IN_FLIGHT
from simulator.inbound import instant as parse_client_instant


def export(backend: ChannelAdvisorBackend, grant: Grant, order_id: int, exported: bool) -> None:
    """``POST`` / ``DELETE /v1/Orders({ID})/Export``: the flag is per application (CA-2)."""
    order = backend.order(grant, order_id)
    backend.set_exported(order, grant.application_id, exported)
    backend.journal("export" if exported else "unexport", order, application_id=grant.application_id)


def value_of(body: Any) -> dict[str, Any]:
    """The ``{"Value": {...}}`` wrapper CA's action bodies use."""
    if not isinstance(body, Mapping) or not isinstance(body.get("Value"), Mapping):
        raise CaError('The request body must be a JSON object of the form {"Value": {...}}.')
    return dict(body["Value"])


def ship(backend: ChannelAdvisorBackend, grant: Grant, order_id: int, value: Mapping[str, Any]) -> None:
    """``POST /v1/Orders({ID})/Ship``: what is left of the order ships, every unshipped fulfillment (one per TikTok
    package, PKG-1) with the same tracking (FUL-5). A single package ships through ``PATCH /v1/Fulfillments``."""
    order = backend.order(grant, order_id)
    if "Items" in value:
        raise CaError("Item-level Ship is not emulated: ship the order, or one fulfillment (one per package).")
    _check_shippable(order)
    open_ones = [f for f in order.fulfillments if f.delivery_status == DeliveryStatus.NO_CHANGE]
    if not open_ones:
        raise InvalidOperation(f"Order {order.id} has no unshipped fulfillment.")
    _ship_fulfillment(backend, order, open_ones, value, require_status=True)


def update_fulfillment(
    backend: ChannelAdvisorBackend, grant: Grant, fulfillment_id: int, value: Mapping[str, Any]
) -> None:
    """``PATCH/PUT /v1/Fulfillments({ID})``: without ``DeliveryStatus`` the order is marked shipped (CA docs)."""
    order, fulfillment = backend.fulfillment(grant, fulfillment_id)
    status = value.get("DeliveryStatus", DeliveryStatus.COMPLETE.value)
    if status == DeliveryStatus.NO_CHANGE.value and fulfillment.delivery_status == DeliveryStatus.NO_CHANGE:
        _check_carrier_fields(value)
        for key, attr in (
            ("TrackingNumber", "tracking_number"),
            ("ShippingCarrier", "shipping_carrier"),
            ("ShippingClass", "shipping_class"),
        ):
            if key in value:
                setattr(fulfillment, attr, value[key])
        fulfillment.updated = backend.world.clock.now()
        return
    if fulfillment.delivery_status != DeliveryStatus.NO_CHANGE:
        raise InvalidOperation(
            f"Fulfillment {fulfillment.id} is already {fulfillment.delivery_status.value}; "
            "shipping details reach TikTok once and cannot be changed here."
        )
    _ship_fulfillment(backend, order, [fulfillment], {**value, "DeliveryStatus": status}, require_status=True,
                      partial=True)


def _check_carrier_fields(value: Mapping[str, Any]) -> None:
    for key in ("TrackingNumber", "ShippingCarrier", "ShippingClass", "DeliveryStatus", "SellerFulfillmentID",
                "ShippedDateUtc"):
        _opt_str(value, key)


# -- strict field types: Web API's JSON binder refuses a value of another type (no "false" -> true) ------
INT32 = (-(2**31), 2**31 - 1)


def _opt_str(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise CaError(f"{key} must be a string.")
    return value


def _opt_bool(body: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise CaError(f"{key} must be a boolean (true or false), not {type(value).__name__}.")
    return value


def _opt_int32(body: Mapping[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not INT32[0] <= value <= INT32[1]:
        raise CaError(f"{key} must be an integer (Edm.Int32).")
    return value


def _ship_fulfillment(
    backend: ChannelAdvisorBackend,
    order: CaOrder,
    fulfillments: list[CaFulfillment],
    value: Mapping[str, Any],
    *,
    require_status: bool,
    partial: bool = False,
) -> None:
    _check_carrier_fields(value)
    _check_shippable(order, partial=partial)
    status = value.get("DeliveryStatus") or DeliveryStatus.COMPLETE.value
    if require_status and status != DeliveryStatus.COMPLETE.value:
        raise CaError(f"DeliveryStatus '{status}' cannot ship a TikTok Shop order; send 'Complete'.")
    tracking = str(value.get("TrackingNumber") or "").strip()
    if not tracking:
        raise CaError("TrackingNumber is required: TikTok Shop needs tracking for every shipment (FUL-1).")
    account = backend.account(order)
    approved = backend.world.rules["rithum"].approved_carriers(account.region)
    carrier = resolve_carrier(
        account, approved, str(value.get("ShippingCarrier") or ""), str(value.get("ShippingClass") or "")
    )
    shipped_at = _instant(value.get("ShippedDateUtc"), backend.world.clock.now())
    dc = _opt_int32(value, "DistributionCenterID") or 0
    # -- all checks passed: apply --
    now = backend.world.clock.now()
    for fulfillment in fulfillments:
        fulfillment.delivery_status = DeliveryStatus.COMPLETE
        fulfillment.tracking_number = tracking
        fulfillment.shipping_carrier = str(value["ShippingCarrier"])
        fulfillment.shipping_class = str(value["ShippingClass"])
        fulfillment.distribution_center_id = dc
        fulfillment.seller_fulfillment_id = _opt_str(value, "SellerFulfillmentID")
        fulfillment.shipped_date = shipped_at
        fulfillment.updated = now
        fulfillment.items = list(fulfillment.planned) or [
            (item.id, item.quantity - order.cancelled_quantity(item.id)) for item in order.items
            if item.quantity > order.cancelled_quantity(item.id)]
        fulfillment.tiktok_carrier, fulfillment.tiktok_carrier_name = carrier.code, carrier.name
    left = any(f.delivery_status == DeliveryStatus.NO_CHANGE for f in order.fulfillments)
    order.shipping_status = ShippingStatus.PARTIALLY_SHIPPED if left else ShippingStatus.SHIPPED
    order.shipping_date = shipped_at
    request = order.pending_buyer_request()
    if request is not None:  # shipping answers a buyer request with "no" (CAN-B3)
        request.request_status = RequestStatus.PROCESSING_REJECTION
    backend.mark_pending(order)
    backend.journal(
        "ship",
        order,
        tracking_number=tracking,
        carrier=fulfillment.shipping_carrier,
        shipping_class=fulfillment.shipping_class,
        tiktok_carrier=carrier.code,
        mapped=carrier.mapped,
    )


def _check_shippable(order: CaOrder, *, partial: bool = False) -> None:
    if order.shipping_status == ShippingStatus.THIRD_PARTY_MANAGED:  # PKG-4: TikTok ships it
        raise InvalidOperation(f"Order {order.id} is ThirdPartyManaged: TikTok Shop fulfils it, the seller "
                               "does not ship it.")
    if order.shipping_status == ShippingStatus.CANCELED:
        raise InvalidOperation(f"Order {order.id} is canceled and cannot be shipped.")
    if order.shipping_status == ShippingStatus.SHIPPED or (
            order.shipping_status == ShippingStatus.PARTIALLY_SHIPPED and not partial and not any(
                f.delivery_status == DeliveryStatus.NO_CHANGE for f in order.fulfillments)):
        raise InvalidOperation(f"Order {order.id} is already {order.shipping_status.value}.")
    if order.open_action() is not None:
        raise InvalidOperation(f"Order {order.id} has a cancellation adjustment waiting for the next sync.")


def _instant(value: Any, default: datetime) -> datetime:
    if value in (None, ""):
        return default
    instant = parse_client_instant(str(value))
    if instant is None:
        raise CaError(f"ShippedDateUtc '{str(value)[:40]}' is not an ISO-8601 UTC date-time.")
    if not 1970 <= instant.year <= 9000:  # far from datetime's ends, so later arithmetic cannot overflow
        raise CaError("ShippedDateUtc must be between 1970 and 9000.")
    return instant


def adjust_order(backend: ChannelAdvisorBackend, grant: Grant, order_id: int, body: Mapping[str, Any]) -> None:
    """``POST /v1/Orders({ID})/Adjust``: cancel before shipment, or approve the buyer's request (CAN-S3, CAN-B3)."""
    _adjust(backend, backend.order(grant, order_id), None, body)


def adjust_item(backend: ChannelAdvisorBackend, grant: Grant, item_id: int, body: Mapping[str, Any]) -> None:
    """``POST /v1/OrderItems({ID})/Adjust``: accepted when it covers the whole order (TikTok cancels orders)."""
    order, item = backend.item(grant, item_id)
    _adjust(backend, order, item, body)


def _adjust(backend: ChannelAdvisorBackend, order: CaOrder, item: CaItem | None, body: Mapping[str, Any]) -> None:
    if not isinstance(body, Mapping):
        raise CaError("The request body must be a JSON object.")
    request = order.pending_buyer_request()
    default = AdjustmentReason.BUYER_CANCELLED if request else AdjustmentReason.GENERAL_ADJUSTMENT
    reason = _reason(_opt_str(body, "Reason"), default)
    prevent = _opt_bool(body, "PreventSiteProcessing")
    restock = _opt_bool(body, "IsRestock", _opt_bool(body, "Restock"))
    seller_id, comment = _opt_str(body, "SellerAdjustmentID"), _opt_str(body, "Comment")
    quantity = _opt_int32(body, "Quantity")
    quantity = item.quantity if quantity is None and item else quantity
    if order.shipping_status == ShippingStatus.CANCELED:
        raise InvalidOperation(f"Order {order.id} is already canceled.")
    returned = order.answerable_return()
    if returned and order.open_action() is None:  # a refund adjustment answers the buyer's return: approve (RET-6)
        _answer_return(backend, order, returned, "approve_return", None, comment)
        return
    if order.shipping_status != ShippingStatus.UNSHIPPED:
        raise InvalidOperation(
            f"Order {order.id} is {order.shipping_status.value}: refunds after shipment go through TikTok returns "
            "(an Adjust answers the buyer's return request, RequestStatus NewRma or PendingReturn), and this order "
            "has none awaiting an answer."
        )
    if order.open_action() is not None:
        raise InvalidOperation(f"Order {order.id} already has an adjustment waiting for the next sync.")
    if item is not None:
        left = item.quantity - order.cancelled_quantity(item.id)
        if quantity is None or not 1 <= quantity <= left:
            raise CaError(f"Quantity must be an integer from 1 to {left} (the item's units not cancelled).")
        if (len(order.items) > 1 or quantity < item.quantity) and reason != AdjustmentReason.ITEM_NOT_AVAILABLE:
            raise InvalidOperation(
                "TikTok Shop cancels single items only as out of stock: adjust the order, or send Reason "
                "ItemNotAvailable for an item-level cancellation (CAN-L4)."
            )
    if request is not None and not prevent:
        request.action, request.request_status = "approve", IN_FLIGHT["approve"]
        request.seller_adjustment_id = seller_id
        backend.mark_pending(order)
        backend.journal("adjust", order, adjustment_id=request.id, action="approve")
        return
    adjustment = CaAdjustment(
        backend.next_id("adjustment"),
        order.profile_id,
        order.id,
        AdjustmentType.CANCELLATION,
        reason,
        RequestStatus.INFORMATION_ONLY if prevent else IN_FLIGHT["cancel"],
        backend.world.clock.now(),
        order_item_id=item.id if item else None,
        quantity=quantity if item else None,
        seller_adjustment_id=seller_id,
        comment=comment,
        prevent_site_processing=prevent,
        is_restock=restock,
        action=None if prevent else "cancel",
    )
    order.adjustments.append(adjustment)
    if adjustment.action is not None:
        backend.mark_pending(order)
    backend.journal("adjust", order, adjustment_id=adjustment.id, action=adjustment.action, reason=reason)


def _reason(value: Any, default: AdjustmentReason) -> AdjustmentReason:
    if value in (None, ""):
        return default
    for member in AdjustmentReason:
        if str(value).lower() == member.value.lower():
            return member
    raise CaError(f"Reason '{value}' is not an AdjustmentReason ({', '.join(m.value for m in AdjustmentReason)}).")


def reject(
    backend: ChannelAdvisorBackend, grant: Grant, order_id: int, adjustment_id: int, body: Mapping[str, Any]
) -> None:
    """Simulator extension ``POST /v1/Orders({ID})/Adjustments({AdjID})/Reject``: refuse a buyer request (CAN-B3)."""
    order = backend.order(grant, order_id)
    adjustment = order.adjustment(adjustment_id)
    if adjustment is None:
        raise CaError(f"Adjustment {adjustment_id} was not found on order {order.id}.", code="NotFound", status=404)
    if not isinstance(body, Mapping):
        raise CaError("The request body must be a JSON object.")
    if adjustment.return_id is not None and adjustment in order.answerable_return():
        allowed = backend.world.rules["rithum"].return_reasons("seller_reject", backend.account(order).region)
        reason = _opt_str(body, "RejectReason") or allowed[0]
        if reason not in allowed:
            raise CaError(f"RejectReason '{reason}' is not a TikTok Shop return reject reason ({', '.join(allowed)}).")
        _answer_return(backend, order, order.answerable_return(), "reject_return", reason, _opt_str(body, "Comment"))
        return
    if adjustment is not order.pending_buyer_request():
        raise InvalidOperation(
            f"Adjustment {adjustment_id} is not a buyer cancellation request awaiting an "
            f"answer (RequestStatus {adjustment.request_status.value})."
        )
    allowed = backend.world.rules["rithum"].cancel_reasons("seller_reject")
    comment = _opt_str(body, "Comment")
    reason = _opt_str(body, "RejectReason") or backend.seed.default_reject_reason or allowed[0]
    if reason not in allowed:
        raise CaError(f"RejectReason '{reason}' is not a TikTok Shop reject reason ({', '.join(allowed)}).")
    adjustment.action, adjustment.request_status = "reject", IN_FLIGHT["reject"]
    adjustment.reject_reason = reason
    adjustment.comment = comment or adjustment.comment
    backend.mark_pending(order)
    backend.journal("reject", order, adjustment_id=adjustment.id, reject_reason=reason)


def _answer_return(backend: ChannelAdvisorBackend, order: CaOrder, adjustments: list[CaAdjustment], action: str,
                   reason: str | None, comment: str | None) -> None:
    """The OMS approves or rejects a TikTok return (RET-6): every adjustment of it carries the answer to the next sync."""
    for adj in adjustments:
        adj.answered, adj.action, adj.request_status = adj.request_status, action, IN_FLIGHT[action]
        adj.reject_reason = reason
        adj.comment = comment or adj.comment
    backend.mark_pending(order)
    backend.journal("adjust", order, adjustment_id=adjustments[0].id, action=action, return_id=adjustments[0].return_id,
                    reject_reason=reason)
