"""API versions (issue 14 item 4): every alias in versions.ALIASES answers like its older version; unknown
versions are 36009014; list-valued ``ids`` repeated in the query are the comma form, signed as it is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask

from simulator.app import create_app
from simulator.tiktok_shop import signing
from simulator.tiktok_shop.versions import ALIASES, Alias
from simulator.world import World
from tests.fixtures.tiktok import TikTokClient, doc_sign

SELLER_REASON = "seller_cancel_reason_out_of_stock"


@dataclass
class Twin:
    """One seeded world with a shipped order (``shipped``) and a released, unshipped one (``open``)."""

    world: World
    app: Flask
    tiktok: TikTokClient
    shipped: dict[str, Any]
    open: dict[str, Any]
    provider: str


def _twin() -> Twin:
    world = World.create(seed=7)
    app = create_app(world)
    tiktok = TikTokClient(app.test_client(), world)
    ids = [world.control.place_order(shop_id=tiktok.shop_id)["order"]["id"] for _ in range(2)]
    world.control.advance(seconds=3600)
    shipped, open_ = tiktok.ok("GET", "/order/202309/orders", {"ids": ",".join(ids)})["orders"]
    path = f"/logistics/202309/delivery_options/{shipped['delivery_option_id']}/shipping_providers"
    provider = tiktok.ok("GET", path)["shipping_providers"][0]["id"]
    package = shipped["packages"][0]["id"]
    tiktok.ok("POST", f"/fulfillment/202309/packages/{package}/ship", body={
        "handover_method": "DROP_OFF", "self_shipment": {"tracking_number": "1ZVER1", "shipping_provider_id": provider}})
    world.control.carrier(package, "collected")
    return Twin(world, app, tiktok, shipped, open_, provider)


@pytest.fixture
def twins() -> Iterator[tuple[Twin, Twin]]:
    pair = (_twin(), _twin())
    yield pair
    for twin in pair:
        twin.world.close()


# How to call each older route validly: (path args, query, body) from a prepared world.
Request = Callable[[Twin], tuple[dict[str, str], dict[str, str], Any]]
REQUESTS: dict[str, Request] = {
    "/order/202309/orders": lambda t: ({}, {"ids": f"{t.shipped['id']},{t.open['id']}"}, None),
    "/order/202309/orders/search": lambda t: ({}, {"page_size": "50"}, {"order_status": "AWAITING_SHIPMENT"}),
    "/return_refund/202309/cancellations": lambda t: ({}, {}, {"order_id": t.open["id"], "cancel_reason": SELLER_REASON}),
    "/return_refund/202309/cancellations/search": lambda t: ({}, {"page_size": "50"}, {}),
    "/return_refund/202309/returns/search": lambda t: ({}, {"page_size": "50"}, {"order_ids": [t.shipped["id"]]}),
    "/fulfillment/202309/orders/<order_id>/shipping_info/update": lambda t: (
        {"order_id": t.shipped["id"]}, {}, {"tracking_number": "1ZVER2", "shipping_provider_id": t.provider}),
    "/fulfillment/202309/packages/<package_id>/shipping_info/update": lambda t: (
        {"package_id": t.shipped["packages"][0]["id"]}, {},
        {"tracking_number": "1ZVER2", "shipping_provider_id": t.provider}),
    "/fulfillment/202309/orders/<order_id>/packages": lambda t: (  # Mark Package As Shipped (when served)
        {"order_id": t.open["id"]}, {}, {"tracking_number": "1ZVER3", "shipping_provider_id": t.provider}),
    "/fulfillment/202309/orders/<order_id>/tracking": lambda t: ({"order_id": t.shipped["id"]}, {}, None),
}


def _served(app: Flask) -> set[str]:
    return {r.rule for r in app.url_map.iter_rules()}


def _fill(rule: str, args: dict[str, str]) -> str:
    for name, value in args.items():
        rule = rule.replace(f"<{name}>", value)
    return rule


def _state(twin: Twin) -> list[Any]:
    return [twin.world.control.order(o["id"]) for o in (twin.shipped, twin.open)]


def test_every_alias_has_a_request_and_a_source() -> None:
    assert {a.of for a in ALIASES} <= set(REQUESTS)
    assert all(a.source and a.path != a.of and a.version != a.of.split("/")[2] for a in ALIASES)


@pytest.mark.parametrize("alias", ALIASES, ids=[f"{a.method} {a.path}" for a in ALIASES])
def test_alias_answers_like_its_older_version(twins: tuple[Twin, Twin], alias: Alias) -> None:
    """The same request on the older path in one world and the alias in its twin: same envelope (request id
    included: the worlds are byte-identical), same state afterwards; a reshaped alias carries the same events."""
    old, new = twins
    if alias.of not in _served(old.app):
        pytest.skip(f"{alias.of} is not served on this branch yet; the alias registers with it")
    assert alias.path in _served(new.app)
    args, query, body = REQUESTS[alias.of](old)
    status_old, env_old = old.tiktok.call(alias.method, _fill(alias.of, args), query, body)
    status_new, env_new = new.tiktok.call(alias.method, _fill(alias.path, args), query, body)
    assert status_old == status_new == 200 and env_old["code"] == 0, env_old
    assert _state(old) == _state(new)
    if alias.reshape is None:
        assert env_new == env_old
        return
    assert {k: v for k, v in env_new.items() if k != "data"} == {k: v for k, v in env_old.items() if k != "data"}
    events = [(e["update_time_millis"], e["description"]) for parcel in env_new["data"]["logistics_details"]
              for e in parcel["track_list"]]  # one package: its events in Get Tracking's order
    assert events == [(e["update_time_millis"], e["description"]) for e in env_old["data"]["tracking"]]


def test_logistics_tracking_202604_documented_shape(tiktok: TikTokClient) -> None:
    """Get Logistics Tracking 202604 (vendor page): order_id, logistics_details[]{newest_tracking_no, carrier_name,
    track_list[]{description, tracking_no, update_time_millis, action_code, action_code_name}}, newest first."""
    control = tiktok.world.control
    order = control.place_order(shop_id=tiktok.shop_id)["order"]
    control.advance(seconds=3600)
    detail = tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]
    path = f"/logistics/202309/delivery_options/{detail['delivery_option_id']}/shipping_providers"
    provider = tiktok.ok("GET", path)["shipping_providers"][0]
    package = detail["packages"][0]["id"]
    tiktok.ok("POST", f"/fulfillment/202309/packages/{package}/ship", body={
        "handover_method": "DROP_OFF", "self_shipment": {"tracking_number": "1ZDOC", "shipping_provider_id":
                                                         provider["id"]}})
    control.carrier(package, "collected")
    control.carrier(package, "delivered")
    data = tiktok.ok("GET", f"/logistics/202604/orders/{order['id']}/tracking")
    assert data["order_id"] == order["id"] and len(data["logistics_details"]) == 1
    parcel = data["logistics_details"][0]
    assert parcel["newest_tracking_no"] == "1ZDOC" and parcel["carrier_name"] == provider["name"]
    assert [e["action_code_name"] for e in parcel["track_list"]] == ["signed_personally", "pickup_success",
                                                                     "pkg_shipped"]
    assert [e["action_code"] for e in parcel["track_list"]] == [50101, 30901, 20101]
    assert {e["tracking_no"] for e in parcel["track_list"]} == {"1ZDOC"}


@pytest.mark.parametrize(("method", "path", "code", "status"), [
    ("GET", "/order/209901/orders", 36009014, 404),  # a served API in a version not served
    ("GET", "/logistics/202309/orders/1/tracking", 36009014, 404),  # 202604 exists, 202309 does not
    ("POST", "/fulfillment/202611/orders/1/shipping_info/update", 36009014, 404),
    ("GET", "/nowhere/202309/orders", 36009009, 404),  # no such API in any version
    ("GET", "/order/202309/orders/1/nothing", 36009009, 404),
    ("DELETE", "/order/202507/orders", 36009010, 405),  # a served version, another method
])
def test_unknown_version_is_invalid_api_version(tiktok: TikTokClient, method: str, path: str, code: int,
                                                status: int) -> None:
    """Common errors: 36009014 "Invalid API version", 36009009 "Invalid path", 36009010 "Invalid method"."""
    got, env = tiktok.call(method, path, {}, None)
    assert (got, env["code"], env["data"]) == (status, code, None), env
    assert set(env) == {"code", "message", "request_id", "data"} and env["request_id"]


# -- list-valued query parameters -------------------------------------------------------------------------------
def _repeated(tiktok: TikTokClient, path: str, pairs: list[tuple[str, str]], sign: str | None = None) -> dict[str, Any]:
    """GET with ``pairs`` as sent (repeats kept), signed by simulator's signer over the list values."""
    base = [("app_key", tiktok.app_key), ("timestamp", str(tiktok.world.clock.timestamp())),
            ("shop_cipher", tiktok.shop_cipher), *pairs]
    grouped: dict[str, list[str]] = {}
    for key, value in base:
        grouped.setdefault(key, []).append(value)
    query = {k: v[0] if len(v) == 1 else v for k, v in grouped.items()}
    signed = sign or signing.sign(tiktok.app_secret, path, query)
    raw = "&".join(f"{quote(k)}={quote(v)}" for k, v in [*base, ("sign", signed)])
    resp = tiktok.client.get(path, query_string=raw, headers={"x-tts-access-token": tiktok.access_token})
    body: dict[str, Any] = resp.get_json()
    return body


