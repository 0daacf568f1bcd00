"""`serve --validate` (issue 10): a request breaking its contract gets the vendor's validation error and an
x-tts-sim-violation header naming the rule and location; conforming traffic is answered exactly as without it."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from simulator.app import create_app
from simulator.contracts.validation import HEADER, ContractValidator, enable
from simulator.world import World
from tests.fixtures.tiktok import doc_sign
from tests.fuzz.families import Drawn
from tests.fuzz.harness import Harness, Stats
from tests.fuzz.routes import ROUTES, Route

VALIDATOR = ContractValidator()  # compiled once for the module


@pytest.fixture
def validated() -> Any:
    world = World.create(seed=0)
    world.control.place_order(profile="rithum")
    world.control.place_order(profile="sfcc")
    world.advance(seconds=3600)
    app = create_app(world)
    enable(app, VALIDATOR)
    yield app, world
    world.close()


def _tiktok(client: FlaskClient, world: World, method: str, path: str, query: dict[str, str],
            body: Any = None) -> TestResponse:
    creds = world.control.credentials()["tiktok"]
    shop = next(s for s in creds["shops"] if s["profile"] == "direct")
    q = {"app_key": creds["apps"][0]["app_key"], "timestamp": str(world.clock.timestamp()),
         "shop_cipher": shop["cipher"], **query}
    data = json.dumps(body).encode() if body is not None else b""
    q["sign"] = doc_sign(creds["apps"][0]["app_secret"], path, q, data)
    return client.open(path, method=method, query_string=q, data=data, headers={
        "content-type": "application/json", "x-tts-access-token": creds["authorizations"][0]["access_token"]})


def _ca_token(client: FlaskClient, world: World) -> str:
    app = world.control.credentials()["channeladvisor"]["applications"][0]
    basic = base64.b64encode(f"{app['application_id']}:{app['shared_secret']}".encode()).decode()
    answer = client.post("/oauth2/token", headers={"Authorization": f"Basic {basic}"}, data={
        "grant_type": "refresh_token", "refresh_token": app["refresh_tokens"][0]["refresh_token"]})
    return str(answer.json["access_token"])  # type: ignore[index]


def test_each_vendor_refuses_a_violation_in_its_own_envelope_naming_rule_and_location(
        validated: tuple[Flask, World]) -> None:
    app, world = validated
    client = app.test_client()
    # TikTok: a missing body on Ship Package is 36009004 (without the flag: "package not found", HTTP 200).
    tiktok = _tiktok(client, world, "POST", "/fulfillment/202309/packages/1/ship", {})
    assert (tiktok.status_code, tiktok.json["code"]) == (400, 36009004)  # type: ignore[index]
    assert tiktok.headers[HEADER] == "required; location=body; operation=shipPackage"
    paged = _tiktok(client, world, "POST", "/order/202309/orders/search", {"page_size": "0"}, {})
    assert paged.headers[HEADER] == "minimum; location=query.page_size; operation=getOrderList"
    # ChannelAdvisor: OData options and action bodies.
    bearer = {"Authorization": f"Bearer {_ca_token(client, world)}"}
    top = client.get("/v1/Orders?$top=-1", headers=bearer)
    assert (top.status_code, top.json["error"]["code"]) == (400, "InvalidQuery")  # type: ignore[index]
    assert top.headers[HEADER] == "minimum; location=query.$top; operation=listOrders"
    ship = client.post("/v1/Orders(100001)/Ship", headers=bearer, json={"Value": {"TrackingNumber": "1Z"}})
    assert (ship.status_code, ship.json["error"]["code"]) == (400, "InvalidRequest")  # type: ignore[index]
    assert ship.headers[HEADER] == "required; location=body/Value; operation=shipOrder"
    assert "ShippingCarrier" in ship.json["error"]["message"]  # type: ignore[index]
    # SFCC: an OCAPI fault for a body field, a malformed-parameter fault for the URL.
    sfcc = world.control.credentials()["sfcc"]
    client_id, secret = sfcc["api_clients"][0]["client_id"], sfcc["api_clients"][0]["client_secret"]
    user = sfcc["bm_users"][0]
    basic = base64.b64encode(f"{user['login']}:{user['access_key']}:{secret}".encode()).decode()
    token = client.post(f"/dw/oauth2/access_token?client_id={client_id}", headers={"Authorization": f"Basic {basic}"},
                        data={"grant_type": "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"})
    auth = {"Authorization": f"Bearer {token.json['access_token']}"}  # type: ignore[index]
    patch = client.patch("/s/RefArch/dw/shop/v22_6/orders/00000001", headers=auth, json={"status": "bogus"})
    assert (patch.status_code, patch.json["fault"]["type"]) == (400, "PropertyConstraintViolationException")  # type: ignore[index]
    assert patch.headers[HEADER] == "enum; location=body/status; operation=patchOrder"
    version = client.get("/s/RefArch/dw/shop/v9_1/orders/00000001", headers=auth)
    assert version.headers[HEADER] == "pattern; location=path.version; operation=getOrder"
    assert version.json["fault"]["type"] == "MalformedParameterException"  # type: ignore[index]
    # The control plane is not a vendor API: never validated.
    assert HEADER not in client.post("/_sim/clock/advance", json={"seconds": 1}).headers


class Recording(Harness):
    """A fuzz harness that keeps every answer (status, body, violation header)."""

    def __init__(self, stats: Stats, validate: bool) -> None:
        super().__init__(stats)
        self.answers: list[tuple[int, bytes, str | None]] = []
        if validate:
            enable(self.app, VALIDATOR)

    def send(self, route: Route, draft: Any) -> Any:
        resp, stream, described = super().send(route, draft)
        self.answers.append((resp.status_code, resp.data, resp.headers.get(HEADER)))
        return resp, stream, described


VENDOR_ROUTES = [r for r in ROUTES if not r.rule.startswith("/_sim/")]


@pytest.mark.parametrize("route", VENDOR_ROUTES, ids=[r.key for r in VENDOR_ROUTES])
def test_conforming_traffic_is_answered_byte_for_byte_as_without_validation(route: Route) -> None:
    """The fuzz suite's valid requests of every vendor route, replayed on twin worlds with and without the
    flag: every request the contract accepts is answered byte for byte the same, and the flag refuses only
    what the mock refuses too (a template may pair values the API refuses, e.g. a status of another field)."""
    plain, checked = Recording(Stats(), validate=False), Recording(Stats(), validate=True)
    for index in range(4):
        case = Drawn("valid", zlib.crc32(f"{route.key} {index}".encode()), None, "")
        plain.run(route, case)
        checked.run(route, case)
    conforming = 0
    for (status, body, violation), (plain_status, plain_body, _) in zip(checked.answers, plain.answers, strict=True):
        if violation is None:
            conforming += 1
            assert (status, body) == (plain_status, plain_body)
        else:
            assert plain_status >= 400 or _code(plain_body) not in (None, 0), (violation, plain_status, plain_body)
    # The Data API status template draws the field and the value apart: most of its pairs are refused.
    assert conforming >= 1 or route.rule.endswith(":field>"), checked.answers


def _code(body: bytes) -> int | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value.get("code") if isinstance(value, dict) else None


def test_serve_validate_wires_the_check_into_every_served_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """`tts-sim serve --validate` sets TTS_SIM_VALIDATE; the worker's app (and each per-port app) validates."""
    import io

    from simulator.cli import build_parser
    from simulator.server import ENV, build_app, build_port_apps, shutdown_served

    assert build_parser().parse_args(["serve", "--validate"]).validate is True
    monkeypatch.setenv(ENV["validate"], "1")
    try:
        one = build_app()
        assert VALIDATOR_CHECK in [getattr(c, "__func__", c) for c in one.extensions["tts_sim.input_checks"]]
        dispatch = build_port_apps(7100)
        assert callable(dispatch)
    finally:
        shutdown_served(io.StringIO())
    monkeypatch.setenv(ENV["validate"], "0")
    try:
        checks = build_app().extensions["tts_sim.input_checks"]
        assert VALIDATOR_CHECK not in [getattr(c, "__func__", c) for c in checks]  # only the fault check stays
    finally:
        shutdown_served(io.StringIO())


VALIDATOR_CHECK = ContractValidator.check
