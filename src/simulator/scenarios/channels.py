"""Seller actions by integration path (``via``): the engine itself, or a partner OMS on a vendor API.

Paths: ``tiktok_api`` (signed Partner API), ``channeladvisor`` (REST), ``sfcc`` (OCAPI event push),
``sfcc_batch`` (a status CSV uploaded over WebDAV), ``sfcc_pull`` (SFCC's job pulls the OMS's status),
``engine`` (the reference engine directly). FUL-4 names the three SFCC ones.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from simulator.scenarios.clients import Clients, Refused

if TYPE_CHECKING:
    from simulator.engine import Order
    from simulator.scenarios.context import Context

DEFAULT_CARRIERS = {"US": ("UPS", "GROUND"), "UK": ("RoyalMail", "Tracked24")}
BATCH_FOLDER = "src/feeds/import/oms/status"  # the TikTok-UpdateOrderStatus job's folder (mocks/sfcc/instance.yaml)


def _clients(ctx: Context) -> Clients:
    if ctx.clients is None:
        ctx.clients = Clients(ctx.world, ctx.calls, ctx.app())
    return ctx.clients


def _refuse_unsupported(via: str, action: str) -> Refused:
    return Refused(via, "unsupported", f"{action} has no {via} path (use one of the others)")


def _tracking(order: Order, args: dict[str, Any]) -> str:
    index = int(args.get("package", 0))
    return str(args.get("tracking_number") or f"SIM{order.package_ids[min(index, len(order.package_ids) - 1)][-10:]}")


# -- ship ----------------------------------------------------------------------------------------
def ship(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """FUL-1 (tiktok_api), FUL-5 (channeladvisor), FUL-4 push, batch or pull (sfcc*), or the engine directly."""
    index = int(args.get("package", 0))
    tracking = _tracking(order, args)
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
        body: dict[str, Any] = {"self_shipment": {
            "tracking_number": tracking, "shipping_provider_id": provider["id"] if provider else str(wanted)}}
        if detail.get("shipping_type") == "TIKTOK" and args.get("label") == "tiktok":  # PKG-4: TikTok's own label
            body = {"handover_method": "DROP_OFF"}
        clients.tiktok("POST", f"/fulfillment/202309/packages/{package_id}/ship", order.shop_id, body=body)
    elif via == "channeladvisor":
        ca = clients.ca_order(order.id)
        carrier, klass = DEFAULT_CARRIERS.get(order.region, DEFAULT_CARRIERS["US"])
        clients.channeladvisor("POST", f"/v1/Orders({ca['ID']})/Ship", json_body={"Value": {
            "ShippedDateUtc": ctx.world.clock.now().isoformat().replace("+00:00", "Z"), "TrackingNumber": tracking,
            "ShippingCarrier": args.get("carrier", carrier), "ShippingClass": args.get("class", klass),
            "DeliveryStatus": "Complete"}})
    elif via == "sfcc":
        doc, path = _sfcc_order(ctx, order)
        lines = {item["product_id"] for item in doc["product_items"]}
        if "package" in args:  # only the SFCC lines of that package's units (a partial shipment)
            package_id = order.package_ids[index]
            lines = {li.seller_sku or li.sku_id for li in order.line_items if li.package_id == package_id}
        partial = len(lines) < len(doc["product_items"])
        clients.sfcc("PATCH", path, json_body={
            "c_orderAction": "update", "shipping_status": "part_shipped" if partial else "shipped",
            "product_items": [{"product_id": item["product_id"], "c_externalLineItemStatus": 2,
                               "c_carrier": args.get("carrier", "USPS"), "c_trackingNumber": tracking}
                              for item in doc["product_items"] if item["product_id"] in lines]})
    elif via == "sfcc_batch":
        doc, _ = _sfcc_order(ctx, order)
        _batch(ctx, doc["order_no"], "", "SHIPPING_STATUS_SHIPPED", tracking, args.get("carrier", "USPS"))
    elif via == "sfcc_pull":
        doc, _ = _sfcc_order(ctx, order)
        _pulled(ctx, {"orderNo": doc["order_no"], "orderStatus": "", "shippingStatus": "SHIPPING_STATUS_SHIPPED",
                      "trackingNumber": tracking, "carrier": args.get("carrier", "USPS")})


# -- cancel, approve, reject, export, read ----------------------------------------------------------
def units(ctx: Context, order: Order, args: dict[str, Any]) -> list[str]:
    """``items: [{sku, quantity}]`` as unit ids (a partial cancel, CAN-L1/L2)."""
    skus = [(ctx.sku_of(order, i.get("sku", 0)), int(i.get("quantity", 1))) for i in args["items"]]
    return ctx.world.engine.units_for_skus(order.id, skus)


def cancel(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """Seller cancels: CAN-S2 (engine, tiktok_api), CAN-S3 (channeladvisor), CAN-S1 (sfcc*); ``items``: some units
    (CAN-L1 on the API, CAN-L4 as ChannelAdvisor item adjustments)."""
    reason = args.get("reason")
    some = [(ctx.sku_of(order, i.get("sku", 0)), int(i.get("quantity", 1))) for i in args.get("items") or []]
    if via == "engine":
        ctx.world.engine.seller_cancel(order.id, reason or "", units(ctx, order, args) if some else None)
    elif via == "tiktok_api":
        body: dict[str, Any] = {"order_id": order.id, "cancel_reason": reason or ""}
        if some:
            body["skus"] = [{"sku_id": sku, "quantity": qty} for sku, qty in some]
        _clients(ctx).tiktok("POST", "/return_refund/202309/cancellations", order.shop_id, body=body)
    elif via == "channeladvisor" and some:  # one item-level adjustment (one may wait for the sync at a time)
        ca = _clients(ctx).ca_order(order.id, expand="Items")
        sku = next(li.seller_sku for li in order.line_items if li.sku_id == some[0][0])
        item = next(i for i in ca["Items"] if i["Sku"] == sku)
        _clients(ctx).channeladvisor("POST", f"/v1/OrderItems({item['ID']})/Adjust",
                                     json_body={"Reason": reason or "ItemNotAvailable", "Quantity": some[0][1]})
    elif via == "channeladvisor":
        ca = _clients(ctx).ca_order(order.id)
        _clients(ctx).channeladvisor("POST", f"/v1/Orders({ca['ID']})/Adjust",
                                     json_body={"Reason": reason or "ItemNotAvailable"})
    elif via == "sfcc":
        _, path = _sfcc_order(ctx, order)
        items: dict[str, dict[str, Any]] = {}
        if "package" in args:  # a partial cancel (CAN-L3): the SFCC lines of that package's units
            package = ctx.world.engine.packages[order.package_ids[int(args["package"])]]
            for li in order.line_items:
                if li.id in package.line_item_ids:
                    entry = items.setdefault(li.seller_sku or li.sku_id, {"quantity": 0, "reason": reason or ""})
                    entry["quantity"] += 1
        info = json.dumps({"cancelItems": items, "reasonCode": reason or "out_of_stock"})
        _clients(ctx).sfcc("PATCH", path, json_body={"c_orderAction": "cancel" if items else "cancel_order",
                                                     "c_cancelInfo": info})
    elif via == "sfcc_batch":
        doc, _ = _sfcc_order(ctx, order)
        _batch(ctx, doc["order_no"], "ORDER_STATUS_CANCELLED", "", "", "")
    elif via == "sfcc_pull":
        doc, _ = _sfcc_order(ctx, order)
        _pulled(ctx, {"orderNo": doc["order_no"], "orderStatus": "ORDER_STATUS_CANCELLED", "shippingStatus": ""})


def split(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """PKG-1: regroup the unshipped units (``groups`` of unit indexes; default: one package per unit)."""
    if "groups" in args:
        groups = [[order.line_items[i].id for i in group] for group in args["groups"]]
    else:
        groups = [[li.id] for li in order.line_items if li.status.value != "CANCELLED"
                  and ctx.world.engine.packages[li.package_id].rts_time is None]
    if via == "engine":
        ctx.world.engine.split_order(order.id, groups)
    elif via == "tiktok_api":
        _clients(ctx).tiktok("POST", f"/fulfillment/202309/orders/{order.id}/split", order.shop_id, body={
            "splittable_groups": [{"id": str(n), "order_line_item_ids": g} for n, g in enumerate(groups, 1)]})
    else:
        raise _refuse_unsupported(via, "seller.split")


def mark_shipped(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """PKG-3: Mark Package As Shipped for ``units`` (indexes into the order's units) with the seller's tracking."""
    lines = [order.line_items[i].id for i in args.get("units", range(len(order.line_items)))]
    tracking = str(args.get("tracking_number") or f"SIM{lines[0][-10:]}")
    option = ctx.world.systems["tiktok"].delivery_option_for(order)
    provider = option.providers[0].id if option is not None and option.providers else "engine"
    if via == "engine":
        ctx.world.engine.mark_package_shipped(order.id, lines, tracking_number=tracking, shipping_provider_id=provider)
    elif via == "tiktok_api":
        _clients(ctx).tiktok("POST", f"/fulfillment/202309/orders/{order.id}/packages", order.shop_id, body={
            "order_line_item_ids": lines, "tracking_number": tracking, "shipping_provider_id": provider})
    else:
        raise _refuse_unsupported(via, "seller.mark_shipped")


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


def approve_return(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """Seller approves the order's open return: RET-2/RET-3 (engine, tiktok_api), RET-6 (channeladvisor)."""
    _answer_return(ctx, order, args, via, approve=True)


def reject_return(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """Seller rejects the order's open return with a reject reason (RET-2/RET-3; RET-6 through the CA extension)."""
    _answer_return(ctx, order, args, via, approve=False)


def _answer_return(ctx: Context, order: Order, args: dict[str, Any], via: str, *, approve: bool) -> None:
    reason = args.get("reason") or ""
    amount = args.get("partial_refund")
    if via == "engine":
        from decimal import Decimal

        engine = ctx.world.engine
        if approve:
            engine.approve_return(_open_return(order), args.get("decision"), buyer_keep_item=bool(
                args.get("buyer_keep_item")), partial_refund=Decimal(amount) if amount else None)
        else:
            engine.reject_return(_open_return(order), reason, decision=args.get("decision"), comment=args.get("comment"))
        return
    clients = _clients(ctx)
    if via == "tiktok_api":  # Search Returns for the order, then the decision its step calls for
        found = clients.tiktok("POST", "/return_refund/202309/returns/search", order.shop_id,
                               body={"order_ids": [order.id]})["return_orders"]
        open_ones = [r for r in found if r["return_status"] in OPEN_RETURN_STATUSES]
        if not open_ones:
            raise Refused(via, "no_return", f"order {order.id} has no open return")
        ret = open_ones[-1]
        if approve:
            decision = args.get("decision") or _decision(ret, "APPROVE")
            body: dict[str, Any] = {"decision": decision}
            if args.get("buyer_keep_item"):
                body["buyer_keep_item"] = True
            if amount:
                body["partial_refund"] = {"amount": amount, "currency": order.currency}
            clients.tiktok("POST", f"/return_refund/202309/returns/{ret['return_id']}/approve", order.shop_id,
                           query={"idempotency_key": f"oms-{ret['return_id']}-{ret['return_status']}"}, body=body)
        else:
            clients.tiktok("POST", f"/return_refund/202309/returns/{ret['return_id']}/reject", order.shop_id, body={
                "decision": args.get("decision") or _decision(ret, "REJECT"), "reject_reason": reason,
                "comment": args.get("comment", "")})
    elif via == "channeladvisor":
        ca = clients.ca_order(order.id, "Items($expand=Adjustments)")
        pending = [a for item in ca.get("Items", []) for a in item.get("Adjustments", [])
                   if a.get("RmaNumber") and a.get("RequestStatus") in ("NewRma", "PendingReturn")]
        if not pending:
            raise Refused(via, 404, f"order {order.id} has no return awaiting an answer in ChannelAdvisor")
        if approve:
            clients.channeladvisor("POST", f"/v1/Orders({ca['ID']})/Adjust",
                                   json_body={"Reason": "CustomerReturnedItem", "IsRestock": True})
        else:
            clients.channeladvisor("POST", f"/v1/Orders({ca['ID']})/Adjustments({pending[0]['ID']})/Reject",
                                   json_body={"RejectReason": reason} if reason else {})
    else:
        raise _refuse_unsupported(via, "seller.approve_return" if approve else "seller.reject_return")


OPEN_RETURN_STATUSES = ("RETURN_OR_REFUND_REQUEST_PENDING", "AWAITING_BUYER_SHIP", "BUYER_SHIPPED_ITEM",
                        "AWAITING_BUYER_RESPONSE")


def _decision(ret: dict[str, Any], verb: str) -> str:
    """The decision a partner sends for the return's step (API doc Approve/Reject Return)."""
    if ret["return_status"] == "BUYER_SHIPPED_ITEM":
        return f"{verb}_RECEIVED_PACKAGE"
    return f"{verb}_REFUND" if ret["return_type"] == "REFUND" else f"{verb}_RETURN"


def _open_return(order: Order) -> str:
    """The order's open return, else its latest one (so the engine says why it cannot be answered)."""
    if not order.return_ids:
        raise Refused("engine", "no_return", f"order {order.id} has no return")
    return order.open_return_id or order.return_ids[-1]


def export(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """The OMS marks a ChannelAdvisor order exported (CA-2)."""
    if via != "channeladvisor":
        raise _refuse_unsupported(via, "seller.export")
    ca = _clients(ctx).ca_order(order.id)
    _clients(ctx).channeladvisor("POST", f"/v1/Orders({ca['ID']})/Export")


def read(ctx: Context, order: Order, args: dict[str, Any], via: str) -> None:
    """The OMS reads the order through its API (the answer is kept for ``expect: {response: ...}``)."""
    clients = _clients(ctx)
    if via == "tiktok_api":
        clients.tiktok("GET", "/order/202309/orders", order.shop_id, query={"ids": order.id})
    elif via == "channeladvisor":
        clients.ca_order(order.id)
    elif via == "sfcc":
        _, path = _sfcc_order(ctx, order)
        clients.sfcc("GET", path)
    else:
        raise _refuse_unsupported(via, "seller.read")


def pull(ctx: Context) -> None:
    """The OMS lists the ChannelAdvisor orders it has not exported yet (CA-2: ``exported=false``)."""
    _clients(ctx).channeladvisor("GET", "/v1/Orders", params={"exported": "false"})


def subscribe(ctx: Context, shop_id: str, events: list[str], answers: list[int]) -> None:
    """The OMS registers its webhook address for each event type (Update Shop Webhook, NOTE-2)."""
    address = ctx.oms_endpoint().webhook_url(answers)
    for event in events:
        _clients(ctx).tiktok("PUT", "/event/202309/webhooks", shop_id, body={"event_type": event, "address": address})


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


def _batch(ctx: Context, order_no: str, order_status: str, shipping: str, tracking: str, carrier: str) -> None:
    """FUL-4 batch: one headerless CSV row, uploaded where SFCC's import job looks (every 15 minutes)."""
    stamp = ctx.world.clock.now().strftime("%Y%m%dT%H%M%S")
    row = ",".join((order_no, order_status, shipping, tracking, carrier))
    _clients(ctx).webdav_put(f"{BATCH_FOLDER}/oms-status-{order_no}-{stamp}.csv", (row + "\n").encode())


def _pulled(ctx: Context, row: dict[str, Any]) -> None:
    """FUL-4 pull: the OMS now answers this status; SFCC's pull job (configured on first use) asks for it."""
    oms = ctx.oms_endpoint()
    oms.statuses[str(row["orderNo"])] = row
    sfcc = ctx.world.systems["sfcc"]
    from simulator.sfcc.jobs import PULL_JOB

    if not sfcc.config.jobs.get(PULL_JOB, {}).get("url"):
        sfcc.configure_oms_pull(oms.pull_url(sfcc.mount))
