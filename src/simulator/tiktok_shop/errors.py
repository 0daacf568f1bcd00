"""TikTok Shop error codes: one exception per vendor code (moto style) and the engine-refusal table.

Documented codes (API doc common-errors, cancel-reasons, gx13i64p): 36009004, 106001, 105002,
106013, 101000, 36009002, 36009009, 36009010, 36009014, 36009022, 36004001/4/5, 25001021, 25001045, 25001051,
25001011. Codes marked UNCERTAIN below are the simulator's own choice (the real ones live in each
endpoint's "Errorcode" section, not retrieved): distinct 21xxxxxx (fulfillment/logistics) and
25xxxxxx (return_refund) values with clear messages. Business errors answer HTTP 200 by default
(both official SDK styles read the envelope); gateway errors use the observed 4xx statuses.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulator.engine.errors import EngineError
from simulator.inbound import InputError, Refusal


class TikTokError(Exception):
    """Base: renders as ``{code, message, request_id, data}`` with ``http_status``."""

    code: ClassVar[int] = 36009003
    http_status: ClassVar[int] = 200
    default_message: ClassVar[str] = "Internal error, please retry."

    def __init__(self, message: str | None = None, *, rule: str | None = None, data: Any = None) -> None:
        self.message = message or self.default_message
        self.rule = rule
        self.data = data
        self.sim: dict[str, Any] = {}  # simulator-only aids for the journal entry, never in the answer
        super().__init__(self.message)


# -- gateway (common errors) ---------------------------------------------------------------------
class InvalidCredentials(TikTokError):
    """36009004: app_key, timestamp, access-token header or identifier problems (message says which)."""

    code = 36009004
    http_status = 400
    default_message = "Invalid credentials."


class InvalidParameter(InvalidCredentials):
    """36009004 reused for request validation (missing/invalid parameter); message names the parameter."""

    default_message = "Invalid request parameter."


class InvalidSign(TikTokError):
    """106001: the signature does not match."""

    code = 106001
    http_status = 400
    default_message = "Invalid credentials. The 'sign' query parameter is invalid."


class ExpiredCredentials(TikTokError):
    """105002: the access token has expired (refresh it)."""

    code = 105002
    http_status = 401
    default_message = "Expired credentials. The 'x-tts-access-token' header has expired, please refresh it."


class TokenNotForShop(TikTokError):
    """101000: the access token is not authorized for this shop."""

    code = 101000
    http_status = 401
    default_message = "Invalid 'x-tts-access-token' for this shop: the seller has not authorized this shop."


class MissingShopCipher(TikTokError):
    """106013: shop-scoped endpoint called without ``shop_cipher``."""

    code = 106013
    http_status = 400
    default_message = "Missing identifier. The 'shop_cipher' query parameter is required for this API."


class TooManyRequests(TikTokError):
    """36009002: rate limit per (app, shop) exceeded (HTTP 429)."""

    code = 36009002
    http_status = 429
    default_message = "Too many requests. Please retry with exponential backoff."


class InvalidPath(TikTokError):
    """36009009: the path is not an API (HTTP 404)."""

    code = 36009009
    http_status = 404
    default_message = "Invalid path. Please check the API path and version."


class InvalidVersion(InvalidPath):
    """36009014: a served API called in a version the gateway does not serve (HTTP 404 as for an unknown path;
    the status is UNCERTAIN, the code is the common-errors page's "Invalid API version")."""

    code = 36009014
    default_message = "Invalid API version. Please check the version in the API path."


class InvalidMethod(TikTokError):
    """36009010: the path exists but not with this HTTP method."""

    code = 36009010
    http_status = 405
    default_message = "Invalid method. Please check the HTTP method of this API."


class InvalidBodyFormat(TikTokError):
    """36009022: the body is not valid JSON."""

    code = 36009022
    http_status = 400
    default_message = "Invalid body format. The request body must be a JSON object."


class BodyTooLarge(InvalidBodyFormat):
    """36009022 with HTTP 413 (UNCERTAIN: the docs give no size code; the body-format code is the nearest)."""

    http_status = 413
    default_message = "Invalid body format. The request body is too large."


class InternalError(TikTokError):
    """36009003: an unexpected simulator failure (reported, never silent)."""

    code = 36009003
    http_status = 500


# -- auth host -----------------------------------------------------------------------------------
class InvalidAuthCode(TikTokError):
    """36004004: unknown auth code."""

    code = 36004004
    http_status = 200
    default_message = "Invalid auth code."


class RefreshTokenExpired(TikTokError):
    """36004001: the refresh token has expired."""

    code = 36004001
    default_message = "rt has expired"


class AuthRecordNotFound(TikTokError):
    """36004005: unknown refresh token."""

    code = 36004005
    default_message = "can not find related auth record"


# -- logistics / fulfillment (21xxxxxx; UNCERTAIN codes except 21008106) ---------------------------
class UnsupportedBusinessScene(TikTokError):
    """11007009: Get Logistics Tracking (202604) for an order that is not cross-border (its Errorcode table)."""

    code = 11007009
    default_message = "This order is not in supported business scenes"



class PackageNotFound(TikTokError):
    """21001001 (UNCERTAIN): unknown package, or one of another shop."""

    code = 21001001
    default_message = "Package not found."


class FulfillmentOrderNotFound(TikTokError):
    """21001002 (UNCERTAIN): unknown order (fulfillment module)."""

    code = 21001002
    default_message = "Order not found."


class WarehouseNotFound(TikTokError):
    """21001003 (UNCERTAIN): unknown warehouse."""

    code = 21001003
    default_message = "Warehouse not found."


class DeliveryOptionNotFound(TikTokError):
    """21001004 (UNCERTAIN): unknown delivery option."""

    code = 21001004
    default_message = "Delivery option not found."


class OrderOnHold(TikTokError):
    """21011001 (UNCERTAIN): HOLD-2, an ON_HOLD order cannot be fulfilled."""

    code = 21011001
    default_message = "The order is on hold (buyer remorse period) and cannot be shipped yet."


class ShipCancelledOrder(TikTokError):
    """21011002 (UNCERTAIN): FUL-2, the order or package is cancelled."""

    code = 21011002
    default_message = "The order has been cancelled and cannot be shipped."


class PackageAlreadyShipped(TikTokError):
    """21011003 (UNCERTAIN): FUL-2, the package was already shipped."""

    code = 21011003
    default_message = "The package has already been shipped."


class OrderUnpaid(TikTokError):
    """21011004 (UNCERTAIN): an UNPAID order cannot be shipped."""

    code = 21011004
    default_message = "The order has not been paid and cannot be shipped."


class InvalidShippingProvider(TikTokError):
    """21011005 (UNCERTAIN): FUL-2, provider unknown for the order's delivery option."""

    code = 21011005
    default_message = "Invalid shipping_provider_id for this package's delivery option."


class TrackingNumberRequired(TikTokError):
    """21011006 (UNCERTAIN): seller shipping needs ``self_shipment.tracking_number``."""

    code = 21011006
    default_message = "tracking_number is required for seller shipping."


class ShippingProviderRequired(TikTokError):
    """21011007 (UNCERTAIN): seller shipping needs ``self_shipment.shipping_provider_id``."""

    code = 21011007
    default_message = "shipping_provider_id is required for seller shipping."


class PackageNotShipped(TikTokError):
    """21011008 (UNCERTAIN): shipping info can only be updated on a shipped package."""

    code = 21011008
    default_message = "The package has not been shipped; shipping info cannot be updated."


class ShippingInfoWindowExpired(TikTokError):
    """21011009 (UNCERTAIN): the 72 h update window after shipping has passed."""

    code = 21011009
    default_message = "Shipping info can only be updated within 72 hours after shipping."


class ShippingInfoLocked(TikTokError):
    """21011010 (UNCERTAIN): delivered or cancelled packages keep their shipping info."""

    code = 21011010
    default_message = "The package is delivered or cancelled; shipping info cannot be updated."


class BusinessTypeNotSupported(TikTokError):
    """21008106: "This interface cannot be used in this region or this business type." (ECOM issue #26).

    Mark Package As Shipped outside its markets, and a seller's own tracking on an order TikTok ships (PKG-4).
    """

    code = 21008106
    default_message = "This interface cannot be used in this region or this business type. Please don't use the api."


class InvalidSplit(TikTokError):
    """21011012 (UNCERTAIN): split groups that do not cover the order's unshipped units exactly (PKG-1)."""

    code = 21011012
    default_message = "Invalid splittable groups."


class MultiplePackages(TikTokError):
    """21011011 (UNCERTAIN): order-level update on a split order (use the package variant)."""

    code = 21011011
    default_message = "The order has several packages; update shipping info per package."


# -- return_refund (25xxxxxx) ----------------------------------------------------------------------
class ReasonNotMatchOrderStatus(TikTokError):
    """25001021: the cancel reason does not fit the order status (CAN-S2)."""

    code = 25001021
    default_message = "Reason not match order status."


class OrderAlreadyShipped(TikTokError):
    """25001045: a shipped order cannot be cancelled (CAN-X1)."""

    code = 25001045
    default_message = "The order has been shipped and cannot be cancelled."


class OrderAlreadyCompleted(TikTokError):
    """25001051: a completed order cannot be cancelled (CAN-X1)."""

    code = 25001051
    default_message = "The order has been completed and cannot be cancelled."


class CancellationInProcess(TikTokError):
    """25001011: a cancellation or return is already in process (CAN-X1)."""

    code = 25001011
    default_message = "A cancellation or return is already in process for this order."


class RefundOrderNotFound(TikTokError):
    """25001001 (UNCERTAIN): unknown order (return_refund module)."""

    code = 25001001
    default_message = "Order not found."


class CancellationNotFound(TikTokError):
    """25001002 (UNCERTAIN): unknown cancellation."""

    code = 25001002
    default_message = "Cancellation not found."


class OrderAlreadyCancelled(TikTokError):
    """25001003 (UNCERTAIN): the order is already cancelled (CAN-X1)."""

    code = 25001003
    default_message = "The order has already been cancelled."


class CancelReasonRequired(TikTokError):
    """25001004 (UNCERTAIN): ``cancel_reason`` missing."""

    code = 25001004
    default_message = "cancel_reason is required."


class InvalidRejectReason(TikTokError):
    """25001005 (UNCERTAIN): ``reject_reason`` missing or not a documented key (CAN-B4)."""

    code = 25001005
    default_message = "reject_reason is required and must be a valid reject reason."


class CancellationAlreadyProcessed(TikTokError):
    """25001006 (UNCERTAIN): the cancellation is no longer pending (CAN-X1)."""

    code = 25001006
    default_message = "The cancellation request has already been processed."


class PartialCancelNotSupported(TikTokError):
    """25001008 (UNCERTAIN): a partial cancel the rules refuse (market, reason, units not in the order, CAN-L1)."""

    code = 25001008
    default_message = "Partial cancellation is not supported for this order."


class CancelNotAllowed(TikTokError):
    """25001009 (UNCERTAIN): the order status does not allow this cancellation action."""

    code = 25001009
    default_message = "The order status does not allow this cancellation."


# -- return_refund: returns (codes from the Approve/Reject Return docs; UNCERTAIN where marked) ----------
class ReturnBadParameter(TikTokError):
    """25001001: a bad parameter of a return call (API doc Approve Return error list)."""

    code = 25001001
    default_message = "Invalid parameter."


class ReturnOrderStatus(TikTokError):
    """25001003: the order's status does not allow this return request (API doc Approve Return)."""

    code = 25001003
    default_message = "The order status does not allow this return or refund request."


class ReturnStatusBlocks(TikTokError):
    """25011012: the return's current step does not allow this decision (API doc Approve Return)."""

    code = 25011012
    default_message = "The return status does not allow this operation."


class ReturnClosed(TikTokError):
    """25011013: the return is closed (rejected, cancelled or refunded) (API doc Approve Return)."""

    code = 25011013
    default_message = "The return has been closed."


class DecisionMismatch(TikTokError):
    """25020004: the decision does not match the return type (API doc Approve/Reject Return)."""

    code = 25020004
    default_message = "The decision does not match the return type."


class ReturnAlreadyApproved(TikTokError):
    """25020010: an approved return cannot be rejected (API doc Reject Return)."""

    code = 25020010
    default_message = "The return request has already been approved."


class ReturnReasonOffline(TikTokError):
    """25001020: the reject reason is not offered for this return (API doc Reject Return: reason offline)."""

    code = 25001020
    default_message = "The reason is offline or not available for this return."


class ReturnNotFound(TikTokError):
    """25020001 (UNCERTAIN): unknown return, or one of another shop."""

    code = 25020001
    default_message = "Return not found."


# Engine refusal slug -> TikTok error, per module; "*" is the fallback for any module.
ENGINE_CODES: dict[str, dict[str, type[TikTokError]]] = {
    "fulfillment": {
        "order_on_hold": OrderOnHold,
        "order_unpaid": OrderUnpaid,
        "order_cancelled": ShipCancelledOrder,
        "package_cancelled": ShipCancelledOrder,
        "already_shipped": PackageAlreadyShipped,
        "tracking_required": TrackingNumberRequired,
        "provider_required": ShippingProviderRequired,
        "not_shipped": PackageNotShipped,
        "window_expired": ShippingInfoWindowExpired,
        "shipping_info_locked": ShippingInfoLocked,
        "order_not_found": FulfillmentOrderNotFound,
        "package_not_found": PackageNotFound,
        "order_completed": PackageAlreadyShipped,
        "shipped_by_tiktok": BusinessTypeNotSupported,
        "split_groups": InvalidSplit,
        "split_lines": InvalidSplit,
        "unknown_line": InvalidSplit,
        "no_lines": InvalidSplit,
        "line_cancelled": InvalidSplit,
    },
    "return_refund": {
        "reason_mismatch": ReasonNotMatchOrderStatus,
        "reason_required": CancelReasonRequired,
        "already_shipped": OrderAlreadyShipped,
        "order_completed": OrderAlreadyCompleted,
        "order_cancelled": OrderAlreadyCancelled,
        "cancel_pending": CancellationInProcess,
        "reject_reason_required": InvalidRejectReason,
        "reject_reason_invalid": InvalidRejectReason,
        "already_approved": CancellationAlreadyProcessed,
        "already_closed": CancellationAlreadyProcessed,
        "order_not_found": RefundOrderNotFound,
        "cancellation_not_found": CancellationNotFound,
        "no_request": CancelNotAllowed,
        "needs_seller_review": CancelNotAllowed,
        "cancel_directly": CancelNotAllowed,
        "partial_cancel_refused": PartialCancelNotSupported,
        "unknown_line": PartialCancelNotSupported,
        "no_lines": PartialCancelNotSupported,
        "line_cancelled": OrderAlreadyCancelled,
    },
    "returns": {
        "reason_mismatch": ReasonNotMatchOrderStatus,
        "return_in_process": CancellationInProcess,
        "not_delivered": ReturnOrderStatus,
        "return_window_closed": ReturnOrderStatus,
        "order_cancelled": ReturnOrderStatus,
        "order_completed": ReturnOrderStatus,
        "return_status_blocks": ReturnStatusBlocks,
        "return_closed": ReturnClosed,
        "already_refunded": ReturnBadParameter,
        "not_approved": ReturnStatusBlocks,
        "already_delivered": ReturnStatusBlocks,
        "already_approved": ReturnAlreadyApproved,
        "decision_mismatch": DecisionMismatch,
        "bad_decision": ReturnBadParameter,
        "bad_parameter": ReturnBadParameter,
        "bad_partial_refund": ReturnBadParameter,
        "bad_line_items": ReturnBadParameter,
        "bad_tracking": ReturnBadParameter,
        "reject_reason_required": ReturnBadParameter,
        "reject_reason_invalid": ReturnReasonOffline,
        "order_not_found": RefundOrderNotFound,
        "return_not_found": ReturnNotFound,
    },
    "*": {
        "order_not_found": FulfillmentOrderNotFound,
        "package_not_found": PackageNotFound,
        "cancellation_not_found": CancellationNotFound,
        "return_not_found": ReturnNotFound,
    },
}


def from_input(exc: InputError) -> TikTokError:
    """The gateway error for an input-layer refusal: 36009022 for the body, 36009004 for the query."""
    if exc.refusal is Refusal.RATE_LIMITED:
        return TooManyRequests()
    if exc.refusal is Refusal.SERVER_ERROR:
        return InternalError("Internal error. Please retry later.")
    if exc.refusal is Refusal.TOO_LARGE:
        return BodyTooLarge(f"Invalid body format. {exc.message}")
    if exc.refusal in (Refusal.URI_TOO_LONG, Refusal.BAD_QUERY, Refusal.DUPLICATE, Refusal.INVALID_PARAMETER,
                       Refusal.INVALID_FIELD):  # 36009004 is TikTok's code for any invalid parameter
        return InvalidParameter(f"Invalid request parameter. {exc.message}")
    return InvalidBodyFormat(f"Invalid body format. {exc.message}")


def from_engine(exc: EngineError, module: str) -> TikTokError:
    """The TikTok error for an engine refusal, keeping the engine's message and rule ID."""
    table = ENGINE_CODES.get(module, {})
    cls = table.get(exc.reason) or ENGINE_CODES["*"].get(exc.reason)
    if cls is None:  # a refusal without a vendor code of its own: still a specific, documented envelope
        cls = {"return_refund": CancelNotAllowed, "returns": ReturnStatusBlocks}.get(module, InvalidParameter)
    message = exc.message if not exc.rule or f"({exc.rule})" in exc.message else f"{exc.message} ({exc.rule})"
    detail = message if cls is InvalidParameter else f"{cls.default_message} ({message})"
    return cls(detail, rule=exc.rule)
