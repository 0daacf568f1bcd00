"""ChannelAdvisor REST enums, serialized as their names (reference/channeladvisor-api.md sections 2, 4, 5)."""

from __future__ import annotations

from enum import StrEnum


class ShippingStatus(StrEnum):
    """Order ShippingStatus (Unshipped=0, Shipped=1, PartiallyShipped=2, PendingShipment=4, ...)."""

    UNSHIPPED = "Unshipped"
    SHIPPED = "Shipped"
    PARTIALLY_SHIPPED = "PartiallyShipped"
    PENDING_SHIPMENT = "PendingShipment"
    CANCELED = "Canceled"
    THIRD_PARTY_MANAGED = "ThirdPartyManaged"


class CheckoutStatus(StrEnum):
    """Order CheckoutStatus."""

    NOT_VISITED = "NotVisited"
    COMPLETED = "Completed"
    VISITED = "Visited"
    COMPLETED_AND_VISITED = "CompletedAndVisited"
    DISABLED = "Disabled"
    COMPLETED_OFFLINE = "CompletedOffline"
    ON_HOLD = "OnHold"


class PaymentStatus(StrEnum):
    """Order PaymentStatus."""

    NOT_YET_SUBMITTED = "NotYetSubmitted"
    CLEARED = "Cleared"
    SUBMITTED = "Submitted"
    FAILED = "Failed"
    DEPOSITED = "Deposited"


class DeliveryStatus(StrEnum):
    """FulfillmentDeliveryStatus (Complete = shipped, not delivered)."""

    NO_CHANGE = "NoChange"
    IN_TRANSIT = "InTransit"
    READY_FOR_PICKUP = "ReadyForPickup"
    COMPLETE = "Complete"
    CANCELED = "Canceled"
    THIRD_PARTY_MANAGED = "ThirdPartyManaged"


class FulfillmentType(StrEnum):
    """FulfillmentType."""

    SHIP = "Ship"
    PICKUP = "Pickup"
    SHIP_TO_STORE = "ShipToStore"
    COURIER = "Courier"


class AdjustmentType(StrEnum):
    """AdjustmentType: Refund after fulfillment, Cancellation before it."""

    REFUND = "Refund"
    CANCELLATION = "Cancellation"
    DISPUTE = "Dispute"


class AdjustmentReason(StrEnum):
    """AdjustmentReason (REST spelling: BuyerCancelled with a double l)."""

    GENERAL_ADJUSTMENT = "GeneralAdjustment"
    ITEM_NOT_AVAILABLE = "ItemNotAvailable"
    CUSTOMER_RETURNED_ITEM = "CustomerReturnedItem"
    COULD_NOT_SHIP = "CouldNotShip"
    ALTERNATE_ITEM_PROVIDED = "AlternateItemProvided"
    BUYER_CANCELLED = "BuyerCancelled"
    CUSTOMER_EXCHANGE = "CustomerExchange"
    MERCHANDISE_NOT_RECEIVED = "MerchandiseNotReceived"
    SHIPPING_ADDRESS_UNDELIVERABLE = "ShippingAddressUndeliverable"


class RequestStatus(StrEnum):
    """AdjustmentRequestStatus (RequestStatus / RestockStatus)."""

    ERROR = "Error"
    SUBMITTED_NOT_PROCESSED = "SubmittedNotProcessed"
    NEW_RMA = "NewRma"
    PENDING_APPROVAL = "PendingApproval"
    PROCESSING_APPROVAL = "ProcessingApproval"
    READY_FOR_RETURN = "ReadyForReturn"
    PENDING_RETURN = "PendingReturn"
    PROCESSING_RETURN_APPROVAL = "ProcessingReturnApproval"
    PENDING_REJECTION = "PendingRejection"
    PROCESSING_REJECTION = "ProcessingRejection"
    PROCESSED_NOT_ACKNOWLEDGED = "ProcessedNotAcknowledged"
    PENDING_RETURN_REJECTION = "PendingReturnRejection"
    PROCESSING_RETURN_REJECTION = "ProcessingReturnRejection"
    ACKNOWLEDGED_POST_PROCESSING_NOT_COMPLETE = "AcknowledgedPostProcessingNotComplete"
    POST_PROCESSING_COMPLETE = "PostProcessingComplete"
    REJECTION_COMPLETED = "RejectionCompleted"
    INFORMATION_ONLY = "InformationOnly"
    NO_CHANGE = "NoChange"


class OrderTaxType(StrEnum):
    """OrderTaxType / ShippingTaxType / GiftOptionsTaxType."""

    NO_TAX = "NoTax"
    STANDARD = "Standard"
    EXCLUSIVE_VAT = "ExclusiveVat"
    INCLUSIVE_VAT = "InclusiveVat"


class DistributionCenterTypeRollup(StrEnum):
    """DistributionCenterTypeRollup."""

    SELLER_MANAGED = "SellerManaged"
    EXTERNALLY_MANAGED = "ExternallyManaged"
    MIXED = "Mixed"
