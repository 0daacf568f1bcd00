"""OCAPI faults carry ``arguments`` on every SFCC OCAPI route (OCAPI fault document, Global Exceptions table)."""

from __future__ import annotations

import re

import pytest

from simulator.app import create_app
from simulator.world import World
from tests.fixtures.ocapi import assert_arguments
from tests.sfcc.conftest import Sfcc, assert_fault


def _ocapi_rules() -> list[tuple[str, str]]:
    """(METHOD, rule) of every OCAPI Shop and Data route served (OAuth, the controller and WebDAV are not OCAPI)."""
    world = World.create(seed=0)
    rules = sorted((m, r.rule) for r in create_app(world).url_map.iter_rules() if r.endpoint.startswith("sfcc.")
                   and ("/dw/shop/" in r.rule or "/dw/data/" in r.rule) for m in (r.methods or set())
                   - {"HEAD", "OPTIONS"})
    world.close()
    return rules


OCAPI = _ocapi_rules()


def _path(rule: str, no: str, version: str = "v22_6") -> str:
    values = {"site_id": "RefArch", "version": version, "order_no": no}
    path = re.sub(r"<any\(([^)]*)\):\w+>", lambda m: m.group(1).split(",")[0].strip(), rule)
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], path)


def test_the_sweep_covers_shop_and_data() -> None:
    assert {r for _, r in OCAPI} >= {"/s/<site_id>/dw/shop/<version>/orders/<order_no>",
                                     "/s/<site_id>/dw/shop/<version>/order_search", "/s/-/dw/data/<version>/user_search"}


@pytest.mark.parametrize(("method", "rule"), OCAPI, ids=[f"{m} {r}" for m, r in OCAPI])
def test_every_refusal_of_every_ocapi_route_has_arguments(sfcc: Sfcc, no: str, tiktok_token: str, method: str,
                                                          rule: str) -> None:
    """401s (no header, a bad token), 400 version and selector faults, 405, 404 and the input layer's 400s."""
    url = f"{sfcc.base}{_path(rule, no)}"
    cases = [
        (sfcc.call(method, url, None), 401, "InvalidAuthorizationHeaderException"),
        (sfcc.call(method, url, "not-a-token"), 401, "InvalidAccessTokenException"),
        (sfcc.call(method, f"{sfcc.base}{_path(rule, no, 'v99_1')}", tiktok_token), 400, "InvalidVersionException"),
        (sfcc.call(method, url, tiktok_token, headers={"x-dw-client-id": "nope"}), 400, "UnknownClientIdException"),
        (sfcc.call(method, f"{url}?a=1&a=2", tiktok_token), 400, "MalformedParameterException"),
        (sfcc.call("DELETE", url, tiktok_token), 405, "MethodNotAllowedException"),
        (sfcc.call(method, f"{url}/nothing", tiktok_token), 404, "ResourcePathNotFoundException"),
    ]
    for resp, status, fault_type in cases:
        body = assert_fault(resp, status, fault_type)
        assert "arguments" in body["fault"]
    token = sfcc.call(method, url, "not-a-token").json()["fault"]["arguments"]
    assert token == {"accessToken": {"type": "string", "value": "not-a-token"}}


def test_selector_and_permission_faults_have_their_arguments(sfcc: Sfcc, no: str, tiktok_token: str,
                                                             oms_token: str) -> None:
    """MalformedSelectorException names the ``selector``; ClientAccessForbiddenException its ``method`` and ``path``."""
    bad = sfcc.call("GET", f"{sfcc.shop()}/orders/{no}", tiktok_token, params={"select": "order_no"})
    assert assert_fault(bad, 400, "MalformedSelectorException")["fault"]["arguments"] == {
        "selector": {"type": "string", "value": "order_no"}}
    forbidden = sfcc.call("POST", f"{sfcc.shop()}/order_search", oms_token, json={"query": {"match_all_query": {}}})
    args = assert_fault(forbidden, 403, "ClientAccessForbiddenException")["fault"]["arguments"]
    assert args == {"method": {"type": "string", "value": "POST"}, "path": {"type": "string", "value": "/order_search"}}


def test_faults_without_documented_arguments_still_carry_the_object(sfcc: Sfcc, no: str) -> None:
    """InvalidAuthorizationHeaderException documents no argument: ``arguments`` is an empty object."""
    fault = sfcc.call("GET", f"{sfcc.shop()}/orders/{no}", None).json()["fault"]
    assert fault["arguments"] == {}
    assert_arguments(fault)
