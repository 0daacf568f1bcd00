"""ChannelAdvisor JSON: typed rows for OData evaluation, then shaped by ``$select``/``$expand`` into JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from simulator.channeladvisor.enums import DistributionCenterTypeRollup, OrderTaxType
from simulator.channeladvisor.models import ZERO, CaAdjustment, CaFulfillment, CaItem, CaOrder
from simulator.channeladvisor.odata import Expand, Row
from simulator.channeladvisor.schema import ADDRESS_FIELDS, TYPES, EntityType

ADDRESS_KEYS = ADDRESS_FIELDS


# The properties partners filter and sort on, read one by one (a $filter over many orders reads only
# these); order_row takes them from here too, so a lazy row and a full row cannot disagree.
FAST: dict[str, Callable[[CaOrder], Any]] = {
    "ID": lambda o: o.id,
    "ProfileID": lambda o: o.profile_id,
    "SiteID": lambda o: o.site_id,
    "SiteName": lambda o: o.site_name,
    "SiteOrderID": lambda o: o.site_order_id,
    "Currency": lambda o: o.currency,
    "ImportDateUtc": lambda o: o.imported,
    "CreatedDateUtc": lambda o: o.created,
    "TotalPrice": lambda o: o.total_price,
    "EstimatedShipDateUtc": lambda o: o.estimated_ship_date,  # SLA-1: the TikTok dispatch deadline
    "CheckoutStatus": lambda o: o.checkout_status,
    "PaymentStatus": lambda o: o.payment_status,
    "ShippingStatus": lambda o: o.shipping_status,
    "CheckoutDateUtc": lambda o: o.checkout_date,
    "PaymentDateUtc": lambda o: o.payment_date,
    "ShippingDateUtc": lambda o: o.shipping_date,
    "BuyerUserId": lambda o: o.buyer_user_id,
    "BuyerEmailAddress": lambda o: o.buyer_email,
}


class LazyRow(dict[str, Any]):
    """An order's row filled property by property as ``get`` asks (a non-fast property fills it all).

    A dict, so ``$filter`` and ``$orderby`` read it as they read a full row; built for every
    candidate of a query, it costs the properties the query names, not the ~90 of a full row.
    """

    __slots__ = ("order", "_full")

    def __init__(self, order: CaOrder) -> None:
        super().__init__()
        self.order = order
        self._full = False

    def get(self, name: str, default: Any = None) -> Any:
        """The property's typed value (``default`` when the row has no such key)."""
        if name in self:
            return self[name]
        getter = FAST.get(name)
        if getter is not None:
            value = self[name] = getter(self.order)
            return value
        if not self._full:
            self.update(order_row(self.order))
            self._full = True
        return super().get(name, default)


def order_row(order: CaOrder) -> Row:
    """Every Order property plus its collections (Items, Fulfillments, Adjustments), as typed values."""
    row: Row = {name: get(order) for name, get in FAST.items()}
    row |= {
        "SiteAccountID": None,
        "SecondarySiteOrderID": None,
        "SellerOrderID": None,
        "CheckoutSourceID": None,
        "PublicNotes": order.public_notes,
        "PrivateNotes": order.private_notes,
        "SpecialInstructions": order.special_instructions,
        "TotalTaxPrice": ZERO,
        "TotalShippingPrice": order.total_shipping_price,
        "TotalShippingTaxPrice": ZERO,
        "TotalInsurancePrice": ZERO,
        "TotalGiftOptionPrice": ZERO,
        "TotalGiftOptionTaxPrice": ZERO,
        "AdditionalCostOrDiscount": ZERO,
        "DeliverByDateUtc": None,
        "ResellerID": None,
        "FlagID": 0,
        "FlagDescription": None,
        "BuyerEmailOptIn": False,
        "OrderTaxType": OrderTaxType.NO_TAX,
        "ShippingTaxType": OrderTaxType.NO_TAX,
        "GiftOptionsTaxType": OrderTaxType.NO_TAX,
        "PaymentMethod": None,
        "PaymentTransactionID": None,
        "PaymentPaypalAccountID": None,
        "PaymentCreditCardLast4": None,
        "PaymentMerchantReferenceNumber": None,
    }
    shipping, billing = order.shipping, order.billing  # each a property (the buyer fields): read once
    for key in ADDRESS_KEYS:
        row[f"Shipping{key}"] = shipping.get(key)
        row[f"Billing{key}"] = billing.get(key)
    row.update(
        {
            "PromotionCode": None,
            "PromotionAmount": ZERO,
            "OrderTags": None,
            "DistributionCenterTypeRollup": DistributionCenterTypeRollup.SELLER_MANAGED,
        }
    )
    row["Items"] = [item_row(order, item) for item in order.items]
    products = {item.id: item.product_id for item in order.items}
    row["Fulfillments"] = [fulfillment_row(f, products) for f in order.fulfillments]
    row["Adjustments"] = [adjustment_row(a) for a in order.adjustments if a.order_item_id is None]
    row["CustomFields"] = []
    return row