def test_repeated_ids_are_the_comma_form(tiktok: TikTokClient) -> None:
    """``ids=a&ids=b`` is ``ids=a,b`` (same orders, same order), signed over the comma-joined value: the doc's
    algorithm over ``ids=a,b`` gives the very sign that verifies the repeated form."""
    control = tiktok.world.control
    a, b = (control.place_order(shop_id=tiktok.shop_id)["order"]["id"] for _ in range(2))
    comma = tiktok.ok("GET", "/order/202309/orders", {"ids": f"{b},{a}"})
    repeated = _repeated(tiktok, "/order/202309/orders", [("ids", b), ("ids", a)])
    assert repeated["code"] == 0 and repeated["data"] == comma
    assert [o["id"] for o in repeated["data"]["orders"]] == [b, a]
    doc = doc_sign(tiktok.app_secret, "/order/202309/orders", {
        "app_key": tiktok.app_key, "timestamp": str(tiktok.world.clock.timestamp()),
        "shop_cipher": tiktok.shop_cipher, "ids": f"{b},{a}"})
    assert _repeated(tiktok, "/order/202507/orders", [("ids", b), ("ids", a)])["code"] == 0
    assert _repeated(tiktok, "/order/202309/orders", [("ids", b), ("ids", a)], sign=doc)["code"] == 0


