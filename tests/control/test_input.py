"""The control plane's input layer: bounded bodies, strict JSON and types, ``{"error": slug}`` 4xx, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from simulator.world import World
from tests.fixtures.inputs import LONE_SURROGATE, MB, CountingStream, deep_json, send_stream


@pytest.mark.parametrize("declared", [256 * MB, None], ids=["content-length", "chunked"])
def test_256_mb_body_is_413_not_a_500(sim_client: FlaskClient, declared: int | None) -> None:
    stream = CountingStream(256 * MB)
    resp = send_stream(sim_client, "POST", "/_sim/buyer/orders", stream, declared=declared,
                       content_type="application/json")
    assert resp.status_code == 413 and resp.json["error"] == "body_too_large"
    assert stream.read_bytes == (0 if declared else 5 * MB + 1)


@pytest.mark.parametrize(("raw", "slug"), [
    (deep_json(1000), "json_too_deep"), (deep_json(1000, objects=False), "json_too_deep"),
    (b'{"reason": ' + LONE_SURROGATE + b"}", "invalid_unicode"), (b"{bad", "invalid_json"), (b"[]", "invalid_json"),
])
def test_hostile_json_is_refused_with_a_slug(sim_client: FlaskClient, raw: bytes, slug: str) -> None:
    resp = sim_client.post("/_sim/clock/advance", data=raw, content_type="application/json")
    assert resp.status_code == 400 and resp.json["error"] == slug


@pytest.mark.parametrize(("path", "body"), [
    ("/_sim/buyer/orders", {"paid": "false"}),
    ("/_sim/buyer/orders", {"split_packages": 1}),
    ("/_sim/buyer/orders", {"shop_id": 7495540735365777510}),
    ("/_sim/buyer/orders", {"items": [{"sku_id": "172000000000000001", "quantity": "2"}]}),
    ("/_sim/buyer/orders", {"items": [{"sku_id": 5}]}),
    ("/_sim/clock/advance", {"seconds": "60"}),
    ("/_sim/clock/advance", {"seconds": 1e308}),
    ("/_sim/clock/advance", {"seconds": True}),
    ("/_sim/clock/advance", {"to": 5}),
    ("/_sim/clock/advance", {"to": "9999-12-31T23:59:59Z"}),
    ("/_sim/clock/advance", {"to": "0001-01-01T00:00:00+14:00"}),
    ("/_sim/reset", {"seed": "3"}),
    ("/_sim/reset", {"seed": 1.5}),
    ("/_sim/platform/orders/1/cancel", {"reason": ["fraud"]}),
    ("/_sim/sfcc/oms-pull", {"url": "http://oms.example/status", "interval": 0}),
    ("/_sim/sfcc/oms-pull", {"url": 5}),
])
def test_wrong_types_are_invalid_request_and_change_nothing(sim_client: FlaskClient, sim_world: World, path: str,
                                                            body: dict[str, Any]) -> None:
    before = (len(sim_world.engine.orders), sim_world.clock.now(), sim_world.seed)
    method = "PUT" if path.endswith("oms-pull") else "POST"
    resp = sim_client.open(path, method=method, json=body)
    assert resp.status_code == 400 and resp.json["error"] == "invalid_request", resp.json
    assert (len(sim_world.engine.orders), sim_world.clock.now(), sim_world.seed) == before


def test_paid_false_places_an_unpaid_order(sim_client: FlaskClient) -> None:
    resp = sim_client.post("/_sim/buyer/orders", json={"paid": False})
    assert resp.status_code == 200 and resp.json["order"]["status"] == "UNPAID"


@pytest.mark.parametrize("query", ["since=1&since=2", "since=9" + "9" * 5000, "since=%ff", "since=-1"])
def test_journal_query_is_strict(sim_client: FlaskClient, query: str) -> None:
    resp = sim_client.get(f"/_sim/journal?{query}")
    assert resp.status_code == 400 and resp.json["error"] in ("duplicate_parameter", "invalid_request",
                                                              "invalid_query")


@pytest.mark.parametrize("query", ["start=0001-01-01T00:00:00%2B14:00&end=2026-12-01T00:00:00Z",
                                   "start=2026-11-01T00:00:00Z&end=9999-12-31T23:59:59-14:00"])
def test_ldr_refuses_instants_that_overflow_in_utc(sim_client: FlaskClient, query: str) -> None:
    resp = sim_client.get(f"/_sim/ldr?{query}")
    assert resp.status_code == 400 and resp.json["error"] == "invalid_request"
