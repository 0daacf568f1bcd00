"""List and search endpoints at 0, 1k, 10k and 50k orders: requests/s and the 50k / 1k ratio (issue 15).

Each endpoint is called in-process through the Flask app (full gateway: auth, signing, journal) in
one full world per size; a third of the orders on each profile (direct, sfcc, rithum), a tenth of
the direct ones cancelled by the buyer and a tenth delivered and returned. Target: every endpoint at 50k orders >= 0.5x its own
throughput at 1k (the same run).

    .venv/bin/python benchmarks/lists.py [--sizes 0,1000,10000,50000] [--seconds 0.5]
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask.testing import FlaskClient

from simulator.app import create_app
from simulator.runtime import tune_gc
from simulator.tiktok_shop.signing import sign
from simulator.world import World

Call = Callable[[], None]
DIRECT, SFCC, RITHUM = "7495540735365777510", "7495540735365777507", "7495540735365777508"
SFCC_HOST = "https://zzrf-001.dx.commercecloud.salesforce.com"
SFCC_SEARCH = "/s/RefArch/dw/shop/v22_6/order_search"
CA_APP = ("tts-sim-oms-app-7c1e4b", "5f0b7b2e9c1d4a6f8e3b2a1c0d9e8f7a", "rt-tts-sim-0b3f9a27d1c84e55a6f2c8d9e0a1b2c3")
SFCC_CLIENT = ("7c1fa7a5-4b5e-4c4a-9a63-1f3f3a2f2b10", "tts-sim-tiktok-client-secret")
SFCC_USER = ("tiktok-integration@maple.example", "tts-sim-bm-access-key-tiktok")
BM_GRANT = "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"


def build(orders: int) -> World:
    """A full world holding ``orders`` orders, an hour and a quarter on (holds ended, SFCC and CA caught up)."""
    world = World.create(seed=0)
    tiktok = world.systems["tiktok"]
    for sku in world.inventory.skus.values():
        sku.available = 10**9
    returned = []
    for i in range(orders):
        order = tiktok.place_order((DIRECT, SFCC, RITHUM)[i % 3])
        if i % 30 == 0:
            world.engine.buyer_cancel(order.id)
        elif i % 30 == 3:  # a direct order delivered and returned: Search Returns has rows
            returned.append(order)
    world.advance(seconds=4500)
    engine = world.engine
    for order in returned:
        package = order.package_ids[0]
        engine.ship_package(package, tracking_number=f"B{order.id}", shipping_provider_id="bench")
        engine.carrier_collected(package)
        engine.carrier_delivered(package)
        engine.request_return(order.id, "REFUND", line_item_ids=[order.line_items[0].id])
    return world


def _basic(*parts: str) -> str:
    return "Basic " + base64.b64encode(":".join(parts).encode()).decode()


def _check(resp: Any, what: str) -> None:
    if resp.status_code != 200:
        raise SystemExit(f"{what}: HTTP {resp.status_code} {resp.get_data()[:300]!r}")


def tiktok_calls(world: World, client: FlaskClient) -> dict[str, Call]:
    """Get Order List, Search Package, Search Cancellations, Search Returns: one signed page of 20 each."""
    creds = world.control.credentials()["tiktok"]
    key, secret = creds["apps"][0]["app_key"], creds["apps"][0]["app_secret"]
    token = creds["authorizations"][0]["access_token"]
    cipher = next(s["cipher"] for s in creds["shops"] if s["id"] == DIRECT)

    def post(path: str, body: dict[str, Any]) -> Call:
        data = json.dumps(body).encode()

        def call() -> None:
            query = {"app_key": key, "timestamp": str(world.clock.timestamp()), "shop_cipher": cipher,
                     "page_size": "20"}
            query["sign"] = sign(secret, path, query, data)
            resp = client.post(f"{path}?{urlencode(query)}", data=data, content_type="application/json",
                               headers={"x-tts-access-token": token})
            _check(resp, path)
            if not resp.get_data().startswith(b'{"code":0,'):
                raise SystemExit(f"{path}: {resp.get_data()[:300]!r}")
        return call

    return {
        "TikTok Get Order List (AWAITING_SHIPMENT)": post("/order/202309/orders/search",
                                                          {"order_status": "AWAITING_SHIPMENT"}),
        "TikTok Search Package (all)": post("/fulfillment/202309/packages/search", {}),
        "TikTok Search Cancellations (all)": post("/return_refund/202309/cancellations/search", {}),
        "TikTok Search Returns (all)": post("/return_refund/202309/returns/search", {}),
    }


def ca_calls(world: World, client: FlaskClient) -> dict[str, Call]:
    """``GET /v1/Orders``: not exported, a lookup, an incremental poll (``$filter``), a later page.

    A ``$filter`` matching most orders costs O(matches) by design (the count needs them; simulator.channeladvisor.search).
    """
    resp = client.post("/oauth2/token", headers={"Authorization": _basic(CA_APP[0], CA_APP[1])},
                       data={"grant_type": "refresh_token", "refresh_token": CA_APP[2]})
    _check(resp, "CA token")
    token = resp.json["access_token"]
    ca = world.systems["channeladvisor"]
    site_order = next(iter(ca.by_site_order), "576000000000000000")
    last = max((o.imported for o in ca.orders.values()), default=world.start).strftime("%Y-%m-%dT%H:%M:%SZ")

    def get(params: dict[str, str]) -> Call:
        def call() -> None:
            _check(client.get("/v1/Orders", query_string={**params, "access_token": token}), "/v1/Orders")
        return call

    return {
        "CA /v1/Orders?exported=false": get({"exported": "false"}),
        "CA /v1/Orders?$filter=SiteOrderID eq": get({"$filter": f"SiteOrderID eq '{site_order}'"}),
        "CA /v1/Orders?$filter=ImportDateUtc gt (a poll)": get({"$filter": f"ProfileID eq 12000001 and "
                                                                          f"ImportDateUtc gt {last}"}),
        "CA /v1/Orders?$skip=100": get({"$skip": "100"}),
    }


def sfcc_calls(world: World, client: FlaskClient) -> dict[str, Call]:
    """OCAPI ``order_search``: by TikTok order id, every order (first page), the export-ready ones."""
    resp = client.post("/dw/oauth2/access_token", base_url=SFCC_HOST, query_string={"client_id": SFCC_CLIENT[0]},
                       data={"grant_type": BM_GRANT}, headers={"Authorization": _basic(*SFCC_USER, SFCC_CLIENT[1])})
    _check(resp, "SFCC token")
    token = resp.json["access_token"]
    book = world.systems["sfcc"].orders
    external = next((str(o.external_order_id) for o in book.orders.values()), "576000000000000000")

    def search(query: dict[str, Any]) -> Call:
        def call() -> None:
            _check(client.post(SFCC_SEARCH, base_url=SFCC_HOST, json={"query": query, "count": 25},
                               headers={"Authorization": f"Bearer {token}"}), SFCC_SEARCH)
        return call

    return {
        "SFCC order_search (c_externalOrderId)": search(
            {"term_query": {"fields": ["c_externalOrderId"], "operator": "is", "values": [external]}}),
        "SFCC order_search (match_all, first page)": search({"match_all_query": {}}),
        "SFCC order_search (export ready, filtered)": search(
            {"filtered_query": {"query": {"match_all_query": {}},
                                "filter": {"term_filter": {"field": "c_externalExportStatus", "operator": "is",
                                                           "values": [2]}}}}),
    }


def rate(call: Call, seconds: float) -> float:
    """Calls per second over about ``seconds`` (after a short warm-up)."""
    for _ in range(3):
        call()
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds or done < 3:
        call()
        done += 1
    return done / elapsed


def measure(sizes: list[int], seconds: float, rounds: int) -> dict[str, dict[int, float]]:
    """Requests/s of every endpoint at every size: the best of interleaved rounds (robust to a busy machine)."""
    worlds = {size: build(size) for size in sizes}
    calls: dict[int, dict[str, Call]] = {}
    for size, world in worlds.items():
        client = create_app(world).test_client()
        calls[size] = {**tiktok_calls(world, client), **ca_calls(world, client), **sfcc_calls(world, client)}
    # The seeded heap is frozen (as a long-running server would): a full collection's cost grows
    # with the heap, and would otherwise be charged to whichever endpoint it interrupts.
    gc.collect()
    gc.freeze()
    figures: dict[str, dict[int, float]] = {}
    for _ in range(rounds):
        for size in sizes:
            for name, call in calls[size].items():
                best = figures.setdefault(name, {})
                best[size] = max(best.get(size, 0.0), rate(call, seconds / rounds))
    gc.unfreeze()
    for world in worlds.values():
        world.close()
    return figures


def main() -> None:
    """Print the table and a PASS/FAIL per endpoint."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,1000,10000,50000", help="order counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=1.0, help="measuring time per endpoint and size")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (the best is kept)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tune_gc()
    figures = measure(sizes, args.seconds, args.rounds)
    low, high = (1000, 50000) if {1000, 50000} <= set(sizes) else (sizes[min(1, len(sizes) - 1)], sizes[-1])
    print("requests/s by orders in the world: " + "  ".join(f"{s:>8,}" for s in sizes)
          + f"   ratio {high:,}/{low:,} (target >= 0.5)")
    for name, by_size in figures.items():
        ratio = by_size[high] / by_size[low]
        print(f"  {name:<50}" + "  ".join(f"{by_size[s]:>8,.0f}" for s in sizes)
              + f"   {ratio:5.2f}  {'PASS' if ratio >= 0.5 else 'FAIL'}")


if __name__ == "__main__":
    main()
