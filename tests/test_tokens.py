"""Issued access tokens of all three mocks: minted under a per-world secret, never computable from public ids (issue 9)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import pytest

from simulator.app import create_app
from simulator.transport import in_process_session
from simulator.world import World
from tests.fixtures.channeladvisor import APP_ID, APP_SECRET, REFRESH, SECOND_APP, basic
from tests.fixtures.tiktok import TikTokClient
from tests.sfcc.conftest import HOST, OMS_CLIENT, OMS_USER, TIKTOK_CLIENT, TIKTOK_USER, Sfcc

WAREHOUSES = "/logistics/202309/warehouses"


def _sfcc_forgery(world: World) -> tuple[str, str, int, int]:
    """The OMS client's holder forges the TikTok client's next BM-user token the pre-fix way.

    Returns (real token, forged token, status with the real one, status with the forged one).
    """
    sfcc = Sfcc(in_process_session(create_app(world), HOST))
    sfcc.bm_token(OMS_CLIENT, OMS_USER)  # the attacker's own, legitimately issued token
    issued = len(world.systems["sfcc"].auth.tokens)
    real = sfcc.bm_token()
    forged = hashlib.sha256(f"sfcc:{world.seed}:{issued}:{TIKTOK_CLIENT[0]}:{TIKTOK_USER[0]}".encode()).hexdigest()

    def status(token: str) -> int:  # the TikTok client may search every order of the site
        return sfcc.call("POST", f"{sfcc.shop()}/order_search", token, json={"query": {"match_all_query": {}}}).status_code

    return real, forged, status(real), status(forged)


def _ca_forgery(world: World) -> tuple[str, str, int, int]:
    """The first application forges the second application's next access token the pre-fix way."""
    client = create_app(world).test_client()

    def token(app: str, secret: str, refresh: str) -> str:
        resp = client.post("/oauth2/token", headers={"Authorization": basic(app, secret)},
                           data={"grant_type": "refresh_token", "refresh_token": refresh})
        assert resp.status_code == 200, resp.json
        return str(resp.json["access_token"])  # type: ignore[index]

    token(APP_ID, APP_SECRET, REFRESH)
    real = token(*SECOND_APP)
    issued = 2
    forged = hashlib.sha256(f"tts-sim:ca:{world.seed}:{issued}:{SECOND_APP[0]}".encode()).hexdigest()

    def status(value: str) -> int:
        return client.get("/v1/Orders", query_string={"access_token": value}).status_code

    return real, forged, status(real), status(forged)


def _tiktok_forgery(world: World) -> tuple[str, str, int, int]:
    """A seller who knows another seller's open id and the app key forges that seller's fresh token."""
    tiktok = TikTokClient(create_app(world).test_client(), world)
    victim = world.control.credentials()["tiktok"]["authorizations"][0]
    answer = tiktok.client.get("/api/v2/token/get", query_string={
        "app_key": tiktok.app_key, "app_secret": tiktok.app_secret, "grant_type": "authorized_code",
        "auth_code": victim["auth_code"]}).get_json()
    real, open_id = answer["data"]["access_token"], answer["data"]["open_id"]
    forged = "TTP_" + hashlib.sha256(f"{open_id}:{tiktok.app_key}:1".encode()).hexdigest()[:40]

    def status(value: str) -> int:
        http, envelope = tiktok.call("GET", WAREHOUSES, token=value)
        return http if envelope["code"] == 0 else int(envelope["code"])

    return real, forged, status(real), status(forged)


FORGERIES: dict[str, Callable[[World], tuple[str, str, int, int]]] = {
    "sfcc": _sfcc_forgery, "channeladvisor": _ca_forgery, "tiktok": _tiktok_forgery,
}


@pytest.mark.parametrize("system", sorted(FORGERIES))
def test_a_token_computed_from_public_values_is_refused(system: str) -> None:
    """The pre-fix token derivation (a hash of ids, seed and counter) no longer yields a valid token."""
    world = World.create(seed=0)
    try:
        real, forged, real_status, forged_status = FORGERIES[system](world)
    finally:
        world.close()
    assert real != forged
    assert real_status == 200
    # Each vendor's own "bad token" answer: OCAPI 401, ChannelAdvisor 401, TikTok 36009004.
    assert forged_status == {"sfcc": 401, "channeladvisor": 401, "tiktok": 36009004}[system]


def _issued_tokens(seed: int) -> list[str]:
    """One freshly issued token per system, through the backends' own token operations."""
    world = World.create(seed=seed)
    try:
        sfcc = world.systems["sfcc"].auth
        ca = world.systems["channeladvisor"].tokens
        tiktok = world.systems["tiktok"]
        creds = world.control.credentials()
        app = creds["tiktok"]["apps"][0]
        tokens = [
            sfcc.issue("client_credentials", basic(*TIKTOK_CLIENT), None).value,
            str(ca.issue((APP_ID, APP_SECRET), {"grant_type": "refresh_token", "refresh_token": REFRESH})["access_token"]),
            tiktok.issue_token(app["app_key"], app["app_secret"], creds["tiktok"]["authorizations"][0]["auth_code"]).access_token,
        ]
        public = json.dumps(creds)
        assert not any(t in public for t in tokens)  # /_sim/credentials lists seeded tokens, never minted ones
        return tokens
    finally:
        world.close()


def test_tokens_replay_per_seed_and_differ_across_seeds() -> None:
    first, again, other = _issued_tokens(0), _issued_tokens(0), _issued_tokens(1)
    assert first == again
    assert all(a != b for a, b in zip(first, other, strict=True))

