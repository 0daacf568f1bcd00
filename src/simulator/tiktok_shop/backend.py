"""TikTokBackend: the TikTok Shop system of a world (catalog, tokens, webhooks) over the reference engine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.clock import wall_time
from simulator.engine import EngineError, Order, Sku
from simulator.engine.models import party_of
from simulator.tiktok_shop import errors as E
from simulator.tiktok_shop.buyers import draw_buyer
from simulator.tiktok_shop.catalog import Catalog, DeliveryOption, Shop, load_catalog
from simulator.tiktok_shop.gateway import Gateway, limiter_from_config
from simulator.tiktok_shop.rendered import RenderedOrders
from simulator.tiktok_shop.serializers import Serializer
from simulator.tiktok_shop.tokens import Token, TokenStore
from simulator.tiktok_shop.webhooks import WebhookDispatcher

if TYPE_CHECKING:

    from simulator.world import World

DEFAULTS: dict[str, Any] = {
    "timestamp_clock": "world",  # "wall" under tts-sim serve (DESIGN.md: transport freshness)
    "webhook_dispatch": "sync",  # "thread" under tts-sim serve
    "strict_webhooks": False,  # TikTok's HTTPS-domain-only rule for webhook addresses
    "webhook_cancelled_status": "CANCEL",  # webhook 1 doc value (UNCERTAIN: CANCEL vs CANCELLED)
    "cancel_status_closed": "CANCELLATION_REQUEST_CANCELLED",  # search/webhook 11 doc spelling (UNCERTAIN)
    "business_error_http_status": 200,  # UNCERTAIN in the API doc; both SDK styles read the envelope
    "rate_limit": None,  # {"rate": requests/s, "burst": n} per (app_key, shop_cipher)
    "logistics_tracking_cbt_only": False,  # Get Logistics Tracking 202604 documents CBT orders only (11007009)
}
SHIPPING_FEES = {"EXPRESS": Decimal("9.99")}
ZERO = Decimal(0)  # one shared instance: an order keeps a reference, not its own Decimal
_TIKTOK_PATH = re.compile(r"^/(?:[a-z_]+/\d{6}/|api/v2/)")


class TikTokBackend:
    """State and operations of the TikTok Shop mock; every method runs under ``world.lock``."""

    name = "tiktok"

    def __init__(self, world: World) -> None:
        self.world = world
        self.engine = world.engine
        self.settings: dict[str, Any] = {**DEFAULTS, **world.config.get("tiktok", {})}
        self.catalog = Catalog()
        self.tokens = TokenStore(self.catalog.access_token_ttl, self.catalog.refresh_token_ttl, world.seed)
        self.gateway = Gateway(self.catalog, self.tokens, limiter_from_config(self.settings))
        self.serializer = Serializer(self.catalog, self.settings["cancel_status_closed"])
        self.rendered = RenderedOrders(self.engine, self.serializer)
        self.webhooks = WebhookDispatcher(self, mode=self.settings["webhook_dispatch"])
        self._requests = 0
        self._stamp_at: datetime | None = None
        self._stamp = ""
        self.wall = wall_time  # the transport clock under serve (a durable world records each reading)
        self.engine.subscribe(self.webhooks.on_event)  # the dispatcher itself: one call per event, not two

    # -- data ------------------------------------------------------------------------------------
    def load(self, directory: Path) -> None:
        """Load (or reload) the seeded data; new SKUs enter the inventory, known ones are topped up."""
        fresh = load_catalog(directory)
        for field in ("apps", "shops", "shops_by_cipher", "delivery_options", "warehouses", "skus"):
            getattr(self.catalog, field).update(getattr(fresh, field))
        self.catalog.access_token_ttl = self.tokens.access_ttl = fresh.access_token_ttl
        self.catalog.refresh_token_ttl = self.tokens.refresh_ttl = fresh.refresh_token_ttl
        self.catalog.authorizations = fresh.authorizations
        now = self.world.clock.now()
        first_app = next(iter(self.catalog.apps), None)
        for auth in fresh.authorizations:
            if first_app is not None and auth.access_token not in self.tokens.by_access:
                self.tokens.seed(first_app, auth, now)
        for rec in fresh.skus.values():
            known = self.world.inventory.skus.get(rec.id)
            if known is None:
                self.world.inventory.add(Sku(rec.id, rec.product_id, rec.product_name, rec.name, rec.seller_sku,
                                             rec.price, rec.currency, rec.stock))
            elif known.available < rec.stock:
                self.world.inventory.restock(rec.id, rec.stock - known.available)

    def reload_mocks(self) -> None:
        """``POST /_sim/seed``: reload ``world.mocks_dir / "tiktok_shop"``."""
        self.load(self.world.mocks_dir / "tiktok_shop")

    def shop(self, shop_id: str | None = None, profile: str | None = None) -> Shop:
        """A shop by id, or the first shop on ``profile`` (default ``direct``, else the first shop).

        A shop integrates through one profile, so a ``profile`` that contradicts ``shop_id`` is refused:
        an order must never reach an SFCC site or ChannelAdvisor profile its shop is not wired to.
        """
        if shop_id is not None:
            try:
                shop = self.catalog.shops[str(shop_id)]
            except KeyError:
                raise KeyError(f"unknown shop {shop_id}") from None
            if profile is not None and profile != shop.profile:
                raise ValueError(f"shop {shop.id} integrates through the {shop.profile} profile, not {profile}")
            return shop
        shops = list(self.catalog.shops.values())
        if not shops:
            raise KeyError("no shops seeded")
        if profile is not None:
            self.world.rules[profile]  # an unknown profile is a ProfileError, as for the engine
            found = next((s for s in shops if s.profile == profile), None)
            if found is None:
                raise KeyError(f"no seeded shop on the {profile} profile")
            return found
        return next((s for s in shops if s.profile == "direct"), shops[0])

    def delivery_option_for(self, order: Order) -> DeliveryOption | None:
        """The order's delivery option."""
        return self.catalog.delivery_options.get(order.delivery_option_id)

    def provider_for(self, order: Order, carrier: str) -> tuple[str, str]:
        """TikTok's ``(shipping_provider_id, name)`` for a carrier named by a connector (FUL-3, FUL-5).

        Connectors carry carrier names or TikTok-approved codes (``usps``, ``Royal Mail``); the order
        must show the shipping provider of its delivery option, as Ship Package through the API would.
        A carrier the option does not offer keeps its approved code as the id.
        """
        approved = self.world.engine.profile(order).approved_carriers(order.region)
        names = {carrier.lower()} | {n.lower() for n, code in approved.items() if carrier.lower() in (n.lower(), code.lower())}
        option = self.delivery_option_for(order)
        for provider in option.providers if option else ():
            if provider.name.lower() in names:
                return provider.id, provider.name
        name = next((n for n, code in approved.items() if carrier.lower() in (n.lower(), code.lower())), carrier)
        return approved.get(name, carrier) or "OTHER", name or "Other"

    # -- buyer side (control plane) --------------------------------------------------------------
    def place_order(
        self,
        shop_id: str | None = None,
        items: list[tuple[str, int]] | None = None,
        *,
        paid: bool = True,
        profile: str | None = None,
        split_packages: bool = False,
        delivery_option_id: str | None = None,
        warehouse_id: str | None = None,
        handling_days: int | None = None,
        shipping_days: int | None = None,
        shipping_type: str = "SELLER",
        same_buyer_as: str | None = None,
    ) -> Order:
        """A buyer places (and pays) an order in a shop; no items: one unit of the shop's first SKU in stock.

        ``warehouse_id`` picks one of the shop's warehouses (default: its default sales warehouse);
        ``handling_days`` and ``shipping_days`` are the seller's Estimated Delivery Time settings (SLA-4);
        ``same_buyer_as`` names an earlier order whose buyer orders again to the same address (PKG-2).
        """
        shop = self.shop(shop_id, profile)
        if not items:
            sku = next((s for s in self.catalog.shop_skus(shop.id)
                        if self.world.inventory.skus[s.id].available > 0), None)
            if sku is None:
                raise KeyError(f"shop {shop.id} has no SKU in stock")
            items = [(sku.id, 1)]
        warehouse = self.catalog.warehouses.get(warehouse_id) if warehouse_id else self.catalog.default_warehouse(shop.id)
        if warehouse is not None and warehouse.shop_id != shop.id:
            raise KeyError(f"warehouse {warehouse_id} is not a warehouse of shop {shop.id}")
        option_ids = warehouse.delivery_option_ids if warehouse else ()
        if delivery_option_id and delivery_option_id not in option_ids:
            raise KeyError(f"delivery option {delivery_option_id} is not offered by warehouse "
                           f"{warehouse.id if warehouse else '-'}")
        option = self.catalog.delivery_options.get(delivery_option_id or (option_ids[0] if option_ids else ""))
        drawn = draw_buyer(self.world.faker("en_GB" if shop.region == "UK" else "en_US"), shop.region)
        # Drawn even for a repeat buyer, so the faker's stream does not depend on the option.
        party = party_of(*drawn) if isinstance(drawn, tuple) else drawn
        if same_buyer_as:
            party = self.engine.order(same_buyer_as).party  # the same buyer and address (read-only, shared)
        return self.engine.place_order(
            shop.id, items, profile=shop.profile, region=shop.region, paid=paid, party=party,
            split_packages=split_packages,
            delivery_option_id=option.id if option else "", delivery_option_name=option.name if option else "",
            warehouse_id=warehouse.id if warehouse else "",
            shipping_fee=SHIPPING_FEES.get(option.type, ZERO) if option else ZERO,
            handling_days=handling_days, shipping_days=shipping_days, shipping_type=shipping_type,
        )

    # -- helpers for routes ----------------------------------------------------------------------
    @contextmanager
    def engine_errors(self, module: str) -> Iterator[None]:
        """Turn engine refusals into the module's TikTok errors."""
        try:
            yield
        except EngineError as exc:
            raise E.from_engine(exc, module) from exc

    def request_id(self) -> str:
        """A TikTok-shaped request id: virtual timestamp + a hex sequence."""
        self._requests += 1
        now = self.world.clock.now()
        if now != self._stamp_at:  # strftime is a measurable share of a cheap request: once per instant
            self._stamp_at, self._stamp = now, f"{now:%Y%m%d%H%M%S}"
        return f"{self._stamp}{self._requests:018X}"

    def transport_now(self) -> float:
        """The clock the ``timestamp`` window is checked against (world in-process, wall under serve)."""
        if self.settings["timestamp_clock"] == "wall":
            return self.wall()
        return self.world.clock.now().timestamp()

    def issue_token(self, app_key: str, app_secret: str, auth_code: str) -> Token:
        """Get Access Token (auth host)."""
        app = self._app(app_key, app_secret)
        auth = next((a for a in self.catalog.authorizations if a.auth_code == auth_code), None)
        if auth is None:
            raise E.InvalidAuthCode()
        return self.tokens.issue(app.app_key, auth, self.world.clock.now())

    def refresh_token(self, app_key: str, app_secret: str, refresh_token: str) -> Token:
        """Refresh Access Token (auth host): a new pair; the old access token lives until it expires."""
        app = self._app(app_key, app_secret)
        old = self.tokens.by_refresh.get(refresh_token)
        if old is None or old.app_key != app.app_key:
            raise E.AuthRecordNotFound()
        if self.world.clock.now() >= old.refresh_expires:
            raise E.RefreshTokenExpired()
        return self.tokens.issue(app.app_key, old.authorization, self.world.clock.now())

    def _app(self, app_key: str, app_secret: str) -> Any:
        app = self.catalog.apps.get(app_key)
        if app is None:
            raise E.InvalidCredentials("Invalid credentials. Invalid 'app_key' query parameter.")
        if app.app_secret != app_secret:
            raise E.InvalidCredentials("Invalid credentials. Invalid 'app_secret' query parameter.")
        return app

    # -- System protocol -------------------------------------------------------------------------
    def owns_path(self, path: str) -> bool:
        """TikTok paths are ``/{module}/{yyyymm}/...`` on the API host and ``/api/v2/...`` on the auth host."""
        return bool(_TIKTOK_PATH.match(path))

    def project_order(self, order_id: str) -> dict[str, Any] | None:
        """TikTok's own view: the Get Order Detail shape (unmasked), packages and cancellations."""
        order = self.engine.orders.get(order_id)
        if order is None:
            return None
        packages = self.engine.packages
        view = self.serializer.order(order, packages)
        view["recipient_address"] = order.recipient_address  # the control plane sees through HOLD-2
        return {
            "order": view, "shop_id": order.shop_id, "profile": order.profile,
            "packages": [self.serializer.package(packages[p], order) for p in order.package_ids],
            "cancellations": [self.serializer.cancellation(self.engine.cancellations[c], order, packages)
                              for c in order.cancellation_ids],
            "returns": [self.serializer.return_order(self.engine.returns[r], order,
                                                     self.engine.next_action(self.engine.returns[r]))
                        for r in order.return_ids],
        }

    def credentials(self) -> dict[str, Any]:
        """Apps, shops and seeded authorizations with their tokens."""
        tokens = list(self.tokens.by_access.values())
        return {
            "apps": [{"app_key": a.app_key, "app_secret": a.app_secret, "name": a.name}
                     for a in self.catalog.apps.values()],
            "shops": [{"id": s.id, "name": s.name, "region": s.region, "cipher": s.cipher, "profile": s.profile}
                      for s in self.catalog.shops.values()],
            "authorizations": [{
                "auth_code": a.auth_code, "seller_name": a.seller_name, "shop_ids": list(a.shop_ids),
                "access_token": a.access_token, "refresh_token": a.refresh_token,
                "access_token_expire_in": next((int(t.access_expires.timestamp()) for t in tokens
                                                if t.access_token == a.access_token), None),
            } for a in self.catalog.authorizations],
        }


def install(world: World) -> TikTokBackend:
    """Create the backend, load ``world.mocks_dir / "tiktok_shop"`` and register it as ``world.systems["tiktok"]``."""
    backend = TikTokBackend(world)
    backend.load(world.mocks_dir / "tiktok_shop")
    world.systems["tiktok"] = backend
    return backend
