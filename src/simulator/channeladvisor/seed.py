"""Load ``mocks/channeladvisor/accounts.yaml``: applications, refresh tokens, profiles, carriers, mappings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from simulator import yamlfiles
from simulator.channeladvisor.enums import AdjustmentReason


class SeedError(ValueError):
    """ChannelAdvisor seed data that cannot be used."""


@dataclass(frozen=True)
class ShippingMapping:
    """One Outbound Shipping Mapping: OMS carrier (and optional class) -> TikTok carrier code (FUL-5)."""

    carrier: str
    tiktok_carrier: str
    shipping_class: str | None = None


@dataclass(frozen=True)
class Account:
    """A ChannelAdvisor profile (account) connected to one TikTok shop."""

    profile_id: int
    shop_id: str
    region: str
    name: str
    carriers: dict[str, tuple[str, ...]]
    mappings: tuple[ShippingMapping, ...]


@dataclass(frozen=True)
class Application:
    """A developer application: id, shared secret and the refresh tokens granted to it."""

    application_id: str
    shared_secret: str
    name: str
    refresh_tokens: dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class CaSeed:
    """Everything a new ChannelAdvisor starts with."""

    site_id: int
    site_name: str
    applications: tuple[Application, ...]
    accounts: tuple[Account, ...]
    cancel_reason_mapping: dict[str, str] = field(default_factory=dict)
    default_reject_reason: str = ""

    def account_for_shop(self, shop_id: str) -> Account | None:
        """The profile connected to a TikTok shop (the first, if several are)."""
        return self._by_shop.get(shop_id)

    @cached_property
    def _by_shop(self) -> dict[str, Account]:
        """Accounts by shop, the first one of each (the seed is frozen: built once, asked on every import)."""
        by_shop: dict[str, Account] = {}
        for account in self.accounts:
            by_shop.setdefault(account.shop_id, account)
        return by_shop

    def account(self, profile_id: int) -> Account | None:
        """The profile with this ID."""
        return next((a for a in self.accounts if a.profile_id == profile_id), None)


def load_seed(mocks_dir: Path) -> CaSeed:
    """Read ``channeladvisor/accounts.yaml`` under ``mocks_dir`` (an empty seed when absent)."""
    path = mocks_dir / "channeladvisor" / "accounts.yaml"
    if not path.is_file():
        return CaSeed(0, "TikTok Shop", (), ())
    data: dict[str, Any] = yamlfiles.load(path) or {}
    try:
        return _build(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise SeedError(f"{path}: {exc}") from exc


def _build(data: dict[str, Any]) -> CaSeed:
    site = data.get("site") or {}
    apps = tuple(
        Application(
            str(app["application_id"]),
            str(app["shared_secret"]),
            str(app.get("name", "")),
            {str(rt["token"]): tuple(int(p) for p in rt["profiles"]) for rt in app.get("refresh_tokens", [])},
        )
        for app in data.get("applications", [])
    )
    accounts = tuple(
        Account(
            int(p["profile_id"]),
            str(p["shop_id"]),
            str(p["region"]).upper(),
            str(p.get("name", "")),
            {str(c): tuple(str(k) for k in classes) for c, classes in (p.get("carriers") or {}).items()},
            tuple(
                ShippingMapping(
                    str(m["carrier"]), str(m["tiktok_carrier"]), str(m["class"]) if m.get("class") else None
                )
                for m in p.get("outbound_shipping_mappings", [])
            ),
        )
        for p in data.get("profiles", [])
    )
    reasons = {str(k): str(v) for k, v in (data.get("cancel_reason_mapping") or {}).items()}
    unknown = set(reasons) - {r.value for r in AdjustmentReason}
    if unknown:
        raise ValueError(f"cancel_reason_mapping has unknown AdjustmentReason values {sorted(unknown)}")
    return CaSeed(
        int(site.get("id", 0)),
        str(site.get("name", "TikTok Shop")),
        apps,
        accounts,
        reasons,
        str(data.get("default_reject_reason", "")),
    )
