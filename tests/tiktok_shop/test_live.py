"""Over a real socket (LiveServer): FUL-1 with webhooks to a local receiver, and 20 racing threads (CAN-X1, FUL-2)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from simulator.app import create_app
from simulator.testing.live import LiveServer
from simulator.tiktok_shop.signing import webhook_signature
from simulator.world import World
from tests.fixtures.tiktok import Receiver, doc_sign

pytestmark = pytest.mark.live


class HttpTikTok:
    """The documented client over HTTP with requests."""

    def __init__(self, base: str, world: World) -> None:
        self.base, self.world = base, world
        creds = requests.get(f"{base}/_sim/credentials", timeout=5).json()["tiktok"]
        self.app_key, self.secret = creds["apps"][0]["app_key"], creds["apps"][0]["app_secret"]
        self.token = creds["authorizations"][0]["access_token"]
        shop = next(s for s in creds["shops"] if s["profile"] == "direct" and s["region"] == "US")
        self.shop_id, self.cipher = shop["id"], shop["cipher"]
        self.session = requests.Session()

    def call(self, method: str, path: str, query: dict[str, str] | None = None, body: Any = None) -> dict[str, Any]:
        q = {"app_key": self.app_key, "timestamp": str(self.world.clock.timestamp()), "shop_cipher": self.cipher,
             **(query or {})}
        data = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        q["sign"] = doc_sign(self.secret, path, q, data)
        r = self.session.request(method, self.base + path, params=q, data=data, timeout=10,
                                 headers={"x-tts-access-token": self.token, "content-type": "application/json"})
        assert r.status_code != 500, r.text
        payload: dict[str, Any] = r.json()
        return payload


@pytest.fixture
def live() -> Iterator[tuple[LiveServer, World]]:
    world = World.create(seed=0)
    with LiveServer(create_app(world)) as server:
        yield server, world
    world.close()


def test_ful_1_end_to_end_over_http_with_verified_webhooks(live: tuple[LiveServer, World], receiver: Receiver) -> None:
    server, world = live
    tt = HttpTikTok(server.url, world)
    for event in ("ORDER_STATUS_CHANGE", "CANCELLATION_STATUS_CHANGE"):
        assert tt.call("PUT", "/event/202309/webhooks", body={"address": receiver.url, "event_type": event})["code"] == 0
    order_id = requests.post(f"{server.url}/_sim/buyer/orders", json={"shop_id": tt.shop_id}, timeout=5).json()[
        "order"]["id"]
    requests.post(f"{server.url}/_sim/clock/advance", json={"seconds": 3600}, timeout=5)
    listed = tt.call("POST", "/order/202309/orders/search", {"page_size": "20"}, {"order_status": "AWAITING_SHIPMENT"})
    assert [o["id"] for o in listed["data"]["orders"]] == [order_id]
    order = tt.call("GET", "/order/202309/orders", {"ids": order_id})["data"]["orders"][0]
    providers = tt.call("GET", f"/logistics/202309/delivery_options/{order['delivery_option_id']}/shipping_providers")
    provider = providers["data"]["shipping_providers"][0]
    package_id = order["packages"][0]["id"]
    shipped = tt.call("POST", f"/fulfillment/202309/packages/{package_id}/ship",
                      body={"self_shipment": {"tracking_number": "9400TEST", "shipping_provider_id": provider["id"]}})
    assert shipped["code"] == 0
    for event in ("collected", "delivered"):
        assert requests.post(f"{server.url}/_sim/carrier/packages/{package_id}/{event}", timeout=5).status_code == 200
    final = tt.call("GET", "/order/202309/orders", {"ids": order_id})["data"]["orders"][0]
    assert final["status"] == "DELIVERED" and final["tracking_number"] == "9400TEST"
    statuses = [p["data"]["order_status"] for p in receiver.payloads() if p["type"] == 1]
    assert statuses == ["ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED"]
    assert all(r["authorization"] == webhook_signature(tt.app_key, tt.secret, r["body"]) for r in receiver.received)
    view = requests.get(f"{server.url}/_sim/orders/{order_id}", timeout=5).json()
    assert view["systems"]["tiktok"]["order"]["status"] == "DELIVERED"
    assert any(e["kind"] == "webhook.attempt" for e in requests.get(
        f"{server.url}/_sim/journal", params={"kind": "webhook"}, timeout=5).json()["entries"])


def test_20_threads_ship_and_cancel_the_same_orders(live: tuple[LiveServer, World]) -> None:
    server, world = live
    tt = HttpTikTok(server.url, world)
    ids = [world.control.place_order(shop_id=tt.shop_id)["order"]["id"] for _ in range(3)]
    world.control.advance(seconds=3600)
    orders = tt.call("GET", "/order/202309/orders", {"ids": ",".join(ids)})["data"]["orders"]
    provider = tt.call("GET", f"/logistics/202309/delivery_options/{orders[0]['delivery_option_id']}"
                              "/shipping_providers")["data"]["shipping_providers"][0]["id"]
    results: list[tuple[str, str, int]] = []
    barrier = threading.Barrier(20)

    def worker(n: int) -> None:
        client = HttpTikTok(server.url, world)
        order = orders[n % len(orders)]
        barrier.wait(timeout=10)
        if n % 2:
            env = client.call("POST", f"/fulfillment/202309/packages/{order['packages'][0]['id']}/ship",
                              body={"self_shipment": {"tracking_number": f"T{n}", "shipping_provider_id": provider}})
            results.append((order["id"], "ship", env["code"]))
        else:
            env = client.call("POST", "/return_refund/202309/cancellations",
                              body={"order_id": order["id"], "cancel_reason": "seller_cancel_reason_out_of_stock"})
            results.append((order["id"], "cancel", env["code"]))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 20
    final = {o["id"]: o for o in tt.call("GET", "/order/202309/orders", {"ids": ",".join(ids)})["data"]["orders"]}
    for order_id in ids:
        mine = [(action, code) for oid, action, code in results if oid == order_id]
        wins = [a for a, code in mine if code == 0]
        assert len(wins) == 1, mine  # exactly one wins
        losers = Counter(code for _, code in mine if code != 0)
        # losers get documented refusals: shipped already / cancelled already, from either module
        assert set(losers) <= {21011003, 21011002, 25001045, 25001003}, losers
        status = final[order_id]["status"]
        assert status == ("AWAITING_COLLECTION" if wins[0] == "ship" else "CANCELLED")
