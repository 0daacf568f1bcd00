"""Credentials per API for a conformance run: TikTok request signing, SFCC and ChannelAdvisor OAuth tokens.

Against a tts-sim server with no options given, the seeded credentials come from ``GET /_sim/credentials``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase

from simulator.clock import wall_time
from simulator.tiktok_shop.signing import sign

TIMEOUT = 10


class AuthError(Exception):
    """Credentials are missing or the server refused to issue a token (one line for the CLI)."""


@dataclass
class Auth:
    """What a run authenticates with.

    ``schemes``: schemathesis ``auth.openapi`` settings keyed by the contract's security scheme names;
    ``signer``: a requests auth run on every prepared request (TikTok's signature covers the final bytes);
    ``parameters``: values pinned for every case (e.g. the SFCC site), schemathesis ``parameters`` settings.
    """

    schemes: dict[str, dict[str, str]] = field(default_factory=dict)
    signer: AuthBase | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    summary: str = ""


# -- TikTok Shop -----------------------------------------------------------------------------------
@dataclass
class TikTokSigner(AuthBase):
    """Signs each request as TikTok's gateway checks it (API doc sign-your-api-request).

    The contract declares the gateway's credentials as parameters (``app_key``, ``timestamp``, ``sign``,
    ``shop_cipher`` in the query, ``x-tts-access-token`` header; ``app_secret`` on the auth host): a generated
    value of one of them is replaced by the real one, and a missing or empty one stays so, so cases that leave a
    credential out still test the gateway's refusal; ``sign`` is then computed over the query and body bytes
    actually sent.
    """

    app_key: str
    app_secret: str
    access_token: str
    shop_cipher: str
    now: Callable[[], float] = wall_time

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        real = {"app_key": self.app_key, "app_secret": self.app_secret, "timestamp": str(int(self.now())),
                "shop_cipher": self.shop_cipher}
        pairs = [(k, real[k] if k in real and v else v) for k, v in pairs]  # an empty one stays empty
        if request.headers.get("x-tts-access-token"):
            request.headers["x-tts-access-token"] = self.access_token
        if any(k == "sign" for k, _ in pairs):
            body = request.body.encode() if isinstance(request.body, str) else request.body or b""
            signed = {k: v for k, v in pairs if k != "sign"}
            value = sign(self.app_secret, parts.path, signed, body)
            pairs = [(k, value if k == "sign" else v) for k, v in pairs]
        request.url = urlunsplit(parts._replace(query=urlencode(pairs)))
        return request


def tiktok(creds: Mapping[str, str]) -> Auth:
    """``app_key``, ``app_secret``, ``access_token``, ``shop_cipher``."""
    _require(creds, "tiktok-shop", ("app_key", "app_secret", "access_token", "shop_cipher"))
    signer = TikTokSigner(creds["app_key"], creds["app_secret"], creds["access_token"], creds["shop_cipher"])
    return Auth(signer=signer, summary=f"signed as app {creds['app_key']}, shop cipher {creds['shop_cipher']}")


# -- SFCC ------------------------------------------------------------------------------------------
def sfcc_token(base_url: str, client_id: str, client_secret: str, *, user: str | None = None,
               access_key: str | None = None, token_url: str | None = None) -> str:
    """An OCAPI bearer: Account Manager client credentials, or the Business Manager user grant with a user."""
    if user:
        url = token_url or f"{base_url}/dw/oauth2/access_token"
        grant = "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"
        basic = (user, f"{access_key}:{client_secret}")
        return _token(requests.post(url, params={"client_id": client_id}, data={"grant_type": grant}, auth=basic,
                                    timeout=TIMEOUT), url)
    url = token_url or f"{base_url}/dw/oauth2/access_token"
    return _token(requests.post(url, data={"grant_type": "client_credentials"}, auth=(client_id, client_secret),
                                timeout=TIMEOUT), url)


def sfcc(base_url: str, creds: Mapping[str, str]) -> Auth:
    """``client_id``/``client_secret`` (+ ``bm_user``/``bm_access_key``) for the bearer; ``site_id``; optionally
    ``oms_token`` (the Data API's client), ``storefront_user``/``_password``, ``webdav_user``/``_key``."""
    _require(creds, "sfcc", ("client_id", "client_secret", "site_id"))
    token = creds.get("token") or sfcc_token(base_url, creds["client_id"], creds["client_secret"],
                                             user=creds.get("bm_user"), access_key=creds.get("bm_access_key"),
                                             token_url=creds.get("token_url"))
    schemes: dict[str, dict[str, str]] = {
        "shopBearer": {"bearer": token}, "dataBearer": {"bearer": creds.get("oms_token") or token},
        "controllerToken": {"api_key": token},
        "clientBasic": {"username": creds["client_id"], "password": creds["client_secret"]},
    }
    if creds.get("bm_user"):
        schemes["bmUserBasic"] = {"username": creds["bm_user"],
                                  "password": f"{creds.get('bm_access_key', '')}:{creds['client_secret']}"}
    for scheme, user, password in (("storefrontBasic", "storefront_user", "storefront_password"),
                                   ("webdavBasic", "webdav_user", "webdav_key")):
        if creds.get(user):
            schemes[scheme] = {"username": creds[user], "password": creds.get(password, "")}
    return Auth(schemes=schemes, parameters={"path.site_id": creds["site_id"]},
                summary=f"client {creds['client_id']}, site {creds['site_id']}")


# -- ChannelAdvisor --------------------------------------------------------------------------------
def channeladvisor_token(base_url: str, application_id: str, shared_secret: str, refresh_token: str,
                         token_url: str | None = None) -> str:
    """An access token from the refresh-token grant (HTTP Basic application id and shared secret)."""
    url = token_url or f"{base_url}/oauth2/token"
    return _token(requests.post(url, data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                                auth=(application_id, shared_secret), timeout=TIMEOUT), url)


def channeladvisor(base_url: str, creds: Mapping[str, str]) -> Auth:
    """``application_id``, ``shared_secret``, ``refresh_token`` (or an ``access_token``)."""
    _require(creds, "channeladvisor", ("application_id", "shared_secret", "refresh_token"))
    token = creds.get("access_token") or channeladvisor_token(
        base_url, creds["application_id"], creds["shared_secret"], creds["refresh_token"], creds.get("token_url"))
    return Auth(schemes={"bearer": {"bearer": token},
                         "applicationBasic": {"username": creds["application_id"], "password": creds["shared_secret"]}},
                summary=f"application {creds['application_id']}")


# -- a tts-sim server's own credentials ------------------------------------------------------------
def simulator_credentials(base_url: str) -> dict[str, Any] | None:
    """``GET /_sim/credentials`` of a tts-sim server (None: not a tts-sim server)."""
    try:
        answer = requests.get(f"{base_url}/_sim/credentials", timeout=TIMEOUT)
        data = answer.json() if answer.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None
    return data if isinstance(data, dict) else None


def from_simulator(api: str, seeded: Mapping[str, Any]) -> dict[str, str]:
    """The credential options for ``api`` from a tts-sim server's seeded credentials."""
    if api == "tiktok-shop":
        tiktok = seeded["tiktok"]
        shop = next((s for s in tiktok["shops"] if s.get("profile") == "direct"), tiktok["shops"][0])
        grant = next(a for a in tiktok["authorizations"] if shop["id"] in a["shop_ids"])
        return {"app_key": tiktok["apps"][0]["app_key"], "app_secret": tiktok["apps"][0]["app_secret"],
                "access_token": grant["access_token"], "shop_cipher": shop["cipher"]}
    if api == "sfcc":
        sfcc = seeded["sfcc"]
        (tiktok_client, oms_client), (tiktok_user, oms_user) = sfcc["api_clients"][:2], sfcc["bm_users"][:2]
        site = sfcc["sites"][0]
        guard = site.get("storefront_protection") or {}
        return {"client_id": tiktok_client["client_id"], "client_secret": tiktok_client["client_secret"],
                "bm_user": tiktok_user["login"], "bm_access_key": tiktok_user["access_key"], "site_id": site["site_id"],
                "oms_client_id": oms_client["client_id"], "oms_client_secret": oms_client["client_secret"],
                "oms_user": oms_user["login"], "oms_access_key": oms_user["access_key"],
                "storefront_user": str(guard.get("user", "")), "storefront_password": str(guard.get("password", "")),
                "webdav_user": oms_user["login"], "webdav_key": oms_user["webdav_access_key"]}
    app = seeded["channeladvisor"]["applications"][0]
    return {"application_id": app["application_id"], "shared_secret": app["shared_secret"],
            "refresh_token": app["refresh_tokens"][0]["refresh_token"]}


def resolve(api: str, base_url: str, creds: Mapping[str, str]) -> Auth:
    """The :class:`Auth` for ``api`` from credential options (SFCC's OMS client gets its own Data API token)."""
    base_url = base_url.rstrip("/")
    if api == "tiktok-shop":
        return tiktok(creds)
    if api == "sfcc":
        given = dict(creds)
        if given.get("oms_client_id") and not given.get("oms_token"):
            given["oms_token"] = sfcc_token(base_url, given["oms_client_id"], given.get("oms_client_secret", ""),
                                            user=given.get("oms_user"), access_key=given.get("oms_access_key"),
                                            token_url=given.get("token_url"))
        return sfcc(base_url, given)
    return channeladvisor(base_url, creds)


def _require(creds: Mapping[str, str], api: str, names: tuple[str, ...]) -> None:
    missing = [n for n in names if not creds.get(n)]
    if missing:
        options = ", ".join("--" + n.replace("_", "-") for n in missing)
        raise AuthError(f"{api} needs {options} (or point --base-url at a tts-sim server, which lends its own)")


def _token(answer: requests.Response, url: str) -> str:
    try:
        token = answer.json().get("access_token")
    except ValueError:
        token = None
    if answer.status_code != 200 or not isinstance(token, str):
        raise AuthError(f"POST {url} answered {answer.status_code} without an access token: {answer.text[:200]}")
    return token


def basic(user: str, password: str) -> str:
    """An HTTP Basic ``Authorization`` value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
