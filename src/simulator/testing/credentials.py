"""Ready credentials of one profile's shop in a world, as a partner's OMS is configured with them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.rules import PROFILE_NAMES
from simulator.world import World

TIKTOK_API = "https://open-api.tiktokglobalshop.com"
TIKTOK_AUTH = "https://auth.tiktok-shops.com"
CHANNELADVISOR_API = "https://api.channeladvisor.com"


@dataclass(frozen=True)
class TikTokCredentials:
    """The Partner API app, the shop (id, cipher) and a seller authorization's tokens."""

    app_key: str
    app_secret: str
    shop_id: str
    shop_cipher: str
    region: str
    access_token: str
    refresh_token: str
    auth_code: str
    base_url: str = TIKTOK_API
    auth_url: str = TIKTOK_AUTH


@dataclass(frozen=True)
class SfccCredentials:
    """The SFCC instance and site of the shop, the partner OMS's API client and Business Manager user."""

    host: str
    site_id: str
    client_id: str
    client_secret: str
    bm_login: str
    bm_access_key: str
    ocapi_version: str

    @property
    def base_url(self) -> str:
        """``https://{instance host}``."""
        return f"https://{self.host}"


@dataclass(frozen=True)
class ChannelAdvisorCredentials:
    """The developer application, a refresh token reaching the shop's profile, and that profile."""

    application_id: str
    shared_secret: str
    refresh_token: str
    profile_id: int
    base_url: str = CHANNELADVISOR_API


@dataclass(frozen=True)
class Credentials:
    """Everything an OMS of ``profile`` needs; ``sfcc`` / ``channeladvisor`` only for those profiles."""

    profile: str
    tiktok: TikTokCredentials
    sfcc: SfccCredentials | None = None
    channeladvisor: ChannelAdvisorCredentials | None = None


def credentials_for(world: World, profile: str = "direct", *, region: str = "US") -> Credentials:
    """The first seeded shop of ``profile`` in ``region`` (any region if none) and its credentials."""
    if profile not in PROFILE_NAMES:
        raise ValueError(f"unknown profile {profile!r} (one of {', '.join(PROFILE_NAMES)})")
    every = world.control.credentials()
    tiktok = every["tiktok"]
    shops = [s for s in tiktok["shops"] if s["profile"] == profile]
    shop = next((s for s in shops if s["region"] == region), shops[0] if shops else None)
    if shop is None:
        raise LookupError(f"the mocks seed no shop with profile {profile!r}")
    auth = next(a for a in tiktok["authorizations"] if shop["id"] in a["shop_ids"])
    app = tiktok["apps"][0]
    creds = Credentials(profile, TikTokCredentials(
        app_key=app["app_key"], app_secret=app["app_secret"], shop_id=shop["id"], shop_cipher=shop["cipher"],
        region=shop["region"], access_token=auth["access_token"], refresh_token=auth["refresh_token"],
        auth_code=auth["auth_code"]))
    if profile == "sfcc" and "sfcc" in every:
        searchers = _order_searchers(world)
        return Credentials(profile, creds.tiktok, sfcc=_sfcc(every["sfcc"], shop["id"], searchers))
    if profile == "rithum" and "channeladvisor" in every:
        return Credentials(profile, creds.tiktok, channeladvisor=_channeladvisor(every["channeladvisor"], shop["id"]))
    return creds


def _order_searchers(world: World) -> set[str]:
    """Client ids the SFCC instance's OCAPI Shop settings allow ``POST /order_search``."""
    permissions = world.systems["sfcc"].config.shop_permissions
    return {client for client, granted in permissions.items()
            if any(p.resource_id == "/order_search" and "post" in p.methods for p in granted)}


def _sfcc(sfcc: dict[str, Any], shop_id: str, searchers: set[str]) -> SfccCredentials:
    site = next(s for s in sfcc["sites"] if s["tiktok_shop_id"] == shop_id)
    # The partner OMS's own client and user: not the TikTok connector's; a client that may search orders first.
    own = [c for c in sfcc["api_clients"] if "tiktok" not in c["name"].lower()] or sfcc["api_clients"]
    client = next((c for c in own if c["client_id"] in searchers), own[0])
    user = next((u for u in sfcc["bm_users"] if "tiktok" not in u["login"]), sfcc["bm_users"][0])
    return SfccCredentials(host=sfcc["instance_host"], site_id=site["site_id"], client_id=client["client_id"],
                           client_secret=client["client_secret"], bm_login=user["login"],
                           bm_access_key=user["access_key"], ocapi_version=sfcc["ocapi_version"])


def _channeladvisor(ca: dict[str, Any], shop_id: str) -> ChannelAdvisorCredentials:
    profile = next(p for p in ca["profiles"] if p["shop_id"] == shop_id)
    for app in ca["applications"]:
        for token in app["refresh_tokens"]:
            if profile["profile_id"] in token["profile_ids"]:
                return ChannelAdvisorCredentials(app["application_id"], app["shared_secret"], token["refresh_token"],
                                                 int(profile["profile_id"]))
    raise LookupError(f"no ChannelAdvisor refresh token reaches profile {profile['profile_id']}")
