"""Gateway checks on every call: each failure answers its documented code and message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.world import World
from tests.fixtures.tiktok import TikTokClient

SHOPS = "/authorization/202309/shops"
WAREHOUSES = "/logistics/202309/warehouses"


def test_valid_call_lists_authorized_shops(tiktok: TikTokClient) -> None:
    data = tiktok.ok("GET", SHOPS, query={"shop_cipher": None})  # type: ignore[dict-item]
    assert {s["cipher"] for s in data["shops"]} >= {tiktok.shop_cipher}


def _expect(result: tuple[int, dict], code: int, status: int, keyword: str) -> None:
    http, env = result
    assert (http, env["code"]) == (status, code), env
    assert keyword in env["message"]
    assert set(env) == {"code", "message", "request_id", "data"} and env["request_id"]


def test_missing_sign_is_36009004(tiktok: TikTokClient) -> None:
    http, env = tiktok.call("GET", WAREHOUSES, sign="")
    _expect((http, env), 36009004, 400, "Missing credentials")


def test_bad_sign_is_106001(tiktok: TikTokClient) -> None:
    _expect(tiktok.call("GET", WAREHOUSES, sign="0" * 64), 106001, 400, "'sign' query parameter is invalid")


def test_body_differing_from_signed_body_is_106001(tiktok: TikTokClient) -> None:
    path = "/order/202309/orders/search"
    good = tiktok.call("POST", path, {"page_size": "5"}, raw=b'{"order_status":"ON_HOLD"}')
    assert good[1]["code"] == 0
    q = {"app_key": tiktok.app_key, "timestamp": str(tiktok.world.clock.timestamp()),
         "shop_cipher": tiktok.shop_cipher, "page_size": "5"}
    from tests.fixtures.tiktok import doc_sign

    signature = doc_sign(tiktok.app_secret, path, q, b'{"order_status":"ON_HOLD"}')
    _expect(tiktok.call("POST", path, {"page_size": "5"}, raw=b'{"order_status": "ON_HOLD"}', sign=signature),
            106001, 400, "sign")


def test_unknown_app_key_is_36009004(tiktok: TikTokClient) -> None:
    _expect(tiktok.call("GET", WAREHOUSES, {"app_key": "nope"}), 36009004, 400, "Invalid 'app_key'")


@pytest.mark.parametrize(("offset", "keyword"), [
    (-301, "earlier than 5 minutes before"), (31, "exceed the current time by more than 30 seconds"),
])
def test_timestamp_window_is_world_clock_in_process(tiktok: TikTokClient, offset: int, keyword: str) -> None:
    now = tiktok.world.clock.timestamp()
    _expect(tiktok.call("GET", WAREHOUSES, timestamp=now + offset), 36009004, 400, keyword)
    assert tiktok.call("GET", WAREHOUSES, timestamp=now - 299)[1]["code"] == 0
    assert tiktok.call("GET", WAREHOUSES, timestamp=now + 30)[1]["code"] == 0


def test_negative_timestamp(tiktok: TikTokClient) -> None:
    _expect(tiktok.call("GET", WAREHOUSES, timestamp=-5), 36009004, 400, "lesser than 0")


def test_wall_clock_mode_keeps_working_after_world_advances() -> None:
    import time

    from simulator.app import create_app

    world = World.create(seed=0, config={"tiktok": {"timestamp_clock": "wall"}})
    client = TikTokClient(create_app(world).test_client(), world)
    world.advance(seconds=3 * 86400)
    assert client.call("GET", WAREHOUSES, timestamp=int(time.time()))[1]["code"] == 0
    assert client.call("GET", WAREHOUSES, timestamp=world.clock.timestamp())[1]["code"] == 36009004
    world.close()


def test_missing_and_invalid_access_token(tiktok: TikTokClient) -> None:
    _expect(tiktok.call("GET", WAREHOUSES, token=None), 36009004, 400, "x-tts-access-token")
    _expect(tiktok.call("GET", WAREHOUSES, token="TTP_bogus"), 36009004, 400, "x-tts-access-token")


def test_expired_access_token_is_105002_and_refresh_fixes_it(tiktok: TikTokClient) -> None:
    tiktok.world.advance(seconds=timedelta(days=7).total_seconds())
    _expect(tiktok.call("GET", WAREHOUSES), 105002, 401, "Expired credentials")
    creds = tiktok.world.control.credentials()["tiktok"]["authorizations"][0]
    r = tiktok.client.get("/api/v2/token/refresh", query_string={
        "app_key": tiktok.app_key, "app_secret": tiktok.app_secret, "refresh_token": creds["refresh_token"],
        "grant_type": "refresh_token"})
    body = r.get_json()
    assert body["code"] == 0 and body["data"]["access_token_expire_in"] > tiktok.world.clock.timestamp()
    assert tiktok.call("GET", WAREHOUSES, token=body["data"]["access_token"])[1]["code"] == 0


def test_token_get_with_auth_code_and_errors(tiktok: TikTokClient) -> None:
    code = tiktok.world.control.credentials()["tiktok"]["authorizations"][0]["auth_code"]
    base = {"app_key": tiktok.app_key, "app_secret": tiktok.app_secret, "grant_type": "authorized_code"}
    ok = tiktok.client.get("/api/v2/token/get", query_string={**base, "auth_code": code}).get_json()
    assert ok["code"] == 0 and ok["data"]["access_token"].startswith("TTP_")
    assert set(ok["data"]) >= {"refresh_token", "open_id", "seller_name", "granted_scopes", "user_type"}
    bad = tiktok.client.get("/api/v2/token/get", query_string={**base, "auth_code": "nope"}).get_json()
    assert bad["code"] == 36004004
    unknown = tiktok.client.get("/api/v2/token/refresh", query_string={
        **base, "grant_type": "refresh_token", "refresh_token": "nope"}).get_json()
    assert unknown["code"] == 36004005


def test_shop_cipher_rules(tiktok: TikTokClient) -> None:
    _expect(tiktok.call("GET", WAREHOUSES, shop=False), 106013, 400, "shop_cipher")
    _expect(tiktok.call("GET", SHOPS, {"shop_cipher": tiktok.shop_cipher}, shop=False), 36009004, 400,
            "Unexpected identifier")
    _expect(tiktok.call("GET", WAREHOUSES, {"shop_cipher": "ROW_unknown"}), 36009004, 400, "shop_cipher")


def test_token_of_another_seller_is_101000(tiktok: TikTokClient) -> None:
    creds = tiktok.world.control.credentials()["tiktok"]
    single = creds["authorizations"][1]
    other = next(s for s in creds["shops"] if s["id"] not in single["shop_ids"])
    http, env = tiktok.call("GET", WAREHOUSES, {"shop_cipher": other["cipher"]}, token=single["access_token"])
    assert (http, env["code"]) == (401, 101000)


def test_unknown_path_and_method_answer_envelopes(tiktok: TikTokClient) -> None:
    r = tiktok.client.get("/order/202309/nothing_here")
    assert r.status_code == 404 and r.get_json()["code"] == 36009009
    r = tiktok.client.delete("/order/202309/orders/search")
    assert r.status_code == 405 and r.get_json()["code"] == 36009010


def test_rate_limit_per_app_and_shop_is_429() -> None:
    from simulator.app import create_app

    world = World.create(seed=0, config={"tiktok": {"rate_limit": {"rate": 1, "burst": 2}}})
    client = TikTokClient(create_app(world).test_client(), world)
    codes = [client.call("GET", WAREHOUSES) for _ in range(3)]
    assert [c[1]["code"] for c in codes] == [0, 0, 36009002] and codes[2][0] == 429
    world.advance(seconds=1)
    assert client.call("GET", WAREHOUSES)[1]["code"] == 0
    world.close()


def test_malformed_json_is_36009022_not_500(tiktok: TikTokClient) -> None:
    http, env = tiktok.call("POST", "/order/202309/orders/search", {"page_size": "5"}, raw=b"{not json")
    assert (http, env["code"]) == (400, 36009022)
    http, env = tiktok.call("POST", "/order/202309/orders/search", {"page_size": "5"}, raw=b"[1,2]")
    assert env["code"] == 36009022
