"""Many worlds on one server (docs/worlds.md): isolation, ``/w/{id}`` routing of every vendor, limits, per-world locks."""

from __future__ import annotations

import base64
import threading
import time
from typing import Any

import pytest

from tests.fixtures.worlds import Booted, Partner, boot


@pytest.fixture
def srv() -> Any:
    booted = boot(None)
    yield booted
    booted.close()


def _basic(*parts: str) -> str:
    return "Basic " + base64.b64encode(":".join(parts).encode()).decode()


def test_worlds_are_created_listed_and_deleted_with_their_base_urls(srv: Booted) -> None:
    created = srv.client.post("/_sim/worlds", json={"seed": 3, "start": "2026-12-01T08:00:00Z", "world_id": "team-a"})
    assert created.status_code == 201
    body = created.get_json()
    assert (body["world_id"], body["base_url"], body["seed"], body["now"]) == (
        "team-a", "http://localhost/w/team-a", 3, "2026-12-01T08:00:00+00:00")
    anonymous = srv.sim("default", "POST", "worlds", {})["world_id"]
    listed = srv.sim("default", "GET", "worlds")
    assert [w["world_id"] for w in listed["worlds"]] == ["default", *sorted(["team-a", anonymous])]
    assert listed["worlds"][0]["base_url"] == "http://localhost"
    assert srv.client.delete(f"/_sim/worlds/{anonymous}").get_json() == {"deleted": anonymous}
    gone = srv.client.get(f"/w/{anonymous}/_sim/clock")
    assert (gone.status_code, gone.get_json()["error"]) == (404, "world_not_found")
    default = srv.client.delete("/_sim/worlds/default")
    assert (default.status_code, default.get_json()["error"]) == (409, "default_world")
    taken = srv.client.post("/_sim/worlds", json={"world_id": "team-a"})
    assert (taken.status_code, taken.get_json()["error"]) == (409, "world_exists")


@pytest.mark.parametrize(("body", "says"), [
    ({"seed": -1}, "'seed'"), ({"clock": "fast"}, "'clock'"), ({"speed": 0}, "'speed'"),
    ({"start": "soon"}, "'start'"), ({"world_id": "Bad Id"}, "'world_id'"), ({"colour": 1}, "unknown field"),
    ({"profile_overrides": {"nope": {"hold_duration": "1h"}}}, "nope"),
    ({"config": {"input": {"max_body_bytes": 0}}}, "max_body_bytes"),
])
def test_a_bad_world_description_is_a_400_naming_the_field(srv: Booted, body: dict[str, Any], says: str) -> None:
    refused = srv.client.post("/_sim/worlds", json=body)
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_request", refused.get_json()
    assert says in refused.get_json()["message"]
    assert [w["world_id"] for w in srv.sim("default", "GET", "worlds")["worlds"]] == ["default"]


def test_worlds_never_see_each_others_orders_tokens_clock_or_journal(srv: Booted) -> None:
    srv.sim("default", "POST", "worlds", {"world_id": "a", "seed": 1})
    srv.sim("default", "POST", "worlds", {"world_id": "b", "seed": 2})
    in_a = srv.sim("a", "POST", "buyer/orders", {})["order"]["id"]
    srv.sim("a", "POST", "clock/advance", {"seconds": 3600})
    assert srv.sim("b", "GET", "clock")["now"] == "2026-11-02T09:00:00+00:00"
    assert srv.client.get(f"/w/b/_sim/orders/{in_a}").status_code == 404
    assert srv.sim("b", "GET", "journal", kind="order")["entries"] == []
    a, b = Partner(srv, "a"), Partner(srv, "b")
    auth_code = srv.sim("a", "GET", "credentials")["tiktok"]["authorizations"][0]["auth_code"]
    issued = srv.client.get("/w/a/api/v2/token/get", query_string={
        "app_key": a.app_key, "app_secret": a.secret, "auth_code": auth_code, "grant_type": "authorized_code"})
    a.token = b.token = issued.get_json()["data"]["access_token"]  # minted under a's seed-derived secret
    assert a.call("GET", "/order/202309/orders", query={"ids": in_a})[1]["code"] == 0
    status, body = b.call("GET", "/order/202309/orders", query={"ids": in_a})
    assert (status, body["code"]) == (400, 36009004)  # a's token means nothing in b


