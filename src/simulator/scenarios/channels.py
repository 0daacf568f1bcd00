"""Seller actions by integration path (``via``): the engine itself, or a partner OMS on a vendor API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from simulator.scenarios.clients import Clients, Refused

if TYPE_CHECKING:
    from simulator.engine import Order
    from simulator.scenarios.runner import Context

VIAS = ("engine", "tiktok_api", "channeladvisor", "sfcc")
DEFAULT_CARRIERS = {"US": ("UPS", "GROUND"), "UK": ("RoyalMail", "Tracked24")}


def _clients(ctx: Context) -> Clients:
    if ctx.clients is None:
        ctx.clients = Clients(ctx.world)
    return ctx.clients


def _refuse_unsupported(via: str, action: str) -> Refused:
    return Refused(via, "unsupported", f"{action} has no {via} path (use one of the others)")


# -- ship ----------------------------------------------------------------------------------------
def ship(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """FUL-1 (tiktok_api), FUL-5 (channeladvisor), FUL-4 event push (sfcc) or the engine directly."""
    index = int(args.get("package", 0))
    tracking = str(args.get("tracking_number") or f"SIM{order.package_ids[min(index, len(order.package_ids) - 1)][-10:]}")
    if via == "engine":
        ctx.world.engine.ship_package(order.package_ids[index], tracking_number=tracking,
                                      shipping_provider_id=args.get("provider", "engine"))
        return
    clients = _clients(ctx)
    if via == "tiktok_api":  # Get Order Detail -> Get Shipping Providers -> Ship Package (FUL-1)
        detail = clients.tiktok("GET", "/order/202309/orders", order.shop_id, query={"ids": order.id})["orders"][0]
        package_id = detail["packages"][index]["id"]
        providers = clients.tiktok(
            "GET", f"/logistics/202309/delivery_options/{detail['delivery_option_id']}/shipping_providers",
            order.shop_id)["shipping_providers"]
        wanted = args.get("provider")
        provider = next((p for p in providers if wanted in (None, p["id"], p["name"])), None)
        clients.tiktok("POST", f"/fulfillment/202309/packages/{package_id}/ship", order.shop_id, body={
            "self_shipment": {"tracking_number": tracking,
                              "shipping_provider_id": provider["id"] if provider else str(wanted)}})
    elif via == "channeladvisor":
        ca = clients.ca_order(order.id)
        carrier, klass = DEFAULT_CARRIERS.get(order.region, DEFAULT_CARRIERS["US"])
        clients.channeladvisor("POST", f"/v1/Orders({ca['ID']})/Ship", json_body={"Value": {
            "ShippedDateUtc": ctx.world.clock.now().isoformat().replace("+00:00", "Z"), "TrackingNumber": tracking,
            "ShippingCarrier": args.get("carrier", carrier), "ShippingClass": args.get("class", klass),
            "DeliveryStatus": "Complete"}})
    elif via == "sfcc":
        doc, path = _sfcc_order(ctx, order)
        clients.sfcc("PATCH", path, json_body={
            "c_orderAction": "update", "shipping_status": "shipped",
            "product_items": [{"product_id": item["product_id"], "c_externalLineItemStatus": 2,
                               "c_carrier": args.get("carrier", "USPS"), "c_trackingNumber": tracking}
                              for item in doc["product_items"]]})


# -- cancel, approve, reject, export -----------------------------------------------------------------
def cancel(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """Seller cancels: CAN-S2 (engine, tiktok_api), CAN-S3 (channeladvisor), CAN-S1 (sfcc)."""
    reason = args.get("reason")
    if via == "engine":
        ctx.world.engine.seller_cancel(order.id, reason or "")
    elif via == "tiktok_api":
        _clients(ctx).tiktok("POST", "/return_refund/202309/cancellations", order.shop_id,
                             body={"order_id": order.id, "cancel_reason": reason or ""})
    elif via == "channeladvisor":
        ca = _clients(ctx).ca_order(order.id)
        _clients(ctx).channeladvisor("POST", f"/v1/Orders({ca['ID']})/Adjust",
                                     json_body={"Reason": reason or "ItemNotAvailable"})
    elif via == "sfcc":
        _, path = _sfcc_order(ctx, order)
        info = json.dumps({"cancelItems": {}, "reasonCode": reason or "out_of_stock"})
        _clients(ctx).sfcc("PATCH", path, json_body={"c_orderAction": "cancel_order", "c_cancelInfo": info})


def approve(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """Seller approves a buyer request: CAN-B4 (engine, tiktok_api) or CAN-B3 (channeladvisor)."""
    if via == "engine":
        ctx.world.engine.approve_cancellation(_pending(order))
    elif via == "tiktok_api":
        _clients(ctx).tiktok("POST", f"/return_refund/202309/cancellations/{_pending(order)}/approve", order.shop_id)
    elif via == "channeladvisor":
        ca = _clients(ctx).ca_order(order.id)
        _clients(ctx).channeladvisor("POST", f"/v1/Orders({ca['ID']})/Adjust", json_body={"Reason": "BuyerCancelled"})
    else:
        raise _refuse_unsupported(via, "seller.approve")


def reject(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """Seller rejects a buyer request with a reject reason (CAN-B4; CAN-B3 through the CA extension)."""
    reason = args.get("reason") or ""
    if via == "engine":
        ctx.world.engine.reject_cancellation(_pending(order), reason, comment=args.get("comment"))
    elif via == "tiktok_api":
        _clients(ctx).tiktok("POST", f"/return_refund/202309/cancellations/{_pending(order)}/reject", order.shop_id,
                             body={"reject_reason": reason, "comment": args.get("comment", "")})
    elif via == "channeladvisor":
        ca = _clients(ctx).ca_order(order.id)
        pending = [a for a in ca.get("Adjustments", []) if a.get("RequestStatus") == "PendingApproval"]
        if not pending:
            raise Refused(via, 404, f"order {order.id} has no pending cancellation request in ChannelAdvisor")
        body = {"RejectReason": reason} if reason else {}
        _clients(ctx).channeladvisor("POST", f"/v1/Orders({ca['ID']})/Adjustments({pending[0]['ID']})/Reject",
                                     json_body=body)
    else:
        raise _refuse_unsupported(via, "seller.reject")


def export(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """The OMS marks a ChannelAdvisor order exported (CA-2)."""
    if via != "channeladvisor":
        raise _refuse_unsupported(via, "seller.export")
    ca = _clients(ctx).ca_order(order.id)
    _clients(ctx).channeladvisor("POST", f"/v1/Orders({ca['ID']})/Export")


def _pending(order: Order) -> str:
    if order.pending_cancel_id is None:
        raise Refused("engine", "no_request", f"order {order.id} has no pending cancellation request")
    return order.pending_cancel_id


def _sfcc_order(ctx: Context, order: Order) -> tuple[dict[str, Any], str]:
    sfcc = ctx.world.systems.get("sfcc")
    if sfcc is None:
        raise Refused("sfcc", "not_installed", "the SFCC system is not installed in this world")
    doc = sfcc.project_order(order.id)
    if doc is None:
        raise Refused("sfcc", 404, f"order {order.id} is not in SFCC (yet)")
    site = next(s["site_id"] for s in sfcc.credentials()["sites"] if s["tiktok_shop_id"] == order.shop_id)
    return doc, f"/s/{site}/dw/shop/v22_6/orders/{doc['order_no']}"
