"""TikTok's SFCC client: BM-user-grant token, CreateExternalOrder, OCAPI GetOrder/PATCH, WebDAV feed download."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from simulator.clock import Clock
from simulator.lazyimport import requests

BM_GRANT = "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"


@dataclass(frozen=True)
class SfccSettings:
    """What the cartridge's BM page hands TikTok (BM_TikTok.js credentials) plus the instance URL."""

    base_url: str
    site_id: str
    client_id: str
    client_secret: str
    bm_user: str
    bm_access_key: str
    webdav_access_key: str = ""
    ocapi_version: str = "v22_6"
    storefront_user: str = ""
    storefront_password: str = ""


def _basic(*parts: str) -> str:
    return "Basic " + base64.b64encode(":".join(parts).encode()).decode()


class SfccClient:
    """Every call goes over ``session`` (real HTTP, or in-process to the world's own mock)."""

    def __init__(self, settings: SfccSettings, session: requests.Session, clock: Clock, timeout: float = 30) -> None:
        self.settings, self.session, self.clock, self.timeout = settings, session, clock, timeout
        self._token: str | None = None
        self._expires: datetime | None = None

    def shop_base(self, site_id: str | None = None) -> str:
        """``{base}/s/{site}/dw/shop/{version}`` (the configured site unless one is given)."""
        s = self.settings
        return f"{s.base_url.rstrip('/')}/s/{site_id or s.site_id}/dw/shop/{s.ocapi_version}"

    def token(self) -> str:
        """A BM user grant token, re-requested when the cached one is due to expire (world clock)."""
        now = self.clock.now()
        if self._token and self._expires and now < self._expires:
            return self._token
        s = self.settings
        answer = self.session.post(
            f"{s.base_url.rstrip('/')}/dw/oauth2/access_token",
            params={"client_id": s.client_id},
            data={"grant_type": BM_GRANT},
            timeout=self.timeout,
            headers={
                "Authorization": _basic(s.bm_user, s.bm_access_key, s.client_secret),
                "x-dw-client-id": s.client_id,
            },
        )
        answer.raise_for_status()
        body = answer.json()
        self._token = str(body["access_token"])
        self._expires = now + timedelta(seconds=max(int(body.get("expires_in", 900)) - 30, 1))
        return self._token

    def _ocapi(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        for attempt in (1, 2):  # one re-auth on 401 (token revoked or expired server-side)
            headers = {"Authorization": f"Bearer {self.token()}", "x-dw-client-id": self.settings.client_id}
            answer = self.session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
            if answer.status_code != 401 or attempt == 2:
                return answer
            self._token = None
        raise AssertionError("unreachable")

    def create_order(self, site_id: str, body: dict[str, Any]) -> requests.Response:
        """``POST /s/{site}/CreateExternalOrder``; the token goes in ``x-is-authorization`` (storefront Basic in Authorization)."""
        s = self.settings
        headers = {"x-is-authorization": f"Bearer {self.token()}", "Content-Type": "application/json"}
        if s.storefront_user:
            headers["Authorization"] = _basic(s.storefront_user, s.storefront_password)
        return self.session.post(
            f"{s.base_url.rstrip('/')}/s/{site_id}/CreateExternalOrder",
            json=body,
            headers=headers,
            timeout=self.timeout,
        )

    def get_order(self, site_id: str, order_no: str) -> requests.Response:
        """OCAPI Shop GetOrder."""
        return self._ocapi("GET", f"{self.shop_base(site_id)}/orders/{order_no}")

    def patch_order(self, site_id: str, order_no: str, body: dict[str, Any]) -> requests.Response:
        """OCAPI Shop ``PATCH /orders/{no}``."""
        return self._ocapi("PATCH", f"{self.shop_base(site_id)}/orders/{order_no}", json=body)

    def find_by_external_id(self, site_id: str, external_id: str) -> requests.Response:
        """OCAPI Shop ``order_search`` on ``c_externalOrderId``."""
        query = {"term_query": {"fields": ["c_externalOrderId"], "operator": "is", "values": [external_id]}}
        return self._ocapi("POST", f"{self.shop_base(site_id)}/order_search", json={"query": query, "count": 1})

    def download(self, url: str) -> bytes:
        """WebDAV GET of a feed file; the path of ``url`` is resolved against the configured base URL."""
        s = self.settings
        path = urlsplit(url).path
        answer = self.session.get(
            f"{s.base_url.rstrip('/')}{path}",
            timeout=self.timeout,
            headers={"Authorization": _basic(s.bm_user, s.webdav_access_key)},
        )
        answer.raise_for_status()
        return answer.content
