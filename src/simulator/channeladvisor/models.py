"""ChannelAdvisor state: orders with integer IDs, their items, fulfillments and adjustments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from simulator.channeladvisor.enums import (
    AdjustmentReason,
    AdjustmentType,
    CheckoutStatus,
    DeliveryStatus,
    FulfillmentType,
    PaymentStatus,
    RequestStatus,
    ShippingStatus,
)
from simulator.channeladvisor.status_map import ANSWERABLE
from simulator.sharing import amounts

ZERO = Decimal("0")


@dataclass(slots=True)
class CaItem:
    """An OrderItem: one SKU line with a quantity (TikTok's per-unit line items grouped by SKU)."""

    id: int
    profile_id: int
    order_id: int
    product_id: int
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    site_order_item_id: str
    site_listing_id: str
    tiktok_line_item_ids: list[str]


@dataclass(slots=True)
class CaFulfillment:
    """A Fulfillment; ``relayed`` says whether the shipment reached TikTok (FUL-5, next sync)."""

    id: int
    profile_id: int
    order_id: int
    created: datetime
    updated: datetime
    type: FulfillmentType = FulfillmentType.SHIP
    delivery_status: DeliveryStatus = DeliveryStatus.NO_CHANGE
    tracking_number: str | None = None
    shipping_carrier: str | None = None
    shipping_class: str | None = None
    distribution_center_id: int = 0
    shipped_date: datetime | None = None
    seller_fulfillment_id: str | None = None
    items: list[tuple[int, int]] = field(default_factory=list)  # (order item ID, quantity)
    tiktok_carrier: str | None = None
    tiktok_carrier_name: str | None = None
    relayed: bool = False
    relay_error: str | None = None
    package_id: str | None = None  # PKG-1: the TikTok package this fulfillment is (one per package)
    planned: list[tuple[int, int]] = field(default_factory=list)  # that package's units per item, shipped as such


@dataclass(slots=True)
class CaAdjustment:
    """An OrderAdjustment (order level) or OrderItemAdjustment (``order_item_id`` set).

    ``action`` is what the OMS asked ChannelAdvisor to carry to TikTok at the next sync
    (``cancel``, ``approve``, ``reject``); ``cancel_id`` links a TikTok cancellation.
    """

    id: int
    profile_id: int
    order_id: int
    type: AdjustmentType
    reason: AdjustmentReason
    request_status: RequestStatus
    created: datetime
    order_item_id: int | None = None
    quantity: int | None = None
    seller_adjustment_id: str | None = None
    comment: str | None = None
    prevent_site_processing: bool = False
    is_restock: bool = False
    item_adjustment: Decimal = ZERO
    tax_adjustment: Decimal = ZERO
    shipping_adjustment: Decimal = ZERO
    shipping_tax_adjustment: Decimal = ZERO
    cancel_id: str | None = None
    action: str | None = None
    reject_reason: str | None = None
    return_id: str | None = None  # a TikTok return (RET-6): RmaNumber
    return_tracking: str | None = None
    answered: RequestStatus | None = None  # the RequestStatus the OMS's answer was for (in flight)


BuyerFields = tuple[str | None, str | None, dict[str, Any]]  # (email, user id, address fields)


class Buyer:
    """An order's buyer fields, read from the marketplace's record of the buyer the first time anyone asks.

    The import keeps the (immutable) source instead of building an address dict per order that only
    a page of ``/v1/Orders`` ever reads; every read gives the values the import would have built.
    """

    __slots__ = ("_read", "_source", "_fields")

    def __init__(self, read: Callable[[Any], BuyerFields], source: Any) -> None:
        self._read, self._source = read, source  # read(source) gives the fields (one object per order, no closure)
        self._fields: BuyerFields | None = None

    def fields(self) -> BuyerFields:
        """(BuyerEmailAddress, BuyerUserId, the address fields)."""
        if self._fields is None:
            self._fields, self._source = self._read(self._source), None
        return self._fields

    def __eq__(self, other: object) -> bool:  # by value, as the fields it stands for compared before
        return isinstance(other, Buyer) and self.fields() == other.fields()

    __hash__ = None  # type: ignore[assignment]  # equal by value, and the address dict is mutable

    def __repr__(self) -> str:  # the values (a state digest or a failing assertion shows them), never an address
        email, user_id, address = self.fields()
        return f"Buyer(email={email!r}, user_id={user_id!r}, address={address!r})"


@dataclass(slots=True)
class CaOrder:
    """A ChannelAdvisor order imported from TikTok Shop (CA-1)."""

    id: int
    profile_id: int
    site_id: int
    site_name: str
    site_order_id: str
    shop_id: str
    region: str
    currency: str
    created: datetime
    imported: datetime
    checkout_date: datetime | None
    payment_date: datetime | None
    estimated_ship_date: datetime | None
    total_price: Decimal
    total_shipping_price: Decimal
    buyer: Buyer
    shipping_status: ShippingStatus = ShippingStatus.UNSHIPPED
    checkout_status: CheckoutStatus = CheckoutStatus.COMPLETED
    payment_status: PaymentStatus = PaymentStatus.CLEARED
    shipping_date: datetime | None = None
    private_notes: str | None = None
    public_notes: str | None = None
    special_instructions: str | None = None
    items: list[CaItem] = field(default_factory=list)
    fulfillments: list[CaFulfillment] = field(default_factory=list)
    adjustments: list[CaAdjustment] = field(default_factory=list)
    exported_by: frozenset[str] = frozenset()  # applications that marked it exported (CA-2)
    tiktok_status: str = ""

    def __post_init__(self) -> None:
        self.total_price = amounts(self.total_price)

    @property
    def buyer_email(self) -> str | None:
        """BuyerEmailAddress."""
        return self.buyer.fields()[0]

    @property
    def buyer_user_id(self) -> str | None:
        """BuyerUserId."""
        return self.buyer.fields()[1]

    @property
    def shipping(self) -> dict[str, Any]:
        """The Shipping* fields (``FirstName``, ``City``, ...)."""
        return self.buyer.fields()[2]

    @property
    def billing(self) -> dict[str, Any]:
        """The Billing* fields: TikTok has one address, so they are the shipping ones (one dict, never changed)."""
        return self.buyer.fields()[2]

    def adjustment(self, adjustment_id: int) -> CaAdjustment | None:
        """The order-level or item-level adjustment with this ID."""
        return next((a for a in self.adjustments if a.id == adjustment_id), None)

    def pending_buyer_request(self) -> CaAdjustment | None:
        """The buyer's cancellation request awaiting the OMS's answer (CAN-B3), if any."""
        return next(
            (
                a
                for a in self.adjustments
                if a.reason == AdjustmentReason.BUYER_CANCELLED and a.request_status == RequestStatus.PENDING_APPROVAL
            ),
            None,
        )

    def answerable_return(self) -> list[CaAdjustment]:
        """The adjustments of a TikTok return awaiting the OMS's answer (Request Pending, Buyer Shipped)."""
        first = next((a for a in self.adjustments if a.return_id and a.request_status in ANSWERABLE
                      and a.action is None), None)
        return [a for a in self.adjustments if first is not None and a.return_id == first.return_id]

    def cancelled_quantity(self, item_id: int) -> int:
        """Units of an item cancelled by item-level Cancellation adjustments that TikTok carried out (CAN-L4)."""
        done = (RequestStatus.POST_PROCESSING_COMPLETE, RequestStatus.ACKNOWLEDGED_POST_PROCESSING_NOT_COMPLETE)
        return sum(a.quantity or 0 for a in self.adjustments if a.order_item_id == item_id
                   and a.type == AdjustmentType.CANCELLATION and a.request_status in done)

    def open_action(self) -> CaAdjustment | None:
        """An adjustment the OMS posted that has not yet reached TikTok."""
        return next((a for a in self.adjustments if a.action is not None), None)
