"""SFCC auth: Account Manager client credentials, the BM user grant, bearer checks and OCAPI permissions."""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from datetime import datetime
from typing import Any

from simulator.clock import Clock
from simulator.secret import TokenMinter
from simulator.sfcc import errors as E
from simulator.sfcc.config import SfccConfig
from simulator.sfcc.models import Token

CLIENT_CREDENTIALS = "client_credentials"
BM_USER_GRANT = "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"
TOKEN_ECHO = 256  # the fault's ``accessToken`` argument echoes at most this much of what was sent


class OAuthError(Exception):
    """An RFC 6749 token-endpoint error: ``{"error", "error_description"}`` with its HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def document(self) -> dict[str, Any]:
        """The JSON body."""
        return {"error": self.error, "error_description": self.description}


def basic_credentials(header: str | None) -> list[str] | None:
    """The colon-separated parts of a ``Basic`` header (None if absent or not Basic)."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.split(":")


class Authenticator:
    """Issues and checks tokens against the world clock; knows every client's OCAPI settings.

    Token values are minted under the world's secret (:class:`~simulator.secret.TokenMinter`), so
    one client cannot compute the token of another client or BM user from their public ids.
    """

    def __init__(self, config: SfccConfig, clock: Clock, seed: int) -> None:
        self.config = config
        self.clock = clock
        self.seed = seed
        self._minter = TokenMinter(seed, "sfcc")
        self.tokens: dict[str, Token] = {}

    # -- token endpoint ----------------------------------------------------------------------------
    def issue(self, grant_type: str | None, authorization: str | None, client_id: str | None) -> Token:
        """``POST /dw/oauth2/access_token``: a client-credentials or BM-user-grant token, or OAuthError."""
        parts = basic_credentials(authorization)
        if grant_type == CLIENT_CREDENTIALS:
            if parts is None or len(parts) != 2:
                raise OAuthError("invalid_client", "Client authentication failed", 401)
            return self._client_credentials(parts[0], parts[1])
        if grant_type == BM_USER_GRANT:
            if not client_id:
                raise OAuthError("invalid_request", "Missing parameter: client_id")
            if parts is None or len(parts) < 3:
                raise OAuthError("invalid_client", "Client authentication failed", 401)
            # login may itself contain ':'? BM logins do not; the secret is the last part.
            login, key, secret = ":".join(parts[:-2]), parts[-2], parts[-1]
            return self._bm_user(client_id, login, key, secret)
        raise OAuthError("unsupported_grant_type", f"Unsupported grant type: {grant_type!r}")

    def _client_credentials(self, client_id: str, secret: str) -> Token:
        client = self.config.clients.get(client_id)
        if client is None or client.client_secret != secret:
            raise OAuthError("invalid_client", "Client authentication failed", 401)
        return self._new(client_id, CLIENT_CREDENTIALS, None, "client_credentials")

    def _bm_user(self, client_id: str, login: str, key: str, secret: str) -> Token:
        client = self.config.clients.get(client_id)
        if client is None or client.client_secret != secret:
            raise OAuthError("invalid_client", "Client authentication failed", 401)
        user = self.config.users.get(login)
        if user is None or user.access_key != key:
            raise OAuthError("invalid_grant", "Invalid user credentials")
        if user.disabled or user.locked:
            raise OAuthError("invalid_grant", "User is disabled or locked")
        return self._new(client_id, BM_USER_GRANT, login, "bm_user_grant")

    def _new(self, client_id: str, grant: str, user: str | None, lifetime: str) -> Token:
        digest = self._minter.mint(len(self.tokens), client_id, grant, user)
        token = Token(digest, client_id, grant, self.clock.now() + self.config.token_lifetimes[lifetime], user)
        self.tokens[token.value] = token
        return token

    def expire(self, value: str, now: datetime) -> bool:
        """Make a bearer token expire at ``now`` (fault ``token_expired``); False when it is unknown."""
        token = self.tokens.get(value)
        if token is None:
            return False
        self.tokens[value] = replace(token, expires_at=min(token.expires_at, now))
        return True

    # -- resource access ---------------------------------------------------------------------------
    def bearer(self, authorization: str | None) -> Token:
        """The valid token named by ``Authorization: Bearer``; OCAPI 401 faults otherwise."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise E.InvalidAuthorizationHeaderException()
        value = authorization[7:].strip()
        token = self.tokens.get(value)
        if token is None:
            raise E.InvalidAccessTokenException(accessToken=value[:TOKEN_ECHO])
        if self.clock.now() >= token.expires_at:
            raise E.InvalidAccessTokenException("The request is unauthorized, the access token is expired.",
                                                accessToken=value[:TOKEN_ECHO])
        return token

    def authorize(
        self, api: str, resource: str, method: str, authorization: str | None, client_id: str | None
    ) -> Token:
        """Check client id, bearer token and the client's OCAPI settings for ``api`` (shop|data)."""
        if client_id and client_id not in self.config.clients:
            raise E.UnknownClientIdException(clientId=client_id)
        token = self.bearer(authorization)
        if client_id and client_id != token.client_id:
            raise E.InvalidClientIdException("The client id does not match the access token.", clientId=client_id)
        table = self.config.shop_permissions if api == "shop" else self.config.data_permissions
        if not any(p.allows(resource, method) for p in table.get(token.client_id, [])):
            raise E.ClientAccessForbiddenException(
                f"Access to resource '{method.upper()} {resource}' is not allowed for the client.",
                method=method.upper(), path=resource,
            )
        return token

    def controller_token(self, header: str | None) -> Token | None:
        """``OrderCreateHelper.checkAccessToken``: strip ``Bearer``, validate like the ``user_search`` call does.

        Returns None when the token is missing, unknown, expired, or its client may not call
        Data ``/user_search`` (the cartridge would see ``InvalidAccessTokenException``).
        """
        if not header:
            return None
        value = header[7:].strip() if header.lower().startswith("bearer ") else header.strip()
        try:
            token = self.bearer(f"Bearer {value}")
        except E.OcapiFault:
            return None
        if not any(p.allows("/user_search", "post") for p in self.config.data_permissions.get(token.client_id, [])):
            return None
        return token
