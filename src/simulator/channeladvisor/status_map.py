"""CA-3: the TikTok Shop <-> ChannelAdvisor status tables, both directions, each total over its domain.

TikTok -> CA order status comes from ``profiles.yaml`` (``status_mappings.channeladvisor``); the reverse
table and the cancellation / returns tables live here. UNCERTAIN: the Rithum doc lists the terms but not
the pairs; these are the documented-most readings (reference/channeladvisor-api.md section 7).
"""

from __future__ import annotations

from typing import Any

from simulator.channeladvisor.enums import RequestStatus, ShippingStatus
from simulator.engine.states import CancelStatus, OrderStatus, ReturnStatus, ShipmentType
from simulator.rules import Profile

# CA ShippingStatus -> the TikTok order status the sync drives the order to (None: nothing is relayed).
CA_TO_TIKTOK: dict[ShippingStatus, OrderStatus | None] = {
    ShippingStatus.UNSHIPPED: OrderStatus.AWAITING_SHIPMENT,
    ShippingStatus.PENDING_SHIPMENT: OrderStatus.AWAITING_SHIPMENT,  # "fulfillment incomplete": still to ship
    ShippingStatus.PARTIALLY_SHIPPED: OrderStatus.PARTIALLY_SHIPPING,
    ShippingStatus.SHIPPED: OrderStatus.AWAITING_COLLECTION,  # a relayed shipment: TikTok awaits the carrier scan
    ShippingStatus.CANCELED: OrderStatus.CANCELLED,
    ShippingStatus.THIRD_PARTY_MANAGED: None,  # fulfilled outside the seller's OMS: nothing to relay
}

# TikTok cancellation status -> CA adjustment RequestStatus (CAN-B3, CAN-S3, CAN-P2).
CANCEL_TO_REQUEST: dict[CancelStatus, RequestStatus] = {
    CancelStatus.PENDING: RequestStatus.PENDING_APPROVAL,
    CancelStatus.SUCCESS: RequestStatus.POST_PROCESSING_COMPLETE,
    CancelStatus.COMPLETE: RequestStatus.POST_PROCESSING_COMPLETE,
    CancelStatus.CANCEL: RequestStatus.REJECTION_COMPLETED,
}



def request_status_for(status: CancelStatus, close_reason: str | None = None) -> RequestStatus:
    """A TikTok cancellation's state as the RequestStatus of its CA adjustment (CAN-B3, CAN-S3, CAN-P2).

    A buyer request closed because the platform cancelled the order itself (``superseded``) was
    neither rejected nor refunded through it: it is informational, and the platform's own
    adjustment carries the cancellation and the refund.
    """
    if status == CancelStatus.CANCEL and close_reason == "superseded":
        return RequestStatus.INFORMATION_ONLY
    return CANCEL_TO_REQUEST[status]


# The OMS's answer while it travels to TikTok (until the next sync).
IN_FLIGHT: dict[str, RequestStatus] = {
    "approve": RequestStatus.PROCESSING_APPROVAL,
    "reject": RequestStatus.PROCESSING_REJECTION,
    "cancel": RequestStatus.SUBMITTED_NOT_PROCESSED,
    "approve_return": RequestStatus.PROCESSING_APPROVAL,
    "reject_return": RequestStatus.PROCESSING_RETURN_REJECTION,
}

# Returns statuses of the Rithum doc (term -> CA RequestStatus of a Refund adjustment), CA-3 / RET-6.
RETURN_TO_REQUEST: dict[str, RequestStatus] = {
    "Request Pending": RequestStatus.NEW_RMA,
    "Waiting for Buyer to Ship": RequestStatus.PROCESSING_RETURN_APPROVAL,
    "Return Label Generated": RequestStatus.READY_FOR_RETURN,
    "Buyer Shipped": RequestStatus.PENDING_RETURN,
}
REQUEST_TO_RETURN: dict[RequestStatus, str] = {v: k for k, v in RETURN_TO_REQUEST.items()}

