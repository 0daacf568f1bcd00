"""TikTok's side of the SFCC order feed: apply shipment, delivery and seller cancels to orders (FUL-3, CAN-S1).

Every order in a file ends in journaled outcomes, never silently: ``feed_applied`` (what changed),
``feed_refused`` (TikTok refused the change, e.g. an unapproved carrier or a cancel after shipping;
TikTok unchanged) or ``feed_skipped`` (a state the simulator does not apply: returns recorded in SFCC,
RET-7). Units the OMS cancelled in SFCC become a seller partial cancel (CAN-L3). After each order the connector reconciles SFCC with TikTok, so a refused change is rolled
back in SFCC and both systems tell one story.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from simulator.connectors import sfcc_shipments as S
from simulator.engine import EngineError, Order, OrderStatus, PackageStatus
from simulator.inbound import InputError, parse_json
from simulator.sfcc.feed import FeedOrder, parse_orders_xml
from simulator.sfcc.models import CHANNEL_STATUS_CANCELLED, CHANNEL_STATUS_CANCELLED_PARTIAL, CHANNEL_STATUS_COMPLETED

if TYPE_CHECKING:
    from simulator.world import World

DEFAULT_SELLER_REASON = "seller_cancel_reason_out_of_stock"
Outcome = tuple[str, str, dict[str, Any]]  # (journal kind suffix, action, details)


def apply_feed(world: World, data: bytes, source: str, records: list[FeedOrder] | None = None) -> dict[str, Any]:
    """Parse an order export file and apply each order's state to the TikTok order it names.

    ``records``: what parsing ``data`` yields, when the caller knows it already (the export job wrote the
    file in this process: ``write_orders_xml``); the file is then not parsed again.
    """
    try:
        orders = parse_orders_xml(data) if records is None else records
    except ET.ParseError as exc:
        world.journal.record("connector.sfcc.feed_rejected", file=source, error=str(exc), rule="FUL-3")
        return {"applied": [], "error": str(exc)}
    applied: list[dict[str, Any]] = []
    connector = world.systems["sfcc"].connector
    for feed_order in orders:
        order = world.engine.orders.get(feed_order.custom.get("externalOrderId", ""))
        if order is None or order.profile != "sfcc":
            world.journal.record("connector.sfcc.feed_skipped", order_no=feed_order.order_no, file=source,
                                 reason="unknown_order", rule="FUL-3")
            continue
        for kind, action, detail in _apply(world, order, feed_order):
            rule = detail.pop("rule", "CAN-S1" if action == "seller_cancel" else "FUL-3")
            world.journal.record(f"connector.sfcc.feed_{kind}", order_id=order.id, order_no=feed_order.order_no,
                                 action=action, file=source, rule=rule, **detail)
            if kind == "applied":
                applied.append({"order_id": order.id, "action": action, **detail})
        if connector is not None:
            connector.reconcile(order.id, "FUL-3")
    return {"applied": applied}


def _apply(world: World, order: Order, feed: FeedOrder) -> list[Outcome]:
    done: list[Outcome] = []
    channel = _int(feed.custom.get("externalChannelOrderStatus"))
    if channel == CHANNEL_STATUS_CANCELLED_PARTIAL:
        done.extend(_partial_cancel(world, order, feed))
    returned = _int(feed.custom.get("externalReturnStatus"))
    connector = world.systems["sfcc"].connector
    if returned is not None and (connector is None or returned != connector.return_status(order)):
        # TikTok's own return status echoed back is nothing new; a return the OMS recorded in SFCC has no
        # documented way into TikTok (RET-7): journaled, never applied, never dropped silently.
        done.append(("skipped", "return", {"reason": "a return recorded in SFCC is not applied to TikTok",
                                           "return_status": returned, "rule": "RET-7"}))
    if not S.feed_ships_nothing(feed):  # else plan() would find nothing to ship
        done.extend(_ship(world, order, feed))
    if feed.order_status == "CANCELLED" or channel == CHANNEL_STATUS_CANCELLED:
        if order.status != OrderStatus.CANCELLED:
            reason = _seller_reason(world, order, feed)
            done.append(_engine(lambda: world.engine.seller_cancel(order.id, reason), "seller_cancel",
                                lambda _: {"reason": reason, "rule": "CAN-S1"}))
        return done
    if feed.order_status == "COMPLETED" or channel == CHANNEL_STATUS_COMPLETED:
        delivered = _deliver(world, order)
        if delivered:
            done.append(("applied", "deliver", {"packages": delivered}))
    return done


def _ship(world: World, order: Order, feed: FeedOrder) -> list[Outcome]:
    plan = S.plan(world, order, S.from_feed(feed))
    if plan.refusal:
        return [("refused", "ship", {"reason": plan.refusal, "rule": plan.rule, **plan.details})]
    if plan.shipments:
        return [_engine(lambda: S.apply(world, plan), "ship", lambda packages: {
            "packages": packages, "tracking_number": plan.shipments[0].tracking,
            "shipping_provider": plan.shipments[0].provider_name})]
    return []


def sfcc_cancelled_units(custom: dict[str, Any]) -> dict[str, int]:
    """Units per product SFCC's cancel history shows cancelled (the cartridge's ``cancelInfoHistory``, CAN-L3)."""
    try:  # text the OMS stored in SFCC: read with the same strict, bounded JSON reader as any request
        history = parse_json((custom.get("cancelInfoHistory") or "[]").encode())
        if not isinstance(history, list):
            return {}
        units: dict[str, int] = {}
        for entry in history:
            info = parse_json(str(entry.get("cancelInfo") or "{}").encode()) if isinstance(entry, dict) else {}
            for product_id, item in ((info or {}).get("cancelItems") or {}).items():
                quantity = item.get("quantity", 0) if isinstance(item, dict) else item  # {qty} or a bare count
                units[str(product_id)] = units.get(str(product_id), 0) + (quantity if isinstance(quantity, int) else 0)
        return units
    except (InputError, AttributeError, TypeError):
        return {}


def _partial_cancel(world: World, order: Order, feed: FeedOrder) -> list[Outcome]:
    """CAN-L3: units the OMS cancelled in SFCC (``c_orderAction`` cancel with ``cancelItems``) and TikTok has not:
    a seller partial cancel of those units; TikTok's own partial cancel echoed back changes nothing."""
    have = S.partial_cancel_units(order)
    skus = {li.seller_sku or li.sku_id: li.sku_id for li in order.line_items}
    todo = [(skus[pid], n - have.get(pid, 0)) for pid, n in sorted(sfcc_cancelled_units(feed.custom).items())
            if pid in skus and n > have.get(pid, 0)]
    if not todo or order.status == OrderStatus.CANCELLED:
        return []
    reason = _seller_reason(world, order, feed)

    def cancel() -> Any:
        return world.engine.seller_cancel(order.id, reason, world.engine.units_for_skus(order.id, todo))
    return [_engine(cancel, "seller_partial_cancel", lambda c: {"reason": reason, "cancel_id": c.id,
                                                                "units": c.line_item_ids, "rule": "CAN-L3"})]


