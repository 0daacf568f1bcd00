"""What an SFCC order says was shipped, line by line, and how TikTok applies it to its packages (FUL-3, FUL-5).

The order feed (impex XML) and GetOrder (OCAPI JSON) carry the same facts in two shapes; both are
read into :class:`SfccShipping`, and :func:`plan` turns it into per-package shipments for one TikTok
order. A TikTok package ships only when every SFCC line of its units is shipped, with the tracking
and carrier of those lines; an order-level "shipped" without line detail ships every package with
the shipment's tracking. A carrier TikTok does not accept for the shop's region is refused for the
whole order, changing nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.engine import Order, OrderStatus, PackageStatus
from simulator.sfcc.models import LINE_SHIPPED

if TYPE_CHECKING:
    from simulator.sfcc.feed import FeedOrder
    from simulator.world import World


@dataclass(frozen=True)
class Line:
    """One SFCC product line: its product id (TikTok's seller SKU), line status, tracking and carrier."""

    product_id: str
    status: int | None
    tracking: str | None
    carrier: str | None


@dataclass(frozen=True)
class SfccShipping:
    """The shipment facts of one SFCC order."""

    shipping_status: str  # not_shipped | part_shipped | shipped
    lines: tuple[Line, ...]
    shipment_tracking: str | None = None

    @property
    def line_detail(self) -> bool:
        """True when the lines say which products shipped (else only the order level does)."""
        return any(line.status == LINE_SHIPPED for line in self.lines)


@dataclass(frozen=True)
class Shipment:
    """One TikTok package to ship, with TikTok's provider id and name for the SFCC carrier."""

    package_id: str
    tracking: str
    provider_id: str
    provider_name: str


@dataclass
class Plan:
    """What to ship for one order, or why nothing may be shipped (``refusal`` with its rule)."""

    shipments: list[Shipment] = field(default_factory=list)
    refusal: str | None = None
    rule: str = "FUL-3"
    details: dict[str, Any] = field(default_factory=dict)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def from_feed(feed: FeedOrder) -> SfccShipping:
    """The facts an export file carries (custom attributes are text there)."""
    lines = tuple(Line(li.get("product-id", ""), _int(li.get("externalLineItemStatus")),
                       li.get("trackingNumber") or None, li.get("carrier") or None) for li in feed.lines)
    tracking = next((s.tracking_number for s in feed.shipments if s.tracking_number), None)
    status = feed.shipping_status.lower() or "not_shipped"
    if status == "not_shipped" and any(s.shipping_status == "SHIPPED" for s in feed.shipments):
        status = "shipped"
    return SfccShipping(status, lines, tracking)


def feed_ships_nothing(feed: FeedOrder) -> bool:
    """True when :func:`plan` of :func:`from_feed` is empty whatever the TikTok order (not shipped, no line shipped).

    Most orders of a feed are in it for a status, not a shipment: they need no shipping facts built.
    """
    if (feed.shipping_status.lower() or "not_shipped") != "not_shipped":
        return False
    for shipment in feed.shipments:
        if shipment.shipping_status == "SHIPPED":
            return False
    for line in feed.lines:
        if _int(line.get("externalLineItemStatus")) == LINE_SHIPPED:
            return False
    return True


def from_document(doc: Mapping[str, Any]) -> SfccShipping:
    """The facts an OCAPI order document carries (GetOrder)."""
    items = doc.get("product_items") or []
    lines = tuple(Line(str(i.get("product_id") or ""), _int(i.get("c_externalLineItemStatus")),
                       i.get("c_trackingNumber") or None, i.get("c_carrier") or None)
                  for i in items if isinstance(i, Mapping))
    tracking = next((s.get("tracking_number") for s in doc.get("shipments") or [] if isinstance(s, dict)
                     and s.get("tracking_number")), None)
    return SfccShipping(str(doc.get("shipping_status") or "not_shipped"), lines, tracking)


def plan(world: World, order: Order, shipping: SfccShipping) -> Plan:
    """The packages SFCC says shipped that TikTok has not shipped yet (empty when there are none)."""
    engine = world.engine
    todo = [p for p in order.package_ids if engine.packages[p].status == PackageStatus.TO_FULFILL]
    if not todo or shipping.shipping_status == "not_shipped" and not shipping.line_detail:
        return Plan()
    by_product: dict[str, list[Line]] = {}
    for line in shipping.lines:
        by_product.setdefault(line.product_id, []).append(line)
    result = Plan()
    for package_id in todo:
        inside = set(engine.packages[package_id].line_item_ids)  # units cancelled out of it do not count
        skus = {li.seller_sku or li.sku_id for li in order.line_items if li.id in inside}
        lines = [line for sku in sorted(skus) for line in by_product.get(sku, [])]
        if shipping.line_detail:
            if not lines or any(line.status != LINE_SHIPPED for line in lines):
                continue  # this package's lines are not (all) shipped yet
        elif shipping.shipping_status != "shipped":
            return Plan(refusal="partial_without_lines", details={
                "message": "part_shipped without line statuses: which packages shipped is unknown"})
        tracking = next((line.tracking for line in lines if line.tracking), None) or shipping.shipment_tracking
        if not tracking:
            return Plan(refusal="tracking_missing", rule="FUL-1", details={"package_id": package_id})
        carrier = next((line.carrier for line in lines if line.carrier), None)
        provider = _provider(world, order, carrier)
        if provider is None:
            return Plan(refusal="carrier_not_approved", rule="FUL-5", details={
                "carrier": carrier, "region": order.region,
                "message": f"carrier {carrier!r} is not TikTok-approved for {order.region} shops"})
        result.shipments.append(Shipment(package_id, tracking, *provider))
    return result


def _provider(world: World, order: Order, carrier: str | None) -> tuple[str, str] | None:
    """TikTok's provider for the SFCC carrier (FUL-5); no carrier: the delivery option's first provider."""
    tiktok = world.systems.get("tiktok")
    if tiktok is None:
        return (carrier or "OTHER"), (carrier or "Other")
    option = tiktok.delivery_option_for(order)
    if not carrier:
        if option is not None and option.providers:
            return option.providers[0].id, option.providers[0].name
        return None
    approved = world.engine.profile(order).approved_carriers(order.region)
    wanted = carrier.lower()
    offered = {p.name.lower() for p in option.providers} if option else set()
    if wanted not in offered and not any(wanted in (n.lower(), c.lower()) for n, c in approved.items()):
        return None
    provider_id, name = tiktok.provider_for(order, carrier)
    return str(provider_id), str(name)


def apply(world: World, plan_: Plan) -> list[str]:
    """Ship the planned packages (the plan was validated whole first); returns the package ids."""
    for shipment in plan_.shipments:
        world.engine.ship_package(shipment.package_id, tracking_number=shipment.tracking,
                                  shipping_provider_id=shipment.provider_id,
                                  shipping_provider_name=shipment.provider_name)
    return [s.package_id for s in plan_.shipments]


def partial_cancel_units(order: Order) -> dict[str, int]:
    """CAN-L3: cancelled units per SFCC product of an order that goes on (empty: none, or the order is cancelled)."""
    return units_by_product(order)[0]


def units_by_product(order: Order) -> tuple[dict[str, int], dict[str, list[Any]]]:
    """Per SFCC product of an order that goes on, in one pass over its lines: the units cancelled (CAN-L3) and the
    lines that go on; both empty when the order is cancelled."""
    cut: dict[str, int] = {}
    live: dict[str, list[Any]] = {}
    if order.status != OrderStatus.CANCELLED:
        for li in order.line_items:
            product = li.seller_sku or li.sku_id
            if li.status == OrderStatus.CANCELLED:
                cut[product] = cut.get(product, 0) + 1
            else:
                live.setdefault(product, []).append(li)
    return cut, live
