"""Every route of every vendor mock (and /_sim) answers malformed input with an envelope, never a 5xx."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest
from flask import Flask

from simulator.app import create_app
from simulator.world import World

BODIES = [None, b"", b"{", b"[]", b"null", b'{"a":1}', b'{"Value": 5}',
          json.dumps({"order_id": 1, "cancel_reason": None}).encode(), b"\xff\xfe"]
QUERIES = ["", "?access_token=x&$filter=(&$top=-1",
           "?app_key=x&timestamp=abc&sign=1&shop_cipher=&ids=" + ",".join(["1"] * 60)]
KEYS = ["100001", "x", "00000001", "-1", "%00", "1" * 40]


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    world = World.create(seed=0)
    world.control.place_order(profile="rithum")
    world.control.place_order(profile="sfcc")
    world.advance(seconds=3600)
    yield create_app(world)
    world.close()


def _paths(app: Flask, rng: random.Random) -> Iterator[tuple[str, str]]:
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/static"):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<any(Items,Fulfillments,Adjustments):{arg}>", "Items")
            for form in (f"<{arg}>", f"<int:{arg}>", f"<path:{arg}>", f"<string:{arg}>"):
                path = path.replace(form, rng.choice(KEYS))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, path


def test_malformed_requests_get_vendor_envelopes_never_a_server_error(app: Flask) -> None:
    """Bad JSON, wrong types, unknown ids, bad auth, bad OData on every route: 4xx/2xx with a JSON or XML body."""
    rng = random.Random(1)
    client = app.test_client()
    bad, sent = [], 0
    for method, path in _paths(app, rng):
        for body in BODIES:
            for query in QUERIES:
                headers = {"Authorization": rng.choice(["Bearer x", "Basic eDp5", "", "Basic !!!"]),
                           "content-type": rng.choice(["application/json", "text/plain",
                                                       "application/x-www-form-urlencoded"])}
                response = client.open(path + query, method=method, data=body, headers=headers)
                sent += 1
                content_type = response.headers.get("Content-Type", "")
                enveloped = response.status_code == 204 or not response.data or (
                    "json" in content_type or "xml" in content_type)
                if response.status_code >= 500 or not enveloped:
                    bad.append((method, path + query, response.status_code, response.data[:100]))
    assert sent > 1500
    assert bad == []