def _engine(call: Any, action: str, details: Any) -> Outcome:
    """Run one engine change; a refusal is journaled as ``feed_refused`` with the engine's reason and rule."""
    try:
        result = call()
    except EngineError as exc:
        return "refused", action, {"reason": exc.reason, "message": exc.message, "rule": exc.rule or "FUL-3"}
    return "applied", action, details(result)


def _deliver(world: World, order: Order) -> list[str]:
    delivered = []
    for package_id in order.package_ids:
        package = world.engine.packages[package_id]
        if package.status == PackageStatus.PROCESSING:
            world.engine.carrier_collected(package_id)
        if world.engine.packages[package_id].status == PackageStatus.FULFILLING:
            world.engine.carrier_delivered(package_id)
            delivered.append(package_id)
    return delivered


def _int(value: Any) -> int | None:
    if value is None:  # most feed orders carry no return status: no exception raised and caught per order
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _seller_reason(world: World, order: Order, feed: FeedOrder) -> str:
    allowed = world.engine.profile(order).cancel_reasons("seller", order.status)
    try:  # text the OMS stored in SFCC: read with the same strict, bounded JSON reader as any request
        info = parse_json((feed.custom.get("cancelInfo") or "{}").encode())
    except InputError:
        info = None
    code = info.get("reasonCode") if isinstance(info, dict) else None
    return code if code in allowed else DEFAULT_SELLER_REASON
