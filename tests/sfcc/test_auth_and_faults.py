"""SFCC auth flows and the OCAPI fault envelope for every auth and validation refusal."""

from __future__ import annotations

import pytest

from simulator.world import World
from tests.sfcc.conftest import OMS_CLIENT, TIKTOK_CLIENT, TIKTOK_USER, Sfcc, assert_fault, basic


def test_client_credentials_grant_issues_bearer_token(sfcc: Sfcc) -> None:
    resp = sfcc.am_token()
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1799 and body["access_token"]


@pytest.mark.parametrize("client", [(TIKTOK_CLIENT[0], "wrong"), ("unknown-client", "x")])
def test_client_credentials_refused_with_oauth_error(sfcc: Sfcc, client: tuple[str, str]) -> None:
    resp = sfcc.am_token(client)
    assert resp.status_code == 401
    assert resp.json() == {"error": "invalid_client", "error_description": "Client authentication failed"}


def test_bm_user_grant_wrong_access_key_is_invalid_grant(sfcc: Sfcc) -> None:
    resp = sfcc.s.post(f"{sfcc.base}/dw/oauth2/access_token", params={"client_id": TIKTOK_CLIENT[0]},
                       data={"grant_type": "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"},
                       headers={"Authorization": basic(TIKTOK_USER[0], "bad-key", TIKTOK_CLIENT[1])})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_unsupported_grant_type(sfcc: Sfcc) -> None:
    resp = sfcc.s.post(f"{sfcc.base}/dw/oauth2/access_token", data={"grant_type": "password"},
                       headers={"Authorization": basic(*TIKTOK_CLIENT)})
    assert resp.status_code == 400 and resp.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("version", ["v22_6", "v23_2", "v24_5", "v25_6"])
def test_real_client_versions_are_served(no: str, sfcc: Sfcc, tiktok_token: str, version: str) -> None:
    resp = sfcc.get(no, tiktok_token, version)
    assert resp.status_code == 200
    assert resp.json()["_v"] == version[1:].replace("_", ".")


def test_bm_token_expires_on_the_world_clock(world: World, no: str, sfcc: Sfcc, tiktok_token: str) -> None:
    assert sfcc.get(no, tiktok_token).status_code == 200
    world.advance(seconds=900)
    body = assert_fault(sfcc.get(no, tiktok_token), 401, "InvalidAccessTokenException")
    assert "expired" in body["fault"]["message"]


def test_every_refusal_uses_the_ocapi_fault_shape(no: str, sfcc: Sfcc, tiktok_token: str, oms_token: str) -> None:
    shop = sfcc.shop()
    cases = [
        (sfcc.call("GET", f"{shop}/orders/{no}", None), 401, "InvalidAuthorizationHeaderException"),
        (sfcc.call("GET", f"{shop}/orders/{no}", "not-a-token"), 401, "InvalidAccessTokenException"),
        (sfcc.call("GET", f"{shop}/orders/{no}", None, headers={"Authorization": basic("a", "b")}), 401,
         "InvalidAuthorizationHeaderException"),
        (sfcc.call("GET", f"{shop}/orders/{no}", tiktok_token, headers={"x-dw-client-id": "nope"}), 400,
         "UnknownClientIdException"),
        (sfcc.call("GET", f"{shop}/orders/{no}", tiktok_token, params={"client_id": OMS_CLIENT[0]}), 400,
         "InvalidClientIdException"),
        (sfcc.call("POST", f"{shop}/order_search", oms_token, json={"query": {"match_all_query": {}}}), 403,
         "ClientAccessForbiddenException"),
        (sfcc.get(no, tiktok_token, "v99_1"), 400, "InvalidVersionException"),
        (sfcc.get(no, tiktok_token, "latest"), 400, "InvalidVersionException"),
        (sfcc.get("99999999", tiktok_token), 404, "OrderNotFoundException"),
        (sfcc.call("GET", f"{sfcc.base}/s/NoSite/dw/shop/v22_6/orders/{no}", tiktok_token), 404,
         "SiteNotFoundException"),
        (sfcc.call("GET", f"{shop}/baskets/abc", tiktok_token), 404, "ResourcePathNotFoundException"),
        (sfcc.call("DELETE", f"{shop}/orders/{no}", tiktok_token), 405, "MethodNotAllowedException"),
        (sfcc.patch(no, tiktok_token, {"no_such_field": 1}), 400, "UnknownPropertyException"),
        (sfcc.patch(no, tiktok_token, {"c_notDefined": "x"}), 400, "UnknownPropertyException"),
        (sfcc.patch(no, tiktok_token, {"c_externalChannelOrderStatus": 99}), 400, "InvalidCustomPropertyException"),
        (sfcc.patch(no, tiktok_token, {"status": "created"}), 409, "OrderStatusTransitionException"),
        (sfcc.patch(no, tiktok_token, {"status": "shipped"}), 400, "EnumConstraintViolationException"),
        (sfcc.patch(no, tiktok_token, {"_resource_state": "stale", "c_orderNote": "x"}), 409,
         "ResourceStateConflictException"),
        (sfcc.patch(no, tiktok_token, {"c_orderAction": "cancel"}), 400, "HookStatusException"),
        (sfcc.call("PATCH", f"{shop}/orders/{no}", tiktok_token, data="{not json",
                   headers={"Content-Type": "application/json"}), 400, "BodyDecodingException"),
        (sfcc.call("PATCH", f"{shop}/orders/{no}", tiktok_token, data="x=1",
                   headers={"Content-Type": "application/x-www-form-urlencoded"}), 415,
         "UnsupportedMediaTypeException"),
        (sfcc.call("PUT", f"{sfcc.data()}/sites/RefArch/orders/{no}/status", oms_token, json={"status": "bogus"}),
         400, "EnumConstraintViolationException"),
        (sfcc.call("PUT", f"{sfcc.data()}/sites/RefArch/orders/{no}/status", oms_token, json={}), 400,
         "PropertyConstraintViolationException"),
        (sfcc.call("PUT", f"{sfcc.data()}/sites/RefArch/orders/{no}/status", tiktok_token,
                   json={"status": "cancelled"}), 403, "ClientAccessForbiddenException"),
        (sfcc.call("POST", f"{shop}/order_search", tiktok_token, json={"query": {"bogus_query": {}}}), 400,
         "UnknownPropertyException"),
    ]
    for resp, status, fault_type in cases:
        body = assert_fault(resp, status, fault_type)
        assert body["_v"] in ("22.6", "23.2")


def test_refused_patch_changes_nothing(no: str, sfcc: Sfcc, tiktok_token: str) -> None:
    before = sfcc.get(no, tiktok_token).json()
    assert_fault(sfcc.patch(no, tiktok_token, {"c_orderNote": "changed", "c_externalExportStatus": 7}), 400,
                 "InvalidCustomPropertyException")
    after = sfcc.get(no, tiktok_token).json()
    assert after == before


def test_unknown_sfcc_path_outside_ocapi_gets_a_fault(sfcc: Sfcc) -> None:
    assert_fault(sfcc.s.get(f"{sfcc.base}/dw/shop/v22_6/nothing"), 404, "ResourcePathNotFoundException")
