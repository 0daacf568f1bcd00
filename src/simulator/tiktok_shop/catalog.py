"""Seeded TikTok Shop data as typed records: apps, shops, authorizations, logistics and products."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulator import yamlfiles
from simulator.rules import parse_duration


@dataclass(frozen=True)
class App:
    """A partner app (``app_key`` / ``app_secret``)."""

    app_key: str
    app_secret: str
    name: str


@dataclass(frozen=True)
class Shop:
    """An authorized shop; ``profile`` selects the rule profile its orders run by (rules.md)."""

    id: str
    name: str
    region: str
    seller_type: str
    code: str
    cipher: str
    profile: str


@dataclass(frozen=True)
class Authorization:
    """A seller's grant to the app: an auth code, the shops it covers and its seeded tokens."""

    auth_code: str
    open_id: str
    seller_name: str
    seller_base_region: str
    shop_ids: tuple[str, ...]
    access_token: str
    refresh_token: str


@dataclass(frozen=True)
class Provider:
    """A shipping provider selectable for a delivery option."""

    id: str
    name: str


@dataclass(frozen=True)
class DeliveryOption:
    """A delivery option of a region's warehouses, with its shipping providers."""

    id: str
    region: str
    name: str
    type: str
    description: str
    delivery_days: int
    platform: tuple[str, ...]
    weight_limit: dict[str, Any]
    dimension_limit: dict[str, Any]
    providers: tuple[Provider, ...]

    def provider(self, provider_id: str) -> Provider | None:
        """The provider with this id, if this option offers it."""
        return next((p for p in self.providers if p.id == provider_id), None)


@dataclass(frozen=True)
class Warehouse:
    """A shop warehouse; sales warehouses list their delivery options."""

    id: str
    shop_id: str
    name: str
    type: str
    sub_type: str
    effect_status: str
    is_default: bool
    address: dict[str, Any]
    delivery_option_ids: tuple[str, ...]


@dataclass(frozen=True)
class SkuRecord:
    """A seeded SKU with its starting stock."""

    id: str
    product_id: str
    product_name: str
    shop_id: str
    name: str
    seller_sku: str
    price: Decimal
    currency: str
    stock: int


@dataclass
class Catalog:
    """Everything loaded from a mocks folder's ``tiktok_shop/`` directory."""

    apps: dict[str, App] = field(default_factory=dict)
    shops: dict[str, Shop] = field(default_factory=dict)
    authorizations: list[Authorization] = field(default_factory=list)
    access_token_ttl: timedelta = timedelta(days=7)
    refresh_token_ttl: timedelta = timedelta(days=365)
    delivery_options: dict[str, DeliveryOption] = field(default_factory=dict)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    skus: dict[str, SkuRecord] = field(default_factory=dict)

    shops_by_cipher: dict[str, Shop] = field(default_factory=dict)

    def shop_skus(self, shop_id: str) -> list[SkuRecord]:
        """The shop's SKUs in seeded order."""
        return [s for s in self.skus.values() if s.shop_id == shop_id]

    def shop_warehouses(self, shop_id: str) -> list[Warehouse]:
        """The shop's warehouses in seeded order."""
        return [w for w in self.warehouses.values() if w.shop_id == shop_id]

    def default_warehouse(self, shop_id: str) -> Warehouse | None:
        """The shop's default sales warehouse."""
        return next((w for w in self.shop_warehouses(shop_id) if w.is_default), None)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = yamlfiles.load(path) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def load_catalog(directory: Path) -> Catalog:
    """Read ``shops.yaml``, ``auth.yaml``, ``logistics.yaml`` and ``products.yaml`` (missing files: empty)."""
    catalog = Catalog()
    shops = _read(directory / "shops.yaml")
    for app in shops.get("apps") or []:
        catalog.apps[str(app["app_key"])] = App(str(app["app_key"]), str(app["app_secret"]), str(app.get("name", "")))
    for s in shops.get("shops") or []:
        catalog.shops[str(s["id"])] = Shop(
            str(s["id"]), str(s["name"]), str(s["region"]).upper(), str(s.get("seller_type", "LOCAL")),
            str(s.get("code", "")), str(s["cipher"]), str(s.get("profile", "direct")),
        )
    catalog.shops_by_cipher = {s.cipher: s for s in catalog.shops.values()}
    auth = _read(directory / "auth.yaml")
    catalog.access_token_ttl = parse_duration(auth.get("access_token_ttl", "7d"))
    catalog.refresh_token_ttl = parse_duration(auth.get("refresh_token_ttl", "365d"))
    for a in auth.get("authorizations") or []:
        catalog.authorizations.append(Authorization(
            str(a["auth_code"]), str(a["open_id"]), str(a["seller_name"]), str(a.get("seller_base_region", "US")),
            tuple(str(i) for i in a["shop_ids"]), str(a["access_token"]), str(a["refresh_token"]),
        ))
    logistics = _read(directory / "logistics.yaml")
    for o in logistics.get("delivery_options") or []:
        catalog.delivery_options[str(o["id"])] = DeliveryOption(
            str(o["id"]), str(o["region"]).upper(), str(o["name"]), str(o["type"]), str(o.get("description", "")),
            int(o.get("delivery_days", 7)), tuple(o.get("platform") or ["TIKTOK_SHOP"]),
            dict(o.get("weight_limit") or {}), dict(o.get("dimension_limit") or {}),
            tuple(Provider(str(p["id"]), str(p["name"])) for p in o.get("shipping_providers") or []),
        )
    for w in logistics.get("warehouses") or []:
        catalog.warehouses[str(w["id"])] = Warehouse(
            str(w["id"]), str(w["shop_id"]), str(w["name"]), str(w["type"]), str(w.get("sub_type", "")),
            str(w.get("effect_status", "ENABLED")), bool(w.get("is_default")), dict(w.get("address") or {}),
            tuple(str(i) for i in w.get("delivery_option_ids") or []),
        )
    for p in _read(directory / "products.yaml").get("products") or []:
        for s in p.get("skus") or []:
            catalog.skus[str(s["id"])] = SkuRecord(
                str(s["id"]), str(p["id"]), str(p["title"]), str(p["shop_id"]), str(s["name"]),
                str(s["seller_sku"]), Decimal(str(s["price"])), str(s["currency"]), int(s["stock"]),
            )
    return catalog
