"""Access and refresh tokens of the auth host (``/api/v2/token/get``, ``/api/v2/token/refresh``), on world time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from simulator.secret import TokenMinter
from simulator.tiktok_shop.catalog import Authorization


@dataclass
class Token:
    """One issued token pair; expiry instants are virtual (business) time."""

    app_key: str
    authorization: Authorization
    access_token: str
    access_expires: datetime
    refresh_token: str
    refresh_expires: datetime


class TokenStore:
    """Issues, refreshes and looks up tokens; old access tokens stay valid until they expire.

    Issued pairs are minted under the world's secret (:class:`~simulator.secret.TokenMinter`), so
    an app's open id, app key and the issue counter do not reveal another seller's tokens.
    """

    def __init__(self, access_ttl: timedelta, refresh_ttl: timedelta, seed: int) -> None:
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.by_access: dict[str, Token] = {}
        self.by_refresh: dict[str, Token] = {}
        self._issued = 0
        self._minter = TokenMinter(seed, "tiktok")

    def add(self, token: Token) -> Token:
        """Register a token pair."""
        self.by_access[token.access_token] = token
        self.by_refresh[token.refresh_token] = token
        return token

    def seed(self, app_key: str, auth: Authorization, now: datetime) -> Token:
        """The seeded pair of an authorization (known in advance, listed by ``/_sim/credentials``)."""
        return self.add(Token(app_key, auth, auth.access_token, now + self.access_ttl,
                              auth.refresh_token, now + self.refresh_ttl))

    def issue(self, app_key: str, auth: Authorization, now: datetime) -> Token:
        """A fresh pair (deterministic per world seed, unguessable without the world secret)."""
        self._issued += 1
        digest = self._minter.mint(self._issued, auth.open_id, app_key)
        return self.add(Token(app_key, auth, f"TTP_{digest[:40]}", now + self.access_ttl,
                              f"TTP_r{digest[40:64]}{self._issued:016d}", now + self.refresh_ttl))

    def expire(self, access_token: str, now: datetime) -> bool:
        """Make an access token expire at ``now`` (fault ``token_expired``); False when it is unknown."""
        token = self.by_access.get(access_token)
        if token is None:
            return False
        token.access_expires = min(token.access_expires, now)
        return True
