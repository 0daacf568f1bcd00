"""Partner-side clients the scenario actors use: TikTok Partner API, ChannelAdvisor REST and SFCC OCAPI.

Each is written from the vendor's documentation (signing, tokens, bodies), not from the mocks' code, and
talks to the world's own app in-process, so a scenario drives every integration path through the same
HTTP surface a partner's OMS uses.
"""

from __future__ import annotations

import base64
import json
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


class Clients:
    """Lazily built, per-world clients for the three vendor APIs."""

    def __init__(self, world: World) -> None:
        from simulator.app import create_app

        self.world = world
        self.session = in_process_session(create_app(world), BASE)
        self._tiktok_tokens: dict[str, str] = {}
        self._ca_token: str | None = None
        self._sfcc_token: str | None = None
        self._credentials: dict[str, Any] | None = None

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
        answer = self.session.request(method, BASE + path, params=params, data=raw or None, headers={
            "x-tts-access-token": self._tiktok_token(shop_id), "content-type": "application/json"}).json()
        if answer["code"] != 0:
            raise Refused("tiktok_api", answer["code"], answer["message"])
        return answer["data"]

    # -- ChannelAdvisor REST (refresh-token grant, OData) ----------------------------------------
    def channeladvisor(self, method: str, path: str, *, json_body: Any = None,
                       params: dict[str, str] | None = None) -> requests.Response:
        """A call with a fresh-enough access token (re-authenticates on 401, as CA clients must)."""
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
        if response.status_code >= 400:
            body = response.json() if response.content else {}
            message = body.get("error", {}).get("message") if isinstance(body.get("error"), dict) else str(body)
            raise Refused("channeladvisor", response.status_code, str(message))
        return response

    def ca_order(self, order_id: str) -> dict[str, Any]:
        """The ChannelAdvisor order for a TikTok order (by ``SiteOrderID``), with its adjustments."""
        value = self.channeladvisor("GET", "/v1/Orders", params={
            "$filter": f"SiteOrderID eq '{order_id}'", "$expand": "Adjustments"}).json()["value"]
        if not value:
            raise Refused("channeladvisor", 404, f"order {order_id} is not in ChannelAdvisor (yet)")
        return dict(value[0])

    # -- SFCC OCAPI (Business Manager user grant, OCAPI Shop API) -------------------------------
    def sfcc(self, method: str, path: str, *, json_body: Any = None) -> requests.Response:
        """An OCAPI Shop call as the partner OMS (BM user grant; re-authenticates on 401)."""
        creds = self.credentials("sfcc")
        client = next(c for c in creds["api_clients"] if "OMS" in c["name"])
        user = next(u for u in creds["bm_users"] if u["login"].startswith("oms"))
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
        if response.status_code >= 400:
            fault = (response.json() if response.content else {}).get("fault", {})
            raise Refused("sfcc", fault.get("type", response.status_code), str(fault.get("message", "")))
        return response
