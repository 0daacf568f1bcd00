"""The fuzz world: orders in every state each mock acts on, their ids, and a snapshot of all business state."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from simulator.world import World

RITHUM_US = "7495540735365777508"
DIRECT_US = "7495540735365777510"
SFCC_SHOP = "7495540735365777507"


def accept(url: str, body: bytes, headers: Any, deadline: float) -> tuple[int, str]:
    """Every outbound webhook answered 200 at once."""
    return 200, ""


@dataclass
class Ids:
    """What the routes' path and body templates pick from (refreshed after every accepted write)."""

    orders: dict[str, list[str]] = field(default_factory=dict)  # TikTok order ids by shop
    packages: dict[str, str] = field(default_factory=dict)  # package -> shop
    lines: dict[str, list[str]] = field(default_factory=dict)  # order -> its unit (line item) ids
    providers: dict[str, str] = field(default_factory=dict)  # package -> a valid shipping_provider_id
    shipped: dict[str, str] = field(default_factory=dict)  # shipped package -> its order
    cancellations: dict[str, str] = field(default_factory=dict)  # cancel id -> shop
    returns: dict[str, str] = field(default_factory=dict)  # return id -> shop
    delivered: dict[str, str] = field(default_factory=dict)  # delivered order -> shop
    warehouses: dict[str, str] = field(default_factory=dict)
    delivery_options: dict[str, str] = field(default_factory=dict)
    sfcc_orders: list[str] = field(default_factory=list)
    sfcc_external: list[str] = field(default_factory=list)
    ca_orders: list[int] = field(default_factory=list)
    ca_items: list[int] = field(default_factory=list)
    ca_fulfillments: list[int] = field(default_factory=list)
    ca_adjustments: list[int] = field(default_factory=list)
    impex_files: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    credentials: dict[str, Any] = field(default_factory=dict)  # GET /_sim/credentials
    sfcc_products: list[str] = field(default_factory=list)  # seller SKUs SFCC sells

    def shop_of(self, value: str) -> str | None:
        """The TikTok shop an id belongs to (orders, packages, cancellations)."""
        for shop, orders in self.orders.items():
            if value in orders:
                return shop
        return (self.packages.get(value) or self.cancellations.get(value) or self.returns.get(value)
                or self.warehouses.get(value))


def build(seed: int = 0) -> World:
    """A world with orders on hold, awaiting shipment, shipped, with buyer requests, in SFCC and ChannelAdvisor."""
    world = World.create(seed=seed)
    world.systems["tiktok"].webhooks.post = accept  # fuzzed subscriptions must never reach the network
    control = world.control
    placed = [control.place_order(shop_id=shop)["order"]["id"]
              for shop in [DIRECT_US] * 5 + [RITHUM_US] * 4 + [SFCC_SHOP] * 3]
    control.place_order(shop_id=DIRECT_US, split_packages=True)
    skus = [s.id for s in world.systems["tiktok"].catalog.shop_skus(DIRECT_US)[:2]]
    control.place_order(shop_id=DIRECT_US, items=[{"sku_id": skus[0], "quantity": 2}, {"sku_id": skus[-1]}])
    control.advance(seconds=3600 + 15 * 60)  # past the hold and the next ChannelAdvisor sync
    control.buyer_cancel(placed[1])  # a pending buyer request (CAN-B4)
    control.buyer_cancel(placed[5])  # relayed to ChannelAdvisor at the next sync (CAN-B3)
    engine = world.engine
    package = engine.orders[placed[2]].package_ids[0]
    provider = world.systems["tiktok"].delivery_option_for(engine.orders[placed[2]]).providers[0].id
    engine.ship_package(package, tracking_number="1ZFUZZ0001", shipping_provider_id=provider,
                        shipping_provider_name="UPS", handover_method="DROP_OFF")
    delivered = [control.place_order(shop_id=DIRECT_US, items=[{"sku_id": world.systems["tiktok"].catalog.shop_skus(
        DIRECT_US)[0].id, "quantity": 2}])["order"]["id"] for _ in range(3)]
    control.advance(seconds=3600)
    for order_id in delivered:  # delivered orders: one with a pending return, one awaiting the buyer's shipment
        order = engine.orders[order_id]
        engine.ship_package(order.package_ids[0], tracking_number="1ZFUZZ0002", shipping_provider_id=provider,
                            shipping_provider_name="UPS", handover_method="DROP_OFF")
        engine.carrier_delivered(order.package_ids[0])
    control.buyer_return(delivered[0], "RETURN_AND_REFUND", skus=[(engine.orders[delivered[0]].line_items[0].sku_id, 1)])
    returned = control.buyer_return(delivered[1], "RETURN_AND_REFUND")
    engine.approve_return(returned["return_id"])
    control.place_order(shop_id=DIRECT_US)  # on hold
    control.place_order(shop_id=DIRECT_US, paid=False)
    control.advance(seconds=15 * 60)
    world.systems["sfcc"].jobs["TikTok-ExportOrderStatus"].run_now()
    return world


