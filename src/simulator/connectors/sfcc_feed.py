"""TikTok's side of the SFCC order feed: apply shipment, delivery and seller cancels to orders (FUL-3, CAN-S1)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from simulator.engine import EngineError, Order, OrderStatus, PackageStatus
from simulator.sfcc.feed import FeedOrder, read_orders_xml

if TYPE_CHECKING:
    from simulator.world import World

DEFAULT_SELLER_REASON = "seller_cancel_reason_out_of_stock"


def apply_feed(world: World, data: bytes, source: str) -> dict[str, Any]:
    """Parse an order export file and apply each order's state to the TikTok order it names."""
    try:
        orders = read_orders_xml(data)
    except ET.ParseError as exc:
        world.journal.record("connector.sfcc.feed_rejected", file=source, error=str(exc), rule="FUL-3")
        return {"applied": [], "error": str(exc)}
    applied = []
    for feed_order in orders:
        order = world.engine.orders.get(feed_order.custom.get("externalOrderId", ""))
        if order is None or order.profile != "sfcc":
            world.journal.record("connector.sfcc.feed_skipped", order_no=feed_order.order_no, reason="unknown_order")
            continue
        for action, detail in _apply(world, order, feed_order):
            world.journal.record(
                "connector.sfcc.feed_applied",
                order_id=order.id,
                order_no=feed_order.order_no,
                action=action,
                file=source,
                rule="CAN-S1" if action == "seller_cancel" else "FUL-3",
                **detail,
            )
            applied.append({"order_id": order.id, "action": action, **detail})
    return {"applied": applied}


def _apply(world: World, order: Order, feed: FeedOrder) -> list[tuple[str, dict[str, Any]]]:
    done: list[tuple[str, dict[str, Any]]] = []
    try:
        if feed.order_status == "CANCELLED" or feed.custom.get("externalChannelOrderStatus") == "6":
            if order.status != OrderStatus.CANCELLED:
                reason = _seller_reason(world, order, feed)
                world.engine.seller_cancel(order.id, reason)
                done.append(("seller_cancel", {"reason": reason}))
            return done
        shipped = feed.shipping_status in ("SHIPPED", "PART_SHIPPED") or any(
            s.shipping_status == "SHIPPED" for s in feed.shipments
        )
        if shipped:
            done.extend(_ship(world, order, feed))
        if feed.order_status == "COMPLETED" or feed.custom.get("externalChannelOrderStatus") == "5":
            done.extend(_deliver(world, order))
    except EngineError as exc:
        done.append(("refused", {"reason": exc.reason, "message": exc.message}))
    return done


def _ship(world: World, order: Order, feed: FeedOrder) -> list[tuple[str, dict[str, Any]]]:
    tracking = next((s.tracking_number for s in feed.shipments if s.tracking_number), None) or next(
        (li.get("trackingNumber") for li in feed.lines if li.get("trackingNumber")), None
    )
    carrier = next((li.get("carrier") for li in feed.lines if li.get("carrier")), "") or ""
    todo = [p for p in order.package_ids if world.engine.packages[p].status == PackageStatus.TO_FULFILL]
    if not todo:
        return []
    if not tracking:
        return [("ship_skipped", {"reason": "tracking_missing"})]
    provider_id, provider_name = _provider(world, order, carrier)
    for package_id in todo:
        world.engine.ship_package(
            package_id, tracking_number=tracking, shipping_provider_id=provider_id, shipping_provider_name=provider_name
        )
    return [("ship", {"tracking_number": tracking, "shipping_provider": provider_name, "packages": todo})]


def _deliver(world: World, order: Order) -> list[tuple[str, dict[str, Any]]]:
    done: list[tuple[str, dict[str, Any]]] = []
    for package_id in order.package_ids:
        package = world.engine.packages[package_id]
        if package.status == PackageStatus.PROCESSING:
            world.engine.carrier_collected(package_id)
        if world.engine.packages[package_id].status in (PackageStatus.PROCESSING, PackageStatus.FULFILLING):
            world.engine.carrier_delivered(package_id)
            done.append(("deliver", {"package_id": package_id}))
    return done


def _provider(world: World, order: Order, carrier: str) -> tuple[str, str]:
    # The order's delivery-option provider for the OMS's carrier, as Ship Package would record it.
    tiktok = world.systems.get("tiktok")
    if tiktok is None:
        return (carrier or "OTHER"), (carrier or "Other")
    provider_id, name = tiktok.provider_for(order, carrier)
    return str(provider_id), str(name)


def _seller_reason(world: World, order: Order, feed: FeedOrder) -> str:
    allowed = world.engine.profile(order).cancel_reasons("seller", order.status)
    try:
        code = json.loads(feed.custom.get("cancelInfo") or "{}").get("reasonCode")
    except ValueError:
        code = None
    return code if code in allowed else DEFAULT_SELLER_REASON
