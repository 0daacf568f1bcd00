"""OAuth 2 refresh-token grant and access-token checks of the ChannelAdvisor mock."""

from __future__ import annotations

from flask.testing import FlaskClient

from simulator.world import World
from tests.fixtures.channeladvisor import (
    APP_ID,
    REFRESH,
    REFRESH_UK,
    SECOND_APP,
    UK_SHOP,
    Oms,
    basic,
    place,
    to_import,
)

DENIED = {"Message": "Authorization has been denied for this request."}


def _token(client: FlaskClient, header: str | None = None, **form: str) -> object:
    data = {"grant_type": "refresh_token", "refresh_token": REFRESH, **form}
    return client.post("/oauth2/token", headers={"Authorization": header or basic()}, data=data)


def test_refresh_token_grant_issues_one_hour_bearer_token(client: FlaskClient) -> None:
    resp = _token(client)
    assert resp.status_code == 200  # type: ignore[attr-defined]
    body = resp.json  # type: ignore[attr-defined]
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and body["access_token"]


def test_bad_application_secret_is_400_invalid_client(client: FlaskClient) -> None:
    resp = _token(client, basic(APP_ID, "wrong"))
    assert resp.status_code == 400  # type: ignore[attr-defined]
    assert resp.json["error"] == "invalid_client"  # type: ignore[attr-defined]


def test_missing_basic_credentials_is_401_with_a_basic_challenge(client: FlaskClient) -> None:
    """RFC 6749 5.2: no client authentication at all is 401 invalid_client (a wrong secret stays 400)."""
    resp = client.post("/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": REFRESH})
    assert resp.status_code == 401 and resp.json["error"] == "invalid_client"  # type: ignore[index]
    assert resp.headers["WWW-Authenticate"].startswith("Basic ")


def test_unknown_refresh_token_is_400_invalid_grant(client: FlaskClient) -> None:
    resp = _token(client, refresh_token="nope")
    assert resp.status_code == 400 and resp.json["error"] == "invalid_grant"  # type: ignore[attr-defined]


def test_refresh_token_of_another_application_is_refused(client: FlaskClient) -> None:
    resp = _token(client, refresh_token=SECOND_APP[2])
    assert resp.status_code == 400 and resp.json["error"] == "invalid_grant"  # type: ignore[attr-defined]


def test_unsupported_grant_type_is_400(client: FlaskClient) -> None:
    resp = _token(client, grant_type="client_credentials")
    assert resp.status_code == 400 and resp.json["error"] == "unsupported_grant_type"  # type: ignore[attr-defined]


def test_no_token_is_401_with_web_api_body(client: FlaskClient) -> None:
    resp = client.get("/v1/Orders")
    assert resp.status_code == 401 and resp.json == DENIED


def test_token_accepted_as_query_parameter_and_bearer_header(client: FlaskClient) -> None:
    token = _token(client).json["access_token"]  # type: ignore[attr-defined]
    assert client.get("/v1/Orders", query_string={"access_token": token}).status_code == 200
    assert client.get("/v1/Orders", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/v1/Orders", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_access_token_expires_after_one_hour_of_world_time(client: FlaskClient, world: World) -> None:
    token = _token(client).json["access_token"]  # type: ignore[attr-defined]
    world.advance(seconds=3599)
    assert client.get("/v1/Orders", query_string={"access_token": token}).status_code == 200
    world.advance(seconds=1)
    resp = client.get("/v1/Orders", query_string={"access_token": token})
    assert resp.status_code == 401 and resp.json == DENIED


def test_token_sees_only_its_profiles(client: FlaskClient, world: World) -> None:
    us, uk = place(world), place(world, UK_SHOP)
    to_import(world, uk)
    both = Oms(client, world)
    uk_only = Oms(client, world, refresh=REFRESH_UK)
    assert {o["SiteOrderID"] for o in both.orders()} == {us.id, uk.id}
    assert {o["SiteOrderID"] for o in uk_only.orders()} == {uk.id}
    assert uk_only.call("GET", f"/v1/Orders({both.ca_id(us)})").status_code == 404


def test_unknown_v1_route_gets_web_api_404(client: FlaskClient) -> None:
    resp = client.get("/v1/Nope")
    assert resp.status_code == 404 and "No HTTP resource was found" in resp.json["Message"]  # type: ignore[index]
