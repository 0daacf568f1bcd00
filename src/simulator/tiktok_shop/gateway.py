"""The API gateway checks run on every signed call: sign, timestamp, app_key, access token, shop_cipher, QPS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.tiktok_shop import errors as E
from simulator.tiktok_shop.catalog import App, Catalog, Shop
from simulator.tiktok_shop.signing import expected_string, verify
from simulator.tiktok_shop.tokens import Token, TokenStore

PAST_WINDOW = 300  # seconds a timestamp may lag "now" (API doc: 5 minutes)
FUTURE_WINDOW = 30  # seconds a timestamp may lead "now" (API doc: 30 seconds)


@dataclass(slots=True)
class RawRequest:
    """What the gateway needs from an HTTP request (built by routes.py, the only Flask-aware module; never
    changed once built: not frozen, whose ``__init__`` costs three times as much on every signed call)."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    access_token: str | None
    multipart: bool = False
    prefix: str = ""  # where the app is mounted (``/w/{world_id}``): clients may sign the path with it

    def verify(self, secret: str, sign: str) -> bool:
        """The signature covers the path as served, or as the client saw it (with the mount prefix)."""
        if verify(secret, sign, self.path, self.query, self.body, multipart=self.multipart):
            return True
        return bool(self.prefix) and verify(secret, sign, self.prefix + self.path, self.query, self.body,
                                            multipart=self.multipart)

    @property
    def signed_body(self) -> bytes:
        """The body the signature covers: none for ``multipart/form-data`` (API doc signing step 5)."""
        return b"" if self.multipart else self.body


@dataclass(slots=True)
class Caller:
    """An authenticated caller: the app, its token's seller grant and (for shop APIs) the shop."""

    app: App
    token: Token
    shop: Shop | None


class RateLimiter:
    """Optional token bucket per (app_key, shop_cipher): ``rate`` requests/s refilling up to ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def allow(self, key: tuple[str, str], now: float) -> bool:
        """Take one token for ``key`` at time ``now`` (seconds); False when the bucket is empty."""
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True


def check_timestamp(raw: str | None, now: float) -> None:
    """36009004 unless ``raw`` is Unix seconds within [now - 5 min, now + 30 s]."""
    if raw is None or raw == "":
        raise E.InvalidCredentials("Missing credentials. The 'timestamp' query parameter is required.")
    if not (raw.isdigit() and raw.isascii() and len(raw) <= 19):  # int() would take "+1", "1_0", " 1"
        digits = raw[1:] if raw.startswith("-") else raw
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 19):
            raise E.InvalidCredentials("Invalid timestamp. The 'timestamp' query parameter must be Unix seconds.")
    value = int(raw)
    if value < 0:
        raise E.InvalidCredentials("Invalid timestamp. The 'timestamp' query parameter is lesser than 0.")
    if value < now - PAST_WINDOW:
        raise E.InvalidCredentials(
            "Invalid timestamp. The 'timestamp' query parameter is earlier than 5 minutes before the current time."
        )
    if value > now + FUTURE_WINDOW:
        raise E.InvalidCredentials(
            "Invalid timestamp. The 'timestamp' query parameter must not exceed the current time by more than "
            "30 seconds."
        )


class Gateway:
    """Runs the checks in the gateway's order; each failure raises the documented error."""

    def __init__(self, catalog: Catalog, tokens: TokenStore, limiter: RateLimiter | None = None) -> None:
        self.catalog = catalog
        self.tokens = tokens
        self.limiter = limiter

    def authenticate(self, req: RawRequest, *, shop_scoped: bool, now: datetime, transport_now: float) -> Caller:
        """Check ``req``; ``now`` is world time (token expiry), ``transport_now`` the timestamp clock.

        Raises:
            TikTokError: the first failing check's documented error.
        """
        query = req.query
        if not query.get("sign"):
            raise E.InvalidCredentials("Missing credentials. The 'sign' query parameter is required.")
        app = self.catalog.apps.get(query.get("app_key", ""))
        if app is None:
            raise E.InvalidCredentials(
                "Invalid credentials. Invalid 'app_key' query parameter. Please check the app_key of your app."
            )
        check_timestamp(query.get("timestamp"), transport_now)
        if not req.verify(app.app_secret, query["sign"]):
            error = E.InvalidSign()
            error.sim["sim_expected_string_to_sign"] = expected_string(req.path, query, req.body,
                                                                       multipart=req.multipart)
            raise error
        token = self._token(req.access_token, app, now)
        shop = self._shop(query.get("shop_cipher"), token, shop_scoped)
        if self.limiter is not None and not self.limiter.allow((app.app_key, query.get("shop_cipher", "")),
                                                               transport_now):
            raise E.TooManyRequests()
        return Caller(app, token, shop)

    def _token(self, value: str | None, app: App, now: datetime) -> Token:
        if not value:
            raise E.InvalidCredentials("Invalid credentials. The 'x-tts-access-token' header is invalid (missing).")
        token = self.tokens.by_access.get(value)
        if token is None or token.app_key != app.app_key:
            raise E.InvalidCredentials("Invalid credentials. The 'x-tts-access-token' header is invalid.")
        if now >= token.access_expires:
            raise E.ExpiredCredentials()
        return token

    def _shop(self, cipher: str | None, token: Token, shop_scoped: bool) -> Shop | None:
        if not shop_scoped:
            if cipher:
                raise E.InvalidCredentials(
                    "Unexpected identifier. The 'shop_cipher' query parameter is not required for this API."
                )
            return None
        if not cipher:
            raise E.MissingShopCipher()
        shop = self.catalog.shops_by_cipher.get(cipher)
        if shop is None:
            raise E.InvalidCredentials("Invalid identifier. The 'shop_cipher' query parameter is invalid.")
        if shop.id not in token.authorization.shop_ids:
            raise E.TokenNotForShop()
        return shop


def limiter_from_config(config: dict[str, Any]) -> RateLimiter | None:
    """A limiter from ``world.config["tiktok"]["rate_limit"] = {"rate": r, "burst": b}`` (None: unlimited)."""
    spec = config.get("rate_limit")
    if not spec:
        return None
    return RateLimiter(float(spec.get("rate", 10)), int(spec.get("burst", spec.get("rate", 10))))