def collect(world: World) -> Ids:
    """Every id the fuzz routes use, from the world as it is now."""
    ids = Ids()
    engine, tiktok = world.engine, world.systems["tiktok"]
    for order in engine.orders.values():
        ids.orders.setdefault(order.shop_id, []).append(order.id)
        ids.lines[order.id] = [li.id for li in order.line_items]
        option = tiktok.delivery_option_for(order)
        for package_id in order.package_ids:
            ids.packages[package_id] = order.shop_id
            if option is not None and option.providers:
                ids.providers[package_id] = option.providers[0].id
            if engine.packages[package_id].tracking_number:
                ids.shipped[package_id] = order.id
    for cancellation in engine.cancellations.values():
        ids.cancellations[cancellation.id] = engine.orders[cancellation.order_id].shop_id
    for ret in engine.returns.values():
        ids.returns[ret.id] = engine.orders[ret.order_id].shop_id
    ids.delivered = {o.id: o.shop_id for o in engine.orders.values() if o.status.value == "DELIVERED"}
    ids.warehouses = {w.id: w.shop_id for w in tiktok.catalog.warehouses.values()}
    ids.delivery_options = {o.id: o.region for o in tiktok.catalog.delivery_options.values()}
    sfcc = world.systems["sfcc"]
    ids.sfcc_orders = sorted(sfcc.orders.orders)
    ids.sfcc_external = [o.external_order_id for o in sfcc.orders.orders.values()]
    ca = world.systems["channeladvisor"]
    ids.ca_orders = sorted(ca.orders)
    ids.ca_items = [i.id for o in ca.orders.values() for i in o.items]
    ids.ca_fulfillments = [f.id for o in ca.orders.values() for f in o.fulfillments]
    ids.ca_adjustments = [a.id for o in ca.orders.values() for a in o.adjustments]
    ids.credentials = world.control.credentials()
    ids.skus = sorted(world.inventory.skus)[:8]
    ids.sfcc_products = sorted(s.seller_sku for s in world.inventory.skus.values() if "SFCC" in s.seller_sku)
    root = sfcc.impex_root
    ids.impex_files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return ids


@dataclass(frozen=True)
class State:
    """A digest of all business state (never the journal) and one digest per TikTok order across systems."""

    digest: str
    orders: dict[str, str]

    def changed_orders(self, after: State) -> list[str]:
        """Orders that are new or differ in ``after``."""
        return sorted(o for o, d in after.orders.items() if self.orders.get(o) != d)


def _digest(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def snapshot(world: World) -> State:
    """Engine, stock, clock, tokens, subscriptions, SFCC and ChannelAdvisor records, IMPEX files."""
    engine = world.engine
    tiktok, sfcc, ca = (world.systems[n] for n in ("tiktok", "sfcc", "channeladvisor"))
    by_order: dict[str, list[Any]] = {}
    for order in engine.orders.values():
        by_order[order.id] = [order, [engine.packages[p] for p in order.package_ids]]
    for cancellation in engine.cancellations.values():
        by_order.setdefault(cancellation.order_id, []).append(cancellation)
    for ret in engine.returns.values():
        by_order.setdefault(ret.order_id, []).append(ret)
    for sfcc_order in sfcc.orders.orders.values():
        by_order.setdefault(str(sfcc_order.external_order_id), []).append(sfcc_order)
    for ca_order in ca.orders.values():
        by_order.setdefault(ca_order.site_order_id, []).append(ca_order)
    orders = {order_id: _digest(parts) for order_id, parts in by_order.items()}
    root = sfcc.impex_root
    rest: list[Any] = [
        sorted(orders.items()), sorted((k, s.available) for k, s in world.inventory.skus.items()), world.clock.now(),
        sorted(tiktok.tokens.by_access.items()), sorted(tiktok.webhooks.subscriptions.items()),
        sorted(sfcc.auth.tokens), sfcc.config.jobs, sorted(_tokens(ca.tokens)),
        sorted((str(p.relative_to(root)), p.read_bytes()) for p in root.rglob("*") if p.is_file()),
    ]
    return State(_digest(rest), orders)


def _tokens(service: Any) -> list[str]:
    # The token store's attribute is private and owned by auth.py; read whatever dict of tokens it keeps.
    return [repr(v) for v in vars(service).values() if isinstance(v, dict)]
