"""OAuth 2 for the mock: refresh-token grant with HTTP Basic app credentials, 1-hour access tokens."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from simulator.channeladvisor.errors import TokenError, Unauthorized
from simulator.channeladvisor.seed import Application, CaSeed
from simulator.clock import Clock
from simulator.secret import TokenMinter

ACCESS_TOKEN_LIFETIME = timedelta(hours=1)  # docs: "expires after 1 hour" -> expires_in 3600


@dataclass(frozen=True)
class Grant:
    """What an access token allows: the application (export flags are per application) and profiles."""

    token: str
    application_id: str
    profile_ids: tuple[int, ...]
    expires: datetime


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """``Authorization: Basic base64(id:secret)`` -> ``(id, secret)``; None when absent or malformed."""
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    app_id, sep, secret = decoded.partition(":")
    return (app_id, secret) if sep else None


def bearer_token(header: str | None, query_token: str | None) -> str | None:
    """The access token from ``?access_token=`` (CA doc examples) or ``Authorization: Bearer``."""
    if query_token:
        return query_token
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


class TokenService:
    """Issues and checks access tokens on the world clock; deterministic for a given world seed.

    Token values are minted under the world's secret (:class:`~simulator.secret.TokenMinter`): an
    application cannot compute another application's token (and so read profiles it was never
    granted) from application ids and counters.
    """

    def __init__(self, clock: Clock, seed: CaSeed, world_seed: int) -> None:
        self._clock = clock
        self._apps = {a.application_id: a for a in seed.applications}
        self._minter = TokenMinter(world_seed, "channeladvisor")
        self._issued = 0
        self._tokens: dict[str, Grant] = {}

    def issue(self, basic: tuple[str, str] | None, form: Mapping[str, str]) -> dict[str, object]:
        """``POST /oauth2/token``: exchange a refresh token for an access token.

        Raises:
            TokenError: bad client credentials (``invalid_client``), grant (``unsupported_grant_type``)
                or refresh token (``invalid_grant``), all HTTP 400 as the CA docs say.
        """
        app = self._client(basic)
        grant_type = form.get("grant_type", "")
        if grant_type != "refresh_token":
            raise TokenError(
                "unsupported_grant_type", f"grant_type {grant_type!r} is not supported (use refresh_token)"
            )
        refresh = form.get("refresh_token", "")
        if refresh not in app.refresh_tokens:
            raise TokenError("invalid_grant", "The refresh token is invalid or was issued to another application.")
        self._issued += 1
        token = self._minter.mint(self._issued, app.application_id)
        expires = self._clock.now() + ACCESS_TOKEN_LIFETIME
        self._tokens[token] = Grant(token, app.application_id, app.refresh_tokens[refresh], expires)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        }

    def authenticate(self, token: str | None) -> Grant:
        """The grant of a live access token, or :class:`Unauthorized` (401)."""
        grant = self._tokens.get(token or "")
        if grant is None or self._clock.now() >= grant.expires:
            raise Unauthorized()
        return grant

    def expire(self, token: str, now: datetime) -> bool:
        """Make an access token expire at ``now`` (fault ``token_expired``); False when it is unknown."""
        grant = self._tokens.get(token)
        if grant is None:
            return False
        self._tokens[token] = replace(grant, expires=min(grant.expires, now))
        return True

    def _client(self, basic: tuple[str, str] | None) -> Application:
        if basic is None:
            # RFC 6749 5.2: no client authentication at all is 401 with a challenge (a wrong secret stays 400).
            raise TokenError("invalid_client", "Send the application id and shared secret as HTTP Basic credentials.",
                             status=401)
        app = self._apps.get(basic[0])
        if app is None or app.shared_secret != basic[1]:
            raise TokenError("invalid_client", "The application id or shared secret is not valid.")
        return app