def test_every_vendor_answers_under_the_prefix_and_links_keep_it(srv: Booted) -> None:
    srv.sim("default", "POST", "worlds", {"world_id": "p"})
    for _ in range(21):  # one more than a page of expanded orders
        srv.sim("p", "POST", "buyer/orders", {"profile": "rithum"})
    srv.sim("p", "POST", "clock/advance", {"seconds": 3600})
    for sign_prefix in (False, True):  # clients differ in whether they sign the mount prefix
        status, body = Partner(srv, "p", sign_prefix=sign_prefix).call("GET", "/authorization/202309/shops",
                                                                         scoped=False)
        assert (status, body["code"]) == (200, 0), body
    ca = srv.client.post("/w/p/oauth2/token", headers={"Authorization": _basic(
        "tts-sim-oms-app-7c1e4b", "5f0b7b2e9c1d4a6f8e3b2a1c0d9e8f7a")}, data={
        "grant_type": "refresh_token", "refresh_token": "rt-tts-sim-0b3f9a27d1c84e55a6f2c8d9e0a1b2c3"}).get_json()
    page = srv.client.get("/w/p/v1/Orders", query_string={"$expand": "Items"},
                          headers={"Authorization": f"Bearer {ca['access_token']}"}).get_json()
    assert len(page["value"]) == 20
    assert page["@odata.nextLink"].startswith("http://localhost/w/p/v1/Orders?")
    sfcc = srv.client.post("/w/p/dw/oauth2/access_token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": _basic("7c1fa7a5-4b5e-4c4a-9a63-1f3f3a2f2b10",
                                                            "tts-sim-tiktok-client-secret")})
    assert sfcc.status_code == 200 and sfcc.get_json()["access_token"]
    assert srv.client.get("/w/p/v1/Nope").get_json()["Message"].startswith("No HTTP resource")
    by_header = srv.client.get("/_sim/clock", headers={"X-TTS-Sim-World": "p"}).get_json()
    assert by_header["now"] == "2026-11-02T10:00:00+00:00"
    assert srv.sim("default", "GET", "clock")["now"] == "2026-11-02T09:00:00+00:00"


def test_a_reset_under_a_prefix_resets_only_that_world(srv: Booted) -> None:
    srv.sim("default", "POST", "worlds", {"world_id": "r"})
    kept = srv.sim("default", "POST", "buyer/orders", {})["order"]["id"]
    srv.sim("r", "POST", "buyer/orders", {})
    assert srv.sim("r", "POST", "reset", {"seed": 5})["seed"] == 5
    assert srv.sim("r", "GET", "journal", kind="order")["entries"] == []
    assert srv.client.get(f"/_sim/orders/{kept}").status_code == 200


def test_the_world_limit_and_idle_expiry_are_clear_refusals() -> None:
    srv = boot(None, max_worlds=1, idle_seconds=0.2)
    try:
        srv.sim("default", "POST", "worlds", {"world_id": "one"})
        full = srv.client.post("/_sim/worlds", json={})
        assert (full.status_code, full.get_json()["error"]) == (409, "too_many_worlds")
        assert "--max-worlds" in full.get_json()["message"]
        time.sleep(0.5)
        expired = srv.client.get("/w/one/_sim/clock")
        assert (expired.status_code, expired.get_json()["error"]) == (410, "world_expired")
        assert srv.client.get("/_sim/clock").status_code == 200  # the default world never expires
        assert srv.client.post("/_sim/worlds", json={}).status_code == 201  # the expired world freed its place
    finally:
        srv.close()


def test_one_worlds_lock_never_stalls_another_world(srv: Booted) -> None:
    """The lock is per world: while world a is held (a long advance holds it between webhook instants), world b
    answers, and a's own request waits for a."""
    srv.sim("default", "POST", "worlds", {"world_id": "a"})
    srv.sim("default", "POST", "worlds", {"world_id": "b"})
    held, done = threading.Event(), threading.Event()

    def hold_a() -> None:
        with srv.world("a").lock:
            held.set()
            done.wait(10)

    threading.Thread(target=hold_a, daemon=True).start()
    held.wait(5)
    answered: list[str] = []
    waiting = threading.Thread(target=lambda: answered.append(srv.sim("a", "POST", "buyer/orders", {})["order"]["id"]))
    waiting.start()
    try:
        assert srv.sim("b", "POST", "buyer/orders", {})["order"]["id"]
        waiting.join(0.3)
        assert answered == []  # still waiting for a's lock
    finally:
        done.set()
    waiting.join(5)
    assert len(answered) == 1
