"""SFCC fixtures: a world, an HTTP client for its SFCC mock (in-process requests), order helpers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from simulator.app import create_app
from simulator.engine import Order, Sku
from simulator.transport import in_process_session
from simulator.world import World
from tests.fixtures.ocapi import assert_arguments

SFCC_SHOP = "7495540735365777507"
HOST = "https://zzrf-001.dx.commercecloud.salesforce.com"
TIKTOK_CLIENT = ("7c1fa7a5-4b5e-4c4a-9a63-1f3f3a2f2b10", "tts-sim-tiktok-client-secret")
OMS_CLIENT = ("2d6f0e3b-8a41-4f6e-b2f7-5c0d9e6a7a21", "tts-sim-oms-client-secret")
TIKTOK_USER = ("tiktok-integration@maple.example", "tts-sim-bm-access-key-tiktok")
OMS_USER = ("oms-integration@maple.example", "tts-sim-bm-access-key-oms")
BM_GRANT = "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"
HOLD = 3600


def basic(*parts: str) -> str:
    return "Basic " + base64.b64encode(":".join(parts).encode()).decode()


def ensure_sku(world: World) -> Sku:
    """A SKU of the SFCC shop (the TikTok seed's, or one added here if the seed is not loaded)."""
    for sku in world.inventory.skus.values():
        if sku.seller_sku.startswith("USLCSFCC") and sku.available > 10:
            return sku
    return world.inventory.add(Sku("sfcc-test-sku", "sfcc-test-product", "Test Hoodie", "Small", "SFCC-TEST-01",
                                   Decimal("25.00"), "USD", available=100))


def assert_fault(resp: requests.Response, status: int, fault_type: str) -> dict[str, Any]:
    """The OCAPI fault envelope with the expected HTTP status and type."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"_v", "fault"}
    assert body["fault"]["type"] == fault_type
    assert isinstance(body["fault"]["message"], str) and body["fault"]["message"]
    assert_arguments(body["fault"])
    return body  # type: ignore[no-any-return]



class Sfcc:
    """A partner-style client written from the fact sheet (independent of simulator.connectors)."""

    def __init__(self, session: requests.Session, base: str = HOST, site: str = "RefArch") -> None:
        self.s, self.base, self.site = session, base, site

    def am_token(self, client: tuple[str, str] = TIKTOK_CLIENT) -> requests.Response:
        return self.s.post(f"{self.base}/dw/oauth2/access_token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": basic(*client)})

    def bm_token(self, client: tuple[str, str] = TIKTOK_CLIENT, user: tuple[str, str] = TIKTOK_USER) -> str:
        resp = self.s.post(f"{self.base}/dw/oauth2/access_token", params={"client_id": client[0]},
                           data={"grant_type": BM_GRANT}, headers={"Authorization": basic(*user, client[1])})
        assert resp.status_code == 200, resp.text
        return str(resp.json()["access_token"])

    def shop(self, version: str = "v22_6") -> str:
        return f"{self.base}/s/{self.site}/dw/shop/{version}"

    def data(self, version: str = "v22_6") -> str:
        return f"{self.base}/s/-/dw/data/{version}"

    def call(self, method: str, url: str, token: str | None, **kw: Any) -> requests.Response:
        headers = kw.pop("headers", {})
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        return self.s.request(method, url, headers=headers, **kw)

    def get(self, order_no: str, token: str, version: str = "v22_6") -> requests.Response:
        return self.call("GET", f"{self.shop(version)}/orders/{order_no}", token)

    def patch(self, order_no: str, token: str, body: Any, version: str = "v22_6") -> requests.Response:
        return self.call("PATCH", f"{self.shop(version)}/orders/{order_no}", token, json=body)

    def find(self, external_id: str, token: str) -> dict[str, Any] | None:
        query = {"term_query": {"fields": ["c_externalOrderId"], "operator": "is", "values": [external_id]}}
        resp = self.call("POST", f"{self.shop()}/order_search", token, json={"query": query})
        assert resp.status_code == 200, resp.text
        hits = resp.json()["hits"]
        return hits[0]["data"] if hits else None  # type: ignore[no-any-return]

    def create(self, body: Any, token: str, *, storefront: bool = True, header: str = "x-is-authorization"
               ) -> requests.Response:
        headers = {header: f"Bearer {token}"}
        if storefront:
            headers["Authorization"] = basic("storefront", "maple-staging-2026")
        return self.s.post(f"{self.base}/s/{self.site}/CreateExternalOrder", json=body, headers=headers)


@pytest.fixture
def world() -> Iterator[World]:
    w = World.create(seed=0)
    ensure_sku(w)
    yield w
    w.close()


@pytest.fixture
def sfcc(world: World) -> Sfcc:
    return Sfcc(in_process_session(create_app(world), HOST))


@pytest.fixture
def no(world: World) -> str:
    """The SFCC order number of an order released from its hold (created by the connector)."""
    return order_no(world, released(world))


@pytest.fixture
def tiktok_token(sfcc: Sfcc, no: str) -> str:
    """A fresh BM-user-grant token of the TikTok client (taken after ``no`` moved the clock)."""
    return sfcc.bm_token()


@pytest.fixture
def oms_token(sfcc: Sfcc, no: str) -> str:
    """A fresh BM-user-grant token of the partner OMS client."""
    return sfcc.bm_token(OMS_CLIENT, OMS_USER)


def place(world: World, qty: int = 1) -> Order:
    """A buyer order in the SFCC shop, placed as the control plane does (buyer, address, delivery option)."""
    sku = ensure_sku(world)
    with world.lock:
        order: Order = world.systems["tiktok"].place_order(SFCC_SHOP, [(sku.sku_id, qty)])
        return order


def released(world: World, qty: int = 1) -> Order:
    """An SFCC-shop order past its hold (so it exists in SFCC)."""
    order = place(world, qty)
    world.advance(seconds=HOLD)
    return order


def order_no(world: World, order: Order) -> str:
    found = world.systems["sfcc"].orders.find_external(order.id)
    assert found is not None, "order never reached SFCC"
    return str(found.order_no)


def journal_kinds(world: World, order: Order, prefix: str) -> list[str]:
    return [e.kind for e in world.journal.entries(kind=prefix, order_id=order.id)]
