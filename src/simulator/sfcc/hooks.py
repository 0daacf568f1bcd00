"""The TikTok cartridge's ``dw.ocapi.shop.order.afterPATCH`` hook (``c_orderAction`` handling)."""

from __future__ import annotations

import json
from typing import Any

from simulator.inbound import InputError, parse_json
from simulator.sfcc import errors as E
from simulator.sfcc.models import (
    CHANNEL_STATUS_CANCELLED,
    CHANNEL_STATUS_CANCELLED_PARTIAL,
    LINE_CANCELLED,
    LINE_SHIPPED,
    SfccOrder,
    Site,
)

EXTENSION_POINT = "dw.ocapi.shop.order.afterPATCH"
ACTIONS = ("cancel_order", "cancel", "return", "return_order", "refund_order", "update")


def hook_error(code: str, message: str) -> E.HookStatusException:
    """The 400 OCAPI answers when the hook returns an ERROR status."""
    return E.HookStatusException(
        f"The hook '{EXTENSION_POINT}' returned an error status: {message}",
        extensionPoint=EXTENSION_POINT, statusCode=code, statusMsg=message,
    )


def after_patch(order: SfccOrder, site: Site, body: dict[str, Any], now_iso: str) -> None:
    """Apply the cartridge's effects of ``c_orderAction`` (and of a bare ``c_externalOrderStatus`` cancel)."""
    action = body.get("c_orderAction")
    if action is not None and action not in ACTIONS:
        raise hook_error("OrderActionError", f"Unknown order action '{action}'")
    if action == "cancel_order" or (action is None and order.custom.get("externalChannelOrderStatus") == 6
                                    and ("c_externalOrderStatus" in body or "c_externalChannelOrderStatus" in body)):
        _cancel_all(order, site, body, now_iso)
    elif action == "cancel":
        _cancel_items(order, body, now_iso)
    elif action in ("return", "return_order", "refund_order"):
        order.custom["externalReturnStatus"] = 4 if action == "return_order" else 5
    elif action == "update":
        _update(order)


def _history(order: SfccOrder, body: dict[str, Any], now_iso: str) -> None:
    info = body.get("c_cancelInfo")
    if info is None:
        return
    history = json.loads(order.custom.get("cancelInfoHistory") or "[]")
    history.append({"cancelInfo": info, "date": now_iso})
    order.custom["cancelInfoHistory"] = json.dumps(history)


def _cancel_all(order: SfccOrder, site: Site, body: dict[str, Any], now_iso: str) -> None:
    # int_order_no_oms orderCancel.js: every line and the order to CANCELLED(6); the system status is
    # left alone unless the site opts in (the cartridge's setStatus line is commented out).
    for item in order.product_items:
        item.custom["externalLineItemStatus"] = LINE_CANCELLED
    order.custom["externalChannelOrderStatus"] = CHANNEL_STATUS_CANCELLED
    order.custom["externalOrderStatus"] = "CANCELLED"
    if site.cancel_sets_order_status and order.status in ("new", "open", "completed"):
        order.status = "cancelled"
    _history(order, body, now_iso)


def _cancel_items(order: SfccOrder, body: dict[str, Any], now_iso: str) -> None:
    try:
        info = parse_json((body.get("c_cancelInfo") or "").encode())  # strict and depth-bounded: client text
        items = info["cancelItems"]
        if not isinstance(items, dict) or not items:
            raise ValueError("no cancelItems")
    except (ValueError, KeyError, TypeError, InputError):
        raise hook_error("OrderCancelError", "Couldn't cancel order, see log for details") from None
    for item in order.product_items:
        if item.product_id in items:
            item.custom["externalLineItemStatus"] = LINE_CANCELLED
    every = all(i.custom.get("externalLineItemStatus") == LINE_CANCELLED for i in order.product_items)
    order.custom["externalChannelOrderStatus"] = CHANNEL_STATUS_CANCELLED if every else CHANNEL_STATUS_CANCELLED_PARTIAL
    order.custom["externalOrderStatus"] = "CANCELLED" if every else "CANCELLED_PARTIAL"
    _history(order, body, now_iso)


def _update(order: SfccOrder) -> None:
    # SF OMS push: line statuses/carrier/tracking were written as c_ attributes; the hook copies the
    # tracking onto the shipment and derives the order shipping status from the lines when not sent.
    for shipment in order.shipments:
        lines = [i for i in order.product_items if i.shipment_id == shipment.shipment_id]
        tracking = next((i.custom["trackingNumber"] for i in lines if i.custom.get("trackingNumber")), None)
        if tracking:
            shipment.tracking_number = str(tracking)
    statuses = [i.custom.get("externalLineItemStatus") for i in order.product_items]
    if statuses and all(s == LINE_SHIPPED for s in statuses) and order.shipping_status == "not_shipped":
        order.shipping_status = "shipped"
        for shipment in order.shipments:
            shipment.shipping_status = "shipped"