# TikTok return status -> the Rithum term while the return is open ("Waiting for Buyer to Ship" when the buyer
# arranges the carrier, "Return Label Generated" when TikTok issued the prepaid label).
_OPEN_TERMS: dict[ReturnStatus, str] = {
    ReturnStatus.PENDING: "Request Pending",
    ReturnStatus.AWAITING_BUYER_RESPONSE: "Request Pending",  # a partial refund offer: still the buyer's request
    ReturnStatus.BUYER_SHIPPED_ITEM: "Buyer Shipped",
}
# A decided return has no Rithum term: its adjustment says how it ended (refunded, or no refund).
RETURN_OUTCOME: dict[ReturnStatus, RequestStatus] = {
    ReturnStatus.SUCCESS: RequestStatus.ACKNOWLEDGED_POST_PROCESSING_NOT_COMPLETE,
    ReturnStatus.COMPLETE: RequestStatus.POST_PROCESSING_COMPLETE,
    ReturnStatus.REJECT: RequestStatus.REJECTION_COMPLETED,
    ReturnStatus.REJECT_RECEIVE_PACKAGE: RequestStatus.REJECTION_COMPLETED,
    ReturnStatus.CANCEL: RequestStatus.REJECTION_COMPLETED,
}
# What the OMS answered, read back from the adjustment's RequestStatus: the TikTok step it decides.
ANSWERABLE: dict[RequestStatus, ReturnStatus] = {
    RequestStatus.NEW_RMA: ReturnStatus.PENDING,
    RequestStatus.PENDING_RETURN: ReturnStatus.BUYER_SHIPPED_ITEM,
}


def return_term(status: ReturnStatus | str, shipment: ShipmentType | str) -> str | None:
    """The Rithum doc's term for an open TikTok return (None once it is decided)."""
    status = ReturnStatus(status)
    if status == ReturnStatus.AWAITING_BUYER_SHIP:
        return "Return Label Generated" if ShipmentType(shipment) == ShipmentType.PLATFORM else (
            "Waiting for Buyer to Ship")
    return _OPEN_TERMS.get(status)


def return_request_status(status: ReturnStatus | str, shipment: ShipmentType | str) -> RequestStatus:
    """A TikTok return's state as the RequestStatus of its CA adjustments (RET-6), total over both enums."""
    term = return_term(status, shipment)
    return RETURN_TO_REQUEST[term] if term is not None else RETURN_OUTCOME[ReturnStatus(status)]


_TABLES: dict[int, tuple[Profile, dict[str, Any]]] = {}  # id(profile) -> (profile, its CA mapping); the entry keeps it


def _table(profile: Profile) -> dict[str, Any]:
    """``status_mappings.channeladvisor`` of a profile, copied once per profile object (a sync reads it per order)."""
    known = _TABLES.get(id(profile))
    if known is None:
        if len(_TABLES) >= 64:
            _TABLES.clear()
        known = _TABLES[id(profile)] = (profile, profile.status_mapping("channeladvisor"))
    return known[1]


def to_ca(profile: Profile, status: OrderStatus | str, shipping_type: str = "SELLER") -> ShippingStatus | None:
    """TikTok order status -> CA ShippingStatus (None: the order is not, or not yet, in ChannelAdvisor).

    An order TikTok ships itself (``shipping_type`` TIKTOK) is "Third Party Managed" until cancelled (PKG-4).
    """
    value = _table(profile)[str(status)]
    if value is not None and shipping_type == "TIKTOK" and str(status) != OrderStatus.CANCELLED:
        return ShippingStatus.THIRD_PARTY_MANAGED
    return None if value is None else ShippingStatus(value)


def to_tiktok(status: ShippingStatus | str) -> OrderStatus | None:
    """CA ShippingStatus -> the TikTok status the sync produces (None: no relay)."""
    return CA_TO_TIKTOK[ShippingStatus(status)]
