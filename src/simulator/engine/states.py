"""Status enums of the reference engine (TikTok Shop's own names, API doc 202309)."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    """TikTok order status (API doc: order-api-overview)."""

    UNPAID = "UNPAID"
    ON_HOLD = "ON_HOLD"
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
    PARTIALLY_SHIPPING = "PARTIALLY_SHIPPING"
    AWAITING_COLLECTION = "AWAITING_COLLECTION"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


SHIPPED_STATUSES = frozenset(
    {OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.COMPLETED}
)


class PackageStatus(StrEnum):
    """TikTok package status (API doc: Get Package Detail)."""

    TO_FULFILL = "TO_FULFILL"
    PROCESSING = "PROCESSING"
    FULFILLING = "FULFILLING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class CancelStatus(StrEnum):
    """Cancellation status; the third value's spelling is UNCERTAIN in the API doc (both are accepted on input)."""

    PENDING = "CANCELLATION_REQUEST_PENDING"
    SUCCESS = "CANCELLATION_REQUEST_SUCCESS"
    CANCEL = "CANCELLATION_REQUEST_CANCEL"
    COMPLETE = "CANCELLATION_REQUEST_COMPLETE"


class CancelType(StrEnum):
    """``CANCEL``: direct (seller/system/buyer in hold); ``BUYER_CANCEL``: a request needing seller review."""

    CANCEL = "CANCEL"
    BUYER_CANCEL = "BUYER_CANCEL"


class Role(StrEnum):
    """Who acts on a cancellation."""

    BUYER = "BUYER"
    SELLER = "SELLER"
    SYSTEM = "SYSTEM"


class Notice(StrEnum):
    """Buyer notification kinds (NOTE-1)."""

    ORDER_CANCELLED = "order_cancelled"
    ORDER_REFUND = "order_refund"
    CANCELLATION_REJECTED = "cancellation_rejected"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
