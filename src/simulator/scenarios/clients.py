"""Partner-side clients the scenario actors use: TikTok Partner API, ChannelAdvisor REST and SFCC OCAPI.

Each is written from the vendor's documentation (signing, tokens, bodies), not from the mocks' code, and
talks to the world's own app in-process, so a scenario drives every integration path through the same
HTTP surface a partner's OMS uses.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import requests

from simulator.tiktok_shop.signing import sign
from simulator.transport import in_process_session
from simulator.world import World

BASE = "https://tts-sim.invalid"  # never resolved: the session serves it in-process


class Refused(Exception):
    """A vendor API refused the call; ``code`` is the vendor's own (TikTok code, HTTP status...)."""

    def __init__(self, via: str, code: Any, message: str) -> None:
        super().__init__(f"{via} refused ({code}): {message}")
        self.via = via
        self.code = code
        self.message = message


@dataclass
class Call:
    """One message between actors, for reports: an API call (with its answer) or an actor's action.

    ``seq`` is the journal position before it happened, so its effects in the journal come after it.
    """

    at: str
    seq: int
    source: str  # lane: buyer, tiktok, sfcc, channeladvisor, oms, carrier
    target: str
    label: str
    ok: bool = True
    via: str | None = None
    status: int | None = None
    code: Any = None
    body: Any = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (without the response body)."""
        return {"at": self.at, "seq": self.seq, "source": self.source, "target": self.target, "label": self.label,
                "ok": self.ok, "via": self.via, "status": self.status, "code": self.code}


class Clients:
    """Lazily built, per-world clients for the three vendor APIs; every call is kept in ``calls``."""

    def __init__(self, world: World, calls: list[Call] | None = None, app: Any = None) -> None:
        """``app``: the WSGI app serving ``world`` (default: a new one)."""
        if app is None:
            from simulator.app import create_app

            app = create_app(world)
        self.world = world
        self.calls: list[Call] = calls if calls is not None else []
        self.session = in_process_session(app, BASE)
        self._tiktok_tokens: dict[str, str] = {}
        self._ca_token: str | None = None
        self._sfcc_token: str | None = None
        self._credentials: dict[str, Any] | None = None

    def _record(self, via: str, target: str, method: str, path: str, seq: int, status: int, code: Any,
                body: Any, ok: bool) -> None:
        at = self.world.clock.now().isoformat().replace("+00:00", "Z")
        self.calls.append(Call(at, seq, "oms", target, f"{method} {path}", ok, via, status, code, body))

    def credentials(self, system: str) -> Any:
        """The world's seeded credentials for ``system`` (fixed for a world's life: read once)."""
        if self._credentials is None:
            self._credentials = self.world.control.credentials()
        return self._credentials[system]

    # -- TikTok Shop Partner API (API doc: sign-your-api-request) --------------------------------
    def _tiktok_app(self) -> tuple[str, str]:
        app = self.credentials("tiktok")["apps"][0]
        return str(app["app_key"]), str(app["app_secret"])

    def _tiktok_token(self, shop_id: str) -> str:
        if shop_id not in self._tiktok_tokens:
            creds = self.credentials("tiktok")
            auth = next(a for a in creds["authorizations"] if shop_id in a["shop_ids"])
            app_key, secret = self._tiktok_app()
            answer = self.session.get(f"{BASE}/api/v2/token/get", params={
                "app_key": app_key, "app_secret": secret, "auth_code": auth["auth_code"],
                "grant_type": "authorized_code"}).json()
            self._tiktok_tokens[shop_id] = answer["data"]["access_token"]
        return self._tiktok_tokens[shop_id]

    def tiktok(self, method: str, path: str, shop_id: str, *, query: dict[str, str] | None = None,
               body: dict[str, Any] | None = None) -> Any:
        """A signed call; returns ``data`` or raises :class:`Refused` with the envelope's code."""
        creds = self.credentials("tiktok")
        cipher = next(s["cipher"] for s in creds["shops"] if s["id"] == shop_id)
        app_key, secret = self._tiktok_app()
        params = {"app_key": app_key, "timestamp": str(self.world.clock.timestamp()), "shop_cipher": cipher,
                  **(query or {})}
        raw = json.dumps(body).encode() if body is not None else b""
        params["sign"] = sign(secret, path, params, raw)
        token, seq = self._tiktok_token(shop_id), len(self.world.journal)
        response = self.session.request(method, BASE + path, params=params, data=raw or None, headers={
            "x-tts-access-token": token, "content-type": "application/json"})
        answer = response.json()
        self._record("tiktok_api", "tiktok", method, path, seq, response.status_code, answer["code"], answer,
                     answer["code"] == 0)
        if answer["code"] != 0:
            raise Refused("tiktok_api", answer["code"], answer["message"])
        return answer["data"]

    # -- ChannelAdvisor REST (refresh-token grant, OData) ----------------------------------------
    def channeladvisor(self, method: str, path: str, *, json_body: Any = None,
                       params: dict[str, str] | None = None) -> requests.Response:
        """A call with a fresh-enough access token (re-authenticates on 401, as CA clients must)."""
        seq = len(self.world.journal)
        for attempt in (1, 2):
            if self._ca_token is None or attempt == 2:
                app = self.credentials("channeladvisor")["applications"][0]
                answer = self.session.post(f"{BASE}/oauth2/token", auth=(app["application_id"], app["shared_secret"]),
                                           data={"grant_type": "refresh_token",
                                                 "refresh_token": app["refresh_tokens"][0]["refresh_token"]})
                self._ca_token = answer.json()["access_token"]
            response = self.session.request(method, BASE + path, json=json_body, params=params,
                                            headers={"Authorization": f"Bearer {self._ca_token}"})
            if response.status_code != 401:
                break
        body = _json(response)
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        self._record("channeladvisor", "channeladvisor", method, path, seq, response.status_code,
                     code or response.status_code, body, response.status_code < 400)
        if response.status_code >= 400:
            message = error.get("message") if isinstance(error, dict) else str(body)
            raise Refused("channeladvisor", response.status_code, str(message))
        return response

    def ca_order(self, order_id: str, expand: str = "Adjustments") -> dict[str, Any]:
        """The ChannelAdvisor order for a TikTok order (by ``SiteOrderID``), with its adjustments."""
        value = self.channeladvisor("GET", "/v1/Orders", params={
            "$filter": f"SiteOrderID eq '{order_id}'", "$expand": expand}).json()["value"]
        if not value:
            raise Refused("channeladvisor", 404, f"order {order_id} is not in ChannelAdvisor (yet)")
        return dict(value[0])

    # -- SFCC OCAPI (Business Manager user grant, OCAPI Shop API) -------------------------------
    def sfcc(self, method: str, path: str, *, json_body: Any = None) -> requests.Response:
        """An OCAPI Shop call as the partner OMS (BM user grant; re-authenticates on 401)."""
        creds = self.credentials("sfcc")
        client = next(c for c in creds["api_clients"] if "OMS" in c["name"])
        user = next(u for u in creds["bm_users"] if u["login"].startswith("oms"))
        seq = len(self.world.journal)
        for attempt in (1, 2):
            if self._sfcc_token is None or attempt == 2:
                basic = base64.b64encode(
                    f"{user['login']}:{user['access_key']}:{client['client_secret']}".encode()).decode()
                answer = self.session.post(
                    f"{BASE}/dw/oauth2/access_token", params={"client_id": client["client_id"]},
                    headers={"Authorization": f"Basic {basic}"},
                    data={"grant_type": "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"})
                self._sfcc_token = answer.json()["access_token"]
            response = self.session.request(method, BASE + path, json=json_body, headers={
                "Authorization": f"Bearer {self._sfcc_token}", "x-dw-client-id": client["client_id"]})
            if response.status_code != 401:
                break
        body = _json(response)
        fault = body.get("fault", {}) if isinstance(body, dict) else {}
        self._record("sfcc", "sfcc", method, path, seq, response.status_code, fault.get("type", response.status_code),
                     body, response.status_code < 400)
        if response.status_code >= 400:
            raise Refused("sfcc", fault.get("type", response.status_code), str(fault.get("message", "")))
        return response

    def webdav_put(self, relative: str, data: bytes) -> requests.Response:
        """The OMS uploads a file into IMPEX over WebDAV (Basic ``login:webdav_access_key``; FUL-4 batch)."""
        user = next(u for u in self.credentials("sfcc")["bm_users"] if u["login"].startswith("oms"))
        seq = len(self.world.journal)
        path = f"/on/demandware.servlet/webdav/Sites/IMPEX/{relative}"
        response = self.session.put(BASE + path, data=data, auth=(user["login"], user["webdav_access_key"]))
        self._record("sfcc", "sfcc", "PUT", path, seq, response.status_code, response.status_code, None,
                     response.status_code < 400)
        if response.status_code >= 400:
            raise Refused("sfcc", response.status_code, response.text[:200])
        return response


def _json(response: requests.Response) -> Any:
    try:
        return response.json() if response.content else {}
    except ValueError:
        return {"text": response.text[:500]}