def item_row(order: CaOrder, item: CaItem) -> Row:
    """An OrderItem with its FulfillmentItems and item-level Adjustments."""
    return {
        "ID": item.id,
        "ProfileID": item.profile_id,
        "OrderID": item.order_id,
        "ProductID": item.product_id,
        "SiteOrderItemID": item.site_order_item_id,
        "SiteListingID": item.site_listing_id,
        "SellerOrderItemID": None,
        "Sku": item.sku,
        "Title": item.title,
        "Quantity": item.quantity,
        "UnitPrice": item.unit_price,
        "TaxPrice": ZERO,
        "ShippingPrice": ZERO,
        "ShippingTaxPrice": ZERO,
        "RecyclingFee": ZERO,
        "GiftMessage": None,
        "GiftNotes": None,
        "GiftPrice": ZERO,
        "GiftTaxPrice": ZERO,
        "IsBundle": False,
        "ItemURL": None,
        "HarmonizedCode": None,
        "Promotions": [],
        "BundleComponents": [],
        "FulfillmentItems": [
            fulfillment_item_row(f, item_id, qty, item.product_id)
            for f in order.fulfillments
            for item_id, qty in f.items
            if item_id == item.id
        ],
        "Adjustments": [adjustment_row(a) for a in order.adjustments if a.order_item_id == item.id],
    }


def fulfillment_row(fulfillment: CaFulfillment, products: dict[int, int] | None = None) -> Row:
    """A Fulfillment with its Items."""
    return {
        "ID": fulfillment.id,
        "ProfileID": fulfillment.profile_id,
        "OrderID": fulfillment.order_id,
        "CreatedDateUtc": fulfillment.created,
        "UpdatedDateUtc": fulfillment.updated,
        "Type": fulfillment.type,
        "DeliveryStatus": fulfillment.delivery_status,
        "TrackingNumber": fulfillment.tracking_number,
        "ShippingCarrier": fulfillment.shipping_carrier,
        "ShippingClass": fulfillment.shipping_class,
        "DistributionCenterID": fulfillment.distribution_center_id,
        "ExternalFulfillmentCenterCode": None,
        "ShippingCost": ZERO,
        "InsuranceCost": ZERO,
        "TaxCost": ZERO,
        "ShippedDateUtc": fulfillment.shipped_date,
        "SellerFulfillmentID": fulfillment.seller_fulfillment_id,
        "HasShippingLabel": False,
        "Items": [
            fulfillment_item_row(fulfillment, item_id, qty, (products or {}).get(item_id))
            for item_id, qty in fulfillment.items
        ],
    }


def fulfillment_item_row(fulfillment: CaFulfillment, item_id: int, qty: int, product_id: int | None) -> Row:
    """A FulfillmentItem (its ID is derived: fulfillment ID * 1000 + position, stable per order)."""
    position = [i for i, _ in fulfillment.items].index(item_id) + 1
    return {
        "ID": fulfillment.id * 1000 + position,
        "ProfileID": fulfillment.profile_id,
        "FulfillmentID": fulfillment.id,
        "OrderID": fulfillment.order_id,
        "OrderItemID": item_id,
        "Quantity": qty,
        "ProductID": product_id,
        "BundleComponent": False,
    }


def adjustment_row(adj: CaAdjustment) -> Row:
    """An OrderAdjustment, or an OrderItemAdjustment when it belongs to an item."""
    row: Row = {
        "ID": adj.id,
        "ProfileID": adj.profile_id,
        "OrderID": adj.order_id,
        "IsRestock": adj.is_restock,
        "Reason": adj.reason,
        "PreventSiteProcessing": adj.prevent_site_processing,
        "ItemAdjustment": adj.item_adjustment,
        "TaxAdjustment": adj.tax_adjustment,
        "ShippingAdjustment": adj.shipping_adjustment,
        "ShippingTaxAdjustment": adj.shipping_tax_adjustment,
        "GiftWrapAdjustment": ZERO,
        "GiftWrapTaxAdjustment": ZERO,
        "RecyclingFeeAdjustment": ZERO,
        "Type": adj.type,
        "SellerAdjustmentID": adj.seller_adjustment_id,
        "SiteAdjustmentID": adj.cancel_id or adj.return_id,
        "RmaNumber": adj.return_id,
        "Comment": adj.comment,
        "CreatedDateUtc": adj.created,
        "RequestStatus": adj.request_status,
        "RestockStatus": None,
        "ReturnShippingFee": ZERO,
        "RestockingFee": ZERO,
        "ReturnTrackingNumberOrUrl": adj.return_tracking,
        "ReturnShippingMethod": None,
    }
    if adj.order_item_id is not None:
        row["OrderItemID"] = adj.order_item_id
        row["Quantity"] = adj.quantity
    return row


def shape(row: Row, entity: EntityType, select: list[str] | None, expand: list[Expand]) -> dict[str, Any]:
    """JSON for one entity: the selected properties (all by default) plus the expanded collections."""
    names = select if select is not None else list(entity.properties)
    out = {name: to_json(row.get(name)) for name in names if name in entity.properties}
    for item in expand:
        child = TYPES[entity.navigation[item.name]]
        out[item.name] = [shape(r, child, item.select, item.expand) for r in row.get(item.name, [])]
    return out


def to_json(value: Any) -> Any:
    """Typed value -> JSON value (ISO-8601 UTC with ``Z``, numbers for decimals, enum names)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 10**15 else float(value)
    return value
