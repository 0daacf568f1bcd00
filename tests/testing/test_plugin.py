"""The pytest plugin end to end: an OMS using plain `requests` against the real TikTok host, under frozen time."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import requests

from simulator.testing.intercept import Interceptor
from simulator.world import World

HOST = "https://open-api.tiktokglobalshop.com"


class TinyOms:
    """An OMS as a partner writes it from TikTok's docs: its own signing, its own `time.time()`."""

    def __init__(self, app_key: str, secret: str, token: str, cipher: str) -> None:
        self.app_key, self.secret, self.token, self.cipher = app_key, secret, token, cipher

    def call(self, method: str, path: str, query: dict[str, str] | None = None, body: Any = None) -> Any:
        params = {"app_key": self.app_key, "timestamp": str(int(time.time())), "shop_cipher": self.cipher,
                  **(query or {})}
        raw = json.dumps(body) if body is not None else ""
        base = path + "".join(f"{k}{params[k]}" for k in sorted(params)) + raw
        params["sign"] = hmac.new(self.secret.encode(), f"{self.secret}{base}{self.secret}".encode(),
                                  hashlib.sha256).hexdigest()
        answer = requests.request(method, HOST + path, params=params, data=raw or None, timeout=5,
                                  headers={"x-tts-access-token": self.token, "content-type": "application/json"})
        return answer.json()

    def ship_all_awaiting(self) -> list[str]:
        found = self.call("POST", "/order/202309/orders/search", {"page_size": "50"},
                          {"order_status": "AWAITING_SHIPMENT"})["data"]["orders"]
        for order in found:
            providers = self.call("GET", f"/logistics/202309/delivery_options/{order['delivery_option_id']}"
                                  "/shipping_providers")["data"]["shipping_providers"]
            shipped = self.call("POST", f"/fulfillment/202309/packages/{order['packages'][0]['id']}/ship", body={
                "self_shipment": {"tracking_number": f"1Z{order['id'][-8:]}", "shipping_provider_id": providers[0]["id"]}})
            assert shipped["code"] == 0, shipped
        return [o["id"] for o in found]


def _oms(world: World) -> TinyOms:
    creds = world.control.credentials()["tiktok"]
    shop = next(s for s in creds["shops"] if s["profile"] == "direct" and s["region"] == "US")
    auth = next(a for a in creds["authorizations"] if shop["id"] in a["shop_ids"])
    return TinyOms(creds["apps"][0]["app_key"], creds["apps"][0]["app_secret"], auth["access_token"], shop["cipher"])


def test_an_oms_on_the_real_host_ships_after_the_hold(
    sim_world: World, sim_requests: Interceptor, sim_frozen_time: World
) -> None:
    """HOLD-1, FUL-1 through the plugin: requests to the vendor host reach the mock; time.time() is the world's."""
    oms = _oms(sim_world)
    order_id = sim_world.control.place_order(profile="direct")["order"]["id"]
    assert oms.ship_all_awaiting() == []  # still ON_HOLD
    sim_world.advance(seconds=3 * 86400)  # the OMS signs with time.time(), frozen to the world clock
    assert oms.ship_all_awaiting() == [order_id]
    assert sim_world.engine.orders[order_id].status == "AWAITING_COLLECTION"
    assert all(call.request.url.startswith(HOST) for call in sim_requests.calls)
    assert len(sim_requests.calls) == 4  # search (empty), search, providers, ship: all served in-process
