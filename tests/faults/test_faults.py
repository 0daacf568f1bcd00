"""Fault injection (docs/faults.md): per-world rules answer in each vendor's envelope, follow the world seed, are
journaled, misbehave webhooks, and the platform's connectors retry through them without losing an update."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from simulator.app import create_app
from simulator.world import World
from tests.fixtures.tiktok import TikTokClient

CA_BASIC = "Basic " + base64.b64encode(b"tts-sim-oms-app-7c1e4b:5f0b7b2e9c1d4a6f8e3b2a1c0d9e8f7a").decode()
CA_REFRESH = "rt-tts-sim-0b3f9a27d1c84e55a6f2c8d9e0a1b2c3"
SFCC_BASIC = "Basic " + base64.b64encode(b"7c1fa7a5-4b5e-4c4a-9a63-1f3f3a2f2b10:tts-sim-tiktok-client-secret").decode()


def _inject(client: FlaskClient, spec: dict[str, Any], world: str = "") -> dict[str, Any]:
    r = client.post(f"{world}/_sim/faults", json=spec)
    assert r.status_code == 201, r.get_json()
    body: dict[str, Any] = r.get_json()
    return body


def _ca_token(client: FlaskClient) -> str:
    r = client.post("/oauth2/token", headers={"Authorization": CA_BASIC},
                    data={"grant_type": "refresh_token", "refresh_token": CA_REFRESH})
    return str(r.get_json()["access_token"])


def _sfcc_token(client: FlaskClient) -> str:
    r = client.post("/dw/oauth2/access_token", headers={"Authorization": SFCC_BASIC},
                    data={"grant_type": "client_credentials"})
    return str(r.get_json()["access_token"])


def _tiktok(client: FlaskClient, tiktok: TikTokClient) -> tuple[int, Any]:
    status, body = tiktok.call("GET", "/authorization/202309/shops", shop=False)
    return status, body["code"]


def _ca(client: FlaskClient, tiktok: TikTokClient) -> tuple[int, Any]:
    r = client.get("/v1/Orders", headers={"Authorization": f"Bearer {_ca_token(client)}"})
    return r.status_code, (r.get_json().get("error") or {}).get("code")


def _sfcc(client: FlaskClient, tiktok: TikTokClient) -> tuple[int, Any]:
    r = client.post("/s/RefArch/dw/shop/v22_6/order_search", headers={"Authorization": f"Bearer {_sfcc_token(client)}"},
                    json={"query": {"match_all_query": {}}})
    return r.status_code, (r.get_json().get("fault") or {}).get("type")


CALLS: dict[str, Callable[[FlaskClient, TikTokClient], tuple[int, Any]]] = {
    "tiktok": _tiktok, "channeladvisor": _ca, "sfcc": _sfcc}
PATHS = {"tiktok": "/authorization/*", "channeladvisor": "/v1/*", "sfcc": "/s/*"}


@pytest.mark.parametrize(("system", "kind", "refused", "normal"), [
    ("tiktok", "rate_limit", (429, 36009002), (200, 0)),
    ("tiktok", "server_error", (500, 36009003), (200, 0)),
    ("channeladvisor", "rate_limit", (429, "TooManyRequests"), (200, None)),
    ("channeladvisor", "server_error", (500, "InternalServerError"), (200, None)),
    ("sfcc", "rate_limit", (429, "QuotaExceededException"), (200, None)),
    ("sfcc", "server_error", (500, "InternalServerErrorException"), (200, None)),
])
def test_a_fault_answers_in_the_vendors_envelope_as_often_as_its_count_then_the_call_recovers(
        sim_client: FlaskClient, tiktok: TikTokClient, sim_world: World, system: str, kind: str,
        refused: tuple[int, Any], normal: tuple[int, Any]) -> None:
    rule = _inject(sim_client, {"system": system, "match": {"path": PATHS[system]}, "fault": {"type": kind},
                                "count": 2})
    call = CALLS[system]
    assert [call(sim_client, tiktok) for _ in range(3)] == [refused, refused, normal]
    injected = sim_world.journal.entries(kind="fault.injected")
    assert [(e.data["fault_id"], e.data["type"], e.data["system"]) for e in injected] == [
        (rule["fault_id"], kind, system)] * 2
    listed = sim_client.get("/_sim/faults").get_json()["faults"]
    assert (listed[0]["fired"], listed[0]["remaining"]) == (2, 0)


def test_a_tiktok_fault_is_journaled_as_the_refused_request(sim_client: FlaskClient, tiktok: TikTokClient,
                                                            sim_world: World) -> None:
    _inject(sim_client, {"system": "tiktok", "fault": {"type": "rate_limit"}, "count": 1})
    tiktok.call("GET", "/authorization/202309/shops", shop=False)
    (request,) = sim_world.journal.entries(kind="tiktok.request")
    assert (request.data["code"], request.data["status"]) == (36009002, 429)


def test_match_narrows_a_fault_to_a_method_a_path_glob_and_a_shop(sim_client: FlaskClient, tiktok: TikTokClient,
                                                                   sim_world: World) -> None:
    other_shop = next(s.id for s in sim_world.systems["tiktok"].catalog.shops.values() if s.id != tiktok.shop_id)
    _inject(sim_client, {"system": "tiktok", "match": {"method": "POST", "path": "/order/*"},
                         "fault": {"type": "server_error"}})
    _inject(sim_client, {"system": "tiktok", "match": {"shop_id": other_shop}, "fault": {"type": "server_error"}})
    assert tiktok.call("GET", "/order/202309/orders", {"ids": "1"})[1]["code"] != 36009003  # GET: not matched
    assert tiktok.call("POST", "/order/202309/orders/search", {"page_size": "10"}, {})[1]["code"] == 36009003
    assert tiktok.call("GET", "/logistics/202309/warehouses")[1]["code"] == 0  # this shop is not the rule's


def _pattern(seed: int) -> list[int]:
    world = World.create(seed=seed)
    client = create_app(world).test_client()
    _inject(client, {"system": "channeladvisor", "fault": {"type": "rate_limit"}, "probability": 0.5})
    statuses = [client.get("/v1/Orders").status_code for _ in range(24)]
    world.close()
    return statuses


def test_probabilistic_faults_are_decided_by_the_world_seed() -> None:
    first = _pattern(0)
    assert set(first) == {401, 429}  # some refused, some through (to the missing-token 401)
    assert _pattern(0) == first
    assert _pattern(1) != first


def test_token_expired_makes_the_callers_token_expire_now_and_a_refresh_recovers(
        sim_client: FlaskClient, tiktok: TikTokClient, sim_world: World) -> None:
    _inject(sim_client, {"system": "tiktok", "match": {"path": "/authorization/*"}, "fault": {"type": "token_expired"},
                         "count": 1})
    assert tiktok.call("GET", "/authorization/202309/shops", shop=False)[:1] == (401,)
    assert tiktok.call("GET", "/authorization/202309/shops", shop=False)[1]["code"] == 105002  # it stays expired
    auth = sim_world.control.credentials()["tiktok"]["authorizations"][0]
    refreshed = sim_client.get("/api/v2/token/refresh", query_string={
        "app_key": tiktok.app_key, "app_secret": tiktok.app_secret, "refresh_token": auth["refresh_token"],
        "grant_type": "refresh_token"}).get_json()["data"]
    tiktok.access_token = refreshed["access_token"]
    assert tiktok.call("GET", "/authorization/202309/shops", shop=False)[1]["code"] == 0
    token = _ca_token(sim_client)
    _inject(sim_client, {"system": "channeladvisor", "fault": {"type": "token_expired"}, "count": 1})
    assert sim_client.get("/v1/Orders", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert sim_client.get("/v1/Orders", headers={"Authorization": f"Bearer {_ca_token(sim_client)}"}).status_code == 200


@pytest.mark.parametrize("applied", [False, True])
def test_reset_drops_the_connection_with_or_without_the_change_applied(
        sim_client: FlaskClient, tiktok: TikTokClient, sim_world: World, applied: bool) -> None:
    _inject(sim_client, {"system": "tiktok", "match": {"method": "PUT"}, "fault": {"type": "reset", "applied": applied},
                         "count": 1})
    with pytest.raises(ConnectionResetError):
        tiktok.call("PUT", "/event/202309/webhooks", body={"address": "https://hooks.example/tts",
                                                            "event_type": "ORDER_STATUS_CHANGE"})
    subscribed = sim_world.systems["tiktok"].webhooks.listed(tiktok.app_key, tiktok.shop_id)
    assert len(subscribed) == (1 if applied else 0)


class _Posts:
    """The webhook transport of a world, answering 200 and keeping (virtual time, notification id, order status)."""

    def __init__(self, world: World) -> None:
        self.world, self.sent = world, []

    def __call__(self, url: str, body: bytes, headers: Any, deadline: float) -> tuple[int, str]:
        import json

        payload = json.loads(body)
        self.sent.append((self.world.clock.now().strftime("%H:%M:%S"), payload["tts_notification_id"],
                          payload["data"]["order_id"]))
        return 200, ""


@pytest.fixture
def posts(sim_world: World, tiktok: TikTokClient) -> _Posts:
    transport = _Posts(sim_world)
    sim_world.systems["tiktok"].webhooks.post = transport
    status, body = tiktok.call("PUT", "/event/202309/webhooks", body={"address": "https://hooks.example/tts",
                                                                      "event_type": "ORDER_STATUS_CHANGE"})
    assert body["code"] == 0
    return transport


def _place(client: FlaskClient) -> str:
    return str(client.post("/_sim/buyer/orders", json={}).get_json()["order"]["id"])


def test_webhook_drop_and_duplicate(sim_client: FlaskClient, sim_world: World, posts: _Posts) -> None:
    _inject(sim_client, {"system": "tiktok", "fault": {"type": "webhook_drop"}, "count": 1})
    dropped = _place(sim_client)
    assert posts.sent == []
    (entry,) = sim_world.journal.entries(kind="webhook.dropped")
    assert (entry.data["order_id"], entry.data["reason"]) == (dropped, "fault")
    _inject(sim_client, {"system": "tiktok", "fault": {"type": "webhook_duplicate"}, "count": 1})
    twice = _place(sim_client)
    assert [(nid, order) for _, nid, order in posts.sent][0][1] == twice
    assert len(posts.sent) == 2 and posts.sent[0][1] == posts.sent[1][1]  # one notification id, sent twice


def test_webhook_delay_sends_in_virtual_time_and_reorder_lets_the_next_overtake(
        sim_client: FlaskClient, sim_world: World, posts: _Posts) -> None:
    _inject(sim_client, {"system": "tiktok", "fault": {"type": "webhook_delay", "seconds": 120}, "count": 1})
    late = _place(sim_client)
    sim_world.advance(seconds=119)
    assert posts.sent == []
    sim_world.advance(seconds=1)
    assert [(at, order) for at, _, order in posts.sent] == [("09:02:00", late)]
    _inject(sim_client, {"system": "tiktok", "fault": {"type": "webhook_reorder"}, "count": 1})
    first, second = _place(sim_client), _place(sim_client)
    assert [order for _, _, order in posts.sent[1:]] == [second, first]
    attempts = sim_world.journal.entries(kind="webhook.attempt")
    assert [a.at for a in attempts][0] == sim_world.start + timedelta(minutes=2)


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "reset", "token_expired"])
def test_the_sfcc_connector_retries_a_refused_create_on_the_world_clock(sim_client: FlaskClient, sim_world: World,
                                                                         kind: str) -> None:
    """SFCC-2: a create the instance refuses is journaled and retried 1 minute later; the order arrives once."""
    _inject(sim_client, {"system": "sfcc", "match": {"path": "/s/*/CreateExternalOrder"}, "fault": {"type": kind},
                         "count": 1})
    order = sim_client.post("/_sim/buyer/orders", json={"profile": "sfcc"}).get_json()["order"]["id"]
    sim_world.advance(seconds=3600)
    assert sim_client.get(f"/_sim/orders/{order}").get_json()["systems"]["sfcc"] is None
    sim_world.advance(seconds=60)
    view = sim_client.get(f"/_sim/orders/{order}").get_json()
    assert view["systems"]["sfcc"]["c_externalOrderStatus"] == "New"
    kinds = [e.kind for e in sim_world.journal.entries(kind="connector.sfcc", order_id=order)]
    assert kinds.count("connector.sfcc.create_failed") == 1 and kinds.count("connector.sfcc.created") == 1
    assert sim_client.get("/_sim/invariants").get_json()["ok"]


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "reset", "token_expired"])
def test_the_channeladvisor_sync_imports_at_the_next_tick_after_a_refused_read(sim_client: FlaskClient,
                                                                                sim_world: World, kind: str) -> None:
    """CA-1: the 10:00 tick cannot read the order from TikTok; the 10:15 tick imports it."""
    _inject(sim_client, {"system": "tiktok", "match": {"method": "GET", "path": "/order/*"}, "fault": {"type": kind},
                         "count": 1})
    order = sim_client.post("/_sim/buyer/orders", json={"profile": "rithum"}).get_json()["order"]["id"]
    sim_world.advance(seconds=3600)
    assert sim_client.get(f"/_sim/orders/{order}").get_json()["systems"]["channeladvisor"] is None
    (refused,) = [e for e in sim_world.journal.entries(kind="ca.sync", order_id=order) if not e.data["ok"]]
    assert refused.data["error"].startswith(kind) and refused.data["retry_at"] == sim_world.start + timedelta(minutes=75)
    sim_world.advance(seconds=15 * 60)
    assert sim_client.get(f"/_sim/orders/{order}").get_json()["systems"]["channeladvisor"]["ShippingStatus"] == "Unshipped"
    assert sim_client.get("/_sim/invariants").get_json()["ok"]


@pytest.mark.parametrize(("spec", "says"), [
    ({"fault": {"type": "rate_limit"}}, "'system'"),
    ({"system": "tiktok"}, "'fault'"),
    ({"system": "tiktok", "fault": {"type": "explode"}}, "'fault'"),
    ({"system": "sfcc", "fault": {"type": "webhook_drop"}}, "must be tiktok"),
    ({"system": "tiktok", "fault": {"type": "latency"}}, "'fault.ms'"),
    ({"system": "tiktok", "fault": {"type": "rate_limit", "ms": 5}}, "takes no 'ms'"),
    ({"system": "tiktok", "fault": {"type": "rate_limit"}, "probability": 2}, "'probability'"),
    ({"system": "tiktok", "fault": {"type": "rate_limit"}, "count": 0}, "'count'"),
    ({"system": "tiktok", "match": {"verb": "GET"}, "fault": {"type": "rate_limit"}}, "'match'"),
    ({"system": "tiktok", "match": {"method": "FETCH"}, "fault": {"type": "rate_limit"}}, "'match.method'"),
])
def test_a_bad_fault_spec_is_a_400_naming_the_field(sim_client: FlaskClient, spec: dict[str, Any], says: str) -> None:
    r = sim_client.post("/_sim/faults", json=spec)
    assert r.status_code == 400 and r.get_json()["error"] == "invalid_request"
    assert says in r.get_json()["message"], r.get_json()
    assert sim_client.get("/_sim/faults").get_json() == {"faults": []}


def test_faults_belong_to_one_world(sim_client: FlaskClient, tiktok: TikTokClient) -> None:
    sim_client.post("/_sim/worlds", json={"world_id": "chaos"})
    _inject(sim_client, {"system": "tiktok", "fault": {"type": "rate_limit"}}, world="/w/chaos")
    assert _tiktok(sim_client, tiktok) == (200, 0)
    assert sim_client.get("/w/chaos/_sim/faults").get_json()["faults"][0]["fault_id"] == "fault-1"
    removed = sim_client.delete("/w/chaos/_sim/faults/fault-1").get_json()
    assert removed == {"deleted": "fault-1", "fired": 0}
    assert sim_client.delete("/w/chaos/_sim/faults/fault-1").status_code == 404
