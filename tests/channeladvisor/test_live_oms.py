"""An OMS written from ChannelAdvisor's documentation, run unchanged against a live server (CA-1, CA-2, FUL-5, CAN-S3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from simulator.app import create_app
from simulator.testing.live import LiveServer
from simulator.world import World
from tests.fixtures.channeladvisor import US_SHOP

pytestmark = pytest.mark.live


class DocsOms:
    """What the CA developer docs describe: refresh-token grant, exported=false pull, Export, Ship, Adjust."""

    def __init__(self, base: str, app_id: str, secret: str, refresh_token: str) -> None:
        self.base, self.auth, self.refresh_token = base, (app_id, secret), refresh_token
        self.http = requests.Session()
        self.token = ""

    def _refresh(self) -> None:
        resp = self.http.post(f"{self.base}/oauth2/token", auth=self.auth,
                              data={"grant_type": "refresh_token", "refresh_token": self.refresh_token}, timeout=10)
        resp.raise_for_status()
        self.token = resp.json()["access_token"]

    def _call(self, method: str, url: str, **kw: Any) -> requests.Response:
        query = kw.pop("params", {})
        for _ in range(2):  # clients refresh once on 401 and retry (CA docs)
            if not self.token:
                self._refresh()
            params = {**query, "access_token": self.token} if "?" not in url else None
            resp = self.http.request(method, url, params=params, timeout=10, **kw)
            if resp.status_code != 401:
                return resp
            self.token = ""
        return resp

    def new_orders(self) -> list[dict[str, Any]]:
        url, orders = f"{self.base}/v1/Orders", []
        params = {"exported": "false", "$expand": "Items,Fulfillments"}
        while url:
            body = self._call("GET", url, params=params).json()
            orders.extend(body["value"])
            url, params = body.get("@odata.nextLink"), {}
        return orders

    def export(self, order_id: int) -> int:
        return self._call("POST", f"{self.base}/v1/Orders({order_id})/Export").status_code

    def ship(self, order_id: int, tracking: str) -> int:
        value = {"ShippedDateUtc": "2026-11-02T10:30:00Z", "TrackingNumber": tracking, "ShippingCarrier": "UPS",
                 "ShippingClass": "GROUND", "DeliveryStatus": "Complete"}
        return self._call("POST", f"{self.base}/v1/Orders({order_id})/Ship", json={"Value": value}).status_code

    def cancel(self, order_id: int) -> int:
        body = {"Reason": "ItemNotAvailable", "SellerAdjustmentID": f"OMS-{order_id}"}
        return self._call("POST", f"{self.base}/v1/Orders({order_id})/Adjust", json=body).status_code


@pytest.fixture
def server() -> Iterator[str]:
    world = World.create(seed=0)
    with LiveServer(create_app(world)) as live:
        yield live.url
    world.close()


def test_docs_oms_runs_against_live_server(server: str) -> None:
    sim = requests.Session()
    creds = sim.get(f"{server}/_sim/credentials", timeout=10).json()["channeladvisor"]
    app = creds["applications"][0]
    placed = [sim.post(f"{server}/_sim/buyer/orders", json={"shop_id": US_SHOP}, timeout=10).json()
              for _ in range(3)]
    ids = [p["order"]["id"] for p in placed]
    assert all(p["profile"] == "rithum" for p in placed)
    oms = DocsOms(server, app["application_id"], app["shared_secret"], app["refresh_tokens"][0]["refresh_token"])
    assert oms.new_orders() == []  # CA-1: nothing before the hold ends
    sim.post(f"{server}/_sim/clock/advance", json={"seconds": 3600}, timeout=10).raise_for_status()
    new = oms.new_orders()
    assert sorted(o["SiteOrderID"] for o in new) == sorted(ids)
    for order in new:
        assert order["ShippingStatus"] == "Unshipped" and order["Items"]
        assert oms.export(order["ID"]) == 204
    assert oms.new_orders() == []  # CA-2
    shipped, cancelled, _ = new
    assert oms.ship(shipped["ID"], "1Z999AA10123456784") == 204
    assert oms.cancel(cancelled["ID"]) == 204
    sim.post(f"{server}/_sim/clock/advance", json={"seconds": 900}, timeout=10).raise_for_status()
    view = sim.get(f"{server}/_sim/orders/{shipped['SiteOrderID']}", timeout=10).json()
    assert view["status"] == "AWAITING_COLLECTION"
    assert view["systems"]["channeladvisor"]["ShippingStatus"] == "Shipped"
    view = sim.get(f"{server}/_sim/orders/{cancelled['SiteOrderID']}", timeout=10).json()
    assert view["status"] == "CANCELLED"
    assert view["systems"]["channeladvisor"]["ShippingStatus"] == "Canceled"
    sim.post(f"{server}/_sim/clock/advance", json={"seconds": 2 * 3600}, timeout=10).raise_for_status()
    assert oms._call("GET", f"{server}/v1/Orders({shipped['ID']})").status_code == 200  # refreshed after expiry
