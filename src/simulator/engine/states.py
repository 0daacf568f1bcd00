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
    RETURN_APPROVED = "return_approved"
    RETURN_OFFER = "return_partial_refund_offer"
    RETURN_REJECTED = "return_rejected"
    RETURN_CLOSED = "return_closed"
    RETURN_REFUND = "return_refund"


class ReturnStatus(StrEnum):
    """Return/refund status (API doc Search Returns 202309), the states the engine simulates.

    The replacement statuses (``REPLACEMENT_REQUEST_*``) are documented too; buyers here ask for a return
    and refund or a refund only, so no return is ever in one (filters accept them and match nothing).
    """

    PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
    REJECT = "REFUND_OR_RETURN_REQUEST_REJECT"
    AWAITING_BUYER_SHIP = "AWAITING_BUYER_SHIP"
    BUYER_SHIPPED_ITEM = "BUYER_SHIPPED_ITEM"
    REJECT_RECEIVE_PACKAGE = "REJECT_RECEIVE_PACKAGE"
    SUCCESS = "RETURN_OR_REFUND_REQUEST_SUCCESS"
    CANCEL = "RETURN_OR_REFUND_REQUEST_CANCEL"
    COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"
    AWAITING_BUYER_RESPONSE = "AWAITING_BUYER_RESPONSE"


RETURN_OPEN = frozenset({ReturnStatus.PENDING, ReturnStatus.AWAITING_BUYER_SHIP, ReturnStatus.BUYER_SHIPPED_ITEM,
                         ReturnStatus.AWAITING_BUYER_RESPONSE, ReturnStatus.SUCCESS})


class ReturnType(StrEnum):
    """``RETURN_AND_REFUND``: the buyer sends the goods back first; ``REFUND``: a refund without a return."""

    REFUND = "REFUND"
    RETURN_AND_REFUND = "RETURN_AND_REFUND"


class ShipmentType(StrEnum):
    """How the buyer sends a return back: TikTok's prepaid label (``PLATFORM``) or their own carrier."""

    PLATFORM = "PLATFORM"
    BUYER_ARRANGE = "BUYER_ARRANGE"