def test_repeated_ids_stay_strict(tiktok: TikTokClient) -> None:
    """The repeated form is refused where the comma form is (over 50 ids), a sign over one value is 106001, and
    a parameter that is not list-valued still may not repeat (36009004)."""
    order = tiktok.world.control.place_order(shop_id=tiktok.shop_id)["order"]["id"]
    many = [("ids", str(576000000000000000 + i)) for i in range(51)]
    assert _repeated(tiktok, "/order/202309/orders", many)["code"] == 36009004
    wrong = doc_sign(tiktok.app_secret, "/order/202309/orders", {
        "app_key": tiktok.app_key, "timestamp": str(tiktok.world.clock.timestamp()),
        "shop_cipher": tiktok.shop_cipher, "ids": order})
    assert _repeated(tiktok, "/order/202309/orders", [("ids", order), ("ids", order)], sign=wrong)["code"] == 106001
    twice = _repeated(tiktok, "/order/202309/orders", [("ids", order), ("shop_cipher", tiktok.shop_cipher)])
    assert twice["code"] == 36009004 and "more than once" in twice["message"]


def test_contract_describes_every_alias_as_its_older_version() -> None:
    """contracts/tiktok-shop.yaml has an operation for each served alias; a plain alias's operation is its older
    version's (parameters, body, responses), so the contract cannot drift from the table."""
    from simulator.contracts.apis import APIS

    paths = APIS["tiktok-shop"].document()["paths"]
    world = World.create(seed=0)
    served = _served(create_app(world))
    world.close()

    def spec(rule: str) -> str:
        return rule.replace("<", "{").replace(">", "}")

    for alias in (a for a in ALIASES if a.of in served):
        new = paths[spec(alias.path)][alias.method.lower()]
        assert new["operationId"].endswith(alias.version), alias
        if alias.reshape is None:
            old = paths[spec(alias.of)][alias.method.lower()]
            keep = ("parameters", "requestBody")
            assert {k: new.get(k) for k in keep} == {k: old.get(k) for k in keep}, alias
            assert {s: {k: v for k, v in r.items() if k != "links"} for s, r in new["responses"].items()} == {
                s: {k: v for k, v in r.items() if k != "links"} for s, r in old["responses"].items()}, alias


def test_logistics_tracking_cbt_only_setting() -> None:
    """Get Logistics Tracking 202604 documents CBT orders only: with ``logistics_tracking_cbt_only`` a LOCAL shop's
    order is 11007009 "This order is not in supported business scenes" while Get Tracking 202309 still answers."""
    world = World.create(seed=0, config={"tiktok": {"logistics_tracking_cbt_only": True}})
    tiktok = TikTokClient(create_app(world).test_client(), world)
    order = world.control.place_order(shop_id=tiktok.shop_id)["order"]["id"]
    status, env = tiktok.call("GET", f"/logistics/202604/orders/{order}/tracking")
    assert (status, env["code"], env["data"]) == (200, 11007009, None)
    assert env["message"] == "This order is not in supported business scenes"
    assert tiktok.ok("GET", f"/fulfillment/202309/orders/{order}/tracking") == {"tracking": []}
    world.close()
