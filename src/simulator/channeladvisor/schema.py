"""The OData entity types the mock serves: property names and Edm types (names per the CA fact sheet)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from simulator.channeladvisor import enums as E

INT = "Edm.Int32"
LONG = "Edm.Int64"
STRING = "Edm.String"
DECIMAL = "Edm.Decimal"
DATETIME = "Edm.DateTimeOffset"
BOOL = "Edm.Boolean"

PropType = str | type[StrEnum]


@dataclass(frozen=True)
class EntityType:
    """Primitive properties by name, plus collection-valued navigation properties."""

    name: str
    properties: dict[str, PropType]
    navigation: dict[str, str] = field(default_factory=dict)  # name -> entity type name

    @property
    def full_name(self) -> str:
        """Qualified name used in OData error messages."""
        return f"ChannelAdvisor.RestApi.Models.{self.name}"

    def resolve(self, name: str) -> str | None:
        """The declared spelling of a property (query options are case-insensitive), or None."""
        if name in self.properties or name in self.navigation:
            return name
        lowered = name.lower()
        return next((p for p in (*self.properties, *self.navigation) if p.lower() == lowered), None)


ADDRESS_FIELDS = (
    "Title",
    "FirstName",
    "LastName",
    "Suffix",
    "CompanyName",
    "CompanyJobTitle",
    "DaytimePhone",
    "EveningPhone",
    "AddressLine1",
    "AddressLine2",
    "City",
    "StateOrProvince",
    "StateOrProvinceName",
    "PostalCode",
    "Country",
)


def _address(prefix: str) -> dict[str, PropType]:
    names = ADDRESS_FIELDS
    return {f"{prefix}{n}": STRING for n in names}


ORDER = EntityType(
    "Order",
    {
        "ID": INT,
        "ProfileID": INT,
        "SiteID": INT,
        "SiteName": STRING,
        "SiteAccountID": INT,
        "SiteOrderID": STRING,
        "SecondarySiteOrderID": STRING,
        "SellerOrderID": STRING,
        "CheckoutSourceID": STRING,
        "Currency": STRING,
        "ImportDateUtc": DATETIME,
        "CreatedDateUtc": DATETIME,
        "PublicNotes": STRING,
        "PrivateNotes": STRING,
        "SpecialInstructions": STRING,
        "TotalPrice": DECIMAL,
        "TotalTaxPrice": DECIMAL,
        "TotalShippingPrice": DECIMAL,
        "TotalShippingTaxPrice": DECIMAL,
        "TotalInsurancePrice": DECIMAL,
        "TotalGiftOptionPrice": DECIMAL,
        "TotalGiftOptionTaxPrice": DECIMAL,
        "AdditionalCostOrDiscount": DECIMAL,
        "EstimatedShipDateUtc": DATETIME,
        "DeliverByDateUtc": DATETIME,
        "ResellerID": STRING,
        "FlagID": INT,
        "FlagDescription": STRING,
        "CheckoutStatus": E.CheckoutStatus,
        "PaymentStatus": E.PaymentStatus,
        "ShippingStatus": E.ShippingStatus,
        "CheckoutDateUtc": DATETIME,
        "PaymentDateUtc": DATETIME,
        "ShippingDateUtc": DATETIME,
        "BuyerUserId": STRING,
        "BuyerEmailAddress": STRING,
        "BuyerEmailOptIn": BOOL,
        "OrderTaxType": E.OrderTaxType,
        "ShippingTaxType": E.OrderTaxType,
        "GiftOptionsTaxType": E.OrderTaxType,
        "PaymentMethod": STRING,
        "PaymentTransactionID": STRING,
        "PaymentPaypalAccountID": STRING,
        "PaymentCreditCardLast4": STRING,
        "PaymentMerchantReferenceNumber": STRING,
        **_address("Shipping"),
        **_address("Billing"),
        "PromotionCode": STRING,
        "PromotionAmount": DECIMAL,
        "OrderTags": STRING,
        "DistributionCenterTypeRollup": E.DistributionCenterTypeRollup,
    },
    {
        "Items": "OrderItem",
        "Fulfillments": "Fulfillment",
        "Adjustments": "OrderAdjustment",
        "CustomFields": "OrderCustomField",
    },
)

ORDER_ITEM = EntityType(
    "OrderItem",
    {
        "ID": INT,
        "ProfileID": INT,
        "OrderID": INT,
        "ProductID": INT,
        "SiteOrderItemID": STRING,
        "SiteListingID": STRING,
        "SellerOrderItemID": STRING,
        "Sku": STRING,
        "Title": STRING,
        "Quantity": INT,
        "UnitPrice": DECIMAL,
        "TaxPrice": DECIMAL,
        "ShippingPrice": DECIMAL,
        "ShippingTaxPrice": DECIMAL,
        "RecyclingFee": DECIMAL,
        "GiftMessage": STRING,
        "GiftNotes": STRING,
        "GiftPrice": DECIMAL,
        "GiftTaxPrice": DECIMAL,
        "IsBundle": BOOL,
        "ItemURL": STRING,
        "HarmonizedCode": STRING,
    },
    {
        "Promotions": "OrderItemPromotion",
        "FulfillmentItems": "FulfillmentItem",
        "BundleComponents": "BundleComponent",
        "Adjustments": "OrderItemAdjustment",
    },
)

FULFILLMENT = EntityType(
    "Fulfillment",
    {
        "ID": INT,
        "ProfileID": INT,
        "OrderID": INT,
        "CreatedDateUtc": DATETIME,
        "UpdatedDateUtc": DATETIME,
        "Type": E.FulfillmentType,
        "DeliveryStatus": E.DeliveryStatus,
        "TrackingNumber": STRING,
        "ShippingCarrier": STRING,
        "ShippingClass": STRING,
        "DistributionCenterID": INT,
        "ExternalFulfillmentCenterCode": STRING,
        "ShippingCost": DECIMAL,
        "InsuranceCost": DECIMAL,
        "TaxCost": DECIMAL,
        "ShippedDateUtc": DATETIME,
        "SellerFulfillmentID": STRING,
        "HasShippingLabel": BOOL,
    },
    {"Items": "FulfillmentItem"},
)

FULFILLMENT_ITEM = EntityType(
    "FulfillmentItem",
    {
        "ID": INT,
        "ProfileID": INT,
        "FulfillmentID": INT,
        "OrderID": INT,
        "OrderItemID": INT,
        "Quantity": INT,
        "ProductID": INT,
        "BundleComponent": BOOL,
    },
)

_ADJUSTMENT_PROPS: dict[str, PropType] = {
    "ID": INT,
    "ProfileID": INT,
    "OrderID": INT,
    "IsRestock": BOOL,
    "Reason": E.AdjustmentReason,
    "PreventSiteProcessing": BOOL,
    "ItemAdjustment": DECIMAL,
    "TaxAdjustment": DECIMAL,
    "ShippingAdjustment": DECIMAL,
    "ShippingTaxAdjustment": DECIMAL,
    "GiftWrapAdjustment": DECIMAL,
    "GiftWrapTaxAdjustment": DECIMAL,
    "RecyclingFeeAdjustment": DECIMAL,
    "Type": E.AdjustmentType,
    "SellerAdjustmentID": STRING,
    "SiteAdjustmentID": STRING,
    "RmaNumber": STRING,
    "Comment": STRING,
    "CreatedDateUtc": DATETIME,
    "RequestStatus": E.RequestStatus,
    "RestockStatus": E.RequestStatus,
    "ReturnShippingFee": DECIMAL,
    "RestockingFee": DECIMAL,
    "ReturnTrackingNumberOrUrl": STRING,
    "ReturnShippingMethod": STRING,
}
ORDER_ADJUSTMENT = EntityType("OrderAdjustment", dict(_ADJUSTMENT_PROPS))
ORDER_ITEM_ADJUSTMENT = EntityType("OrderItemAdjustment", {**_ADJUSTMENT_PROPS, "OrderItemID": INT, "Quantity": INT})
EMPTY_TYPES = {
    name: EntityType(name, {"ID": INT}) for name in ("OrderCustomField", "OrderItemPromotion", "BundleComponent")
}

TYPES: dict[str, EntityType] = {
    t.name: t
    for t in (
        ORDER,
        ORDER_ITEM,
        FULFILLMENT,
        FULFILLMENT_ITEM,
        ORDER_ADJUSTMENT,
        ORDER_ITEM_ADJUSTMENT,
        *EMPTY_TYPES.values(),
    )
}
