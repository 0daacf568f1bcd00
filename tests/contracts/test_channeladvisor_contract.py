"""ChannelAdvisor mock vs contracts/channeladvisor.yaml: entity schemas from the OData model, a documented OMS flow."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import yaml

from simulator.app import create_app
from simulator.transport import in_process_session
from simulator.world import World

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "channeladvisor.yaml"
BASE = "https://api.channeladvisor.com"


@pytest.fixture
def ca_world() -> Iterator[World]:
    """A world with rithum orders imported into ChannelAdvisor (IDs 100001...)."""
    world = World.create(seed=0)
    for profile in ("rithum", "rithum", "rithum"):
        world.control.place_order(profile=profile)
    world.advance(seconds=3600)
    yield world
    world.close()


@pytest.fixture
def ca_session(ca_world: World) -> requests.Session:
    """requests to the contract's server URL served by the world's app in-process."""
    return in_process_session(create_app(ca_world), BASE)


@pytest.fixture
def ca_headers(ca_world: World) -> dict[str, dict[str, str]]:
    app = ca_world.control.credentials()["channeladvisor"]["applications"][0]
    client = create_app(ca_world).test_client()
    basic = base64.b64encode(f"{app['application_id']}:{app['shared_secret']}".encode()).decode()
    token = client.post("/oauth2/token", headers={"Authorization": f"Basic {basic}"}, data={
        "grant_type": "refresh_token", "refresh_token": app["refresh_tokens"][0]["refresh_token"]}).json
    return {"basic": {"Authorization": f"Basic {basic}"}, "bearer": {"Authorization": f"Bearer {token['access_token']}"}}


schema = schemathesis.openapi.from_path(CONTRACT)


def test_entity_schemas_list_the_mocks_odata_properties() -> None:
    """CA-1: the contract's Order, Fulfillment, ... name exactly the properties `$select` accepts, with their types."""
    from simulator.channeladvisor.schema import TYPES

    schemas = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))["components"]["schemas"]
    kinds = {"Edm.Int32": "integer", "Edm.Int64": "integer", "Edm.String": "string", "Edm.Decimal": "number",
             "Edm.DateTimeOffset": "string", "Edm.Boolean": "boolean"}
    for name, entity in TYPES.items():
        declared = schemas[name]["properties"]
        assert set(declared) == set(entity.properties) | set(entity.navigation), name
        for prop, kind in entity.properties.items():
            spec = declared[prop]
            if isinstance(kind, str):
                assert kinds[kind] in ([spec["type"]] if isinstance(spec["type"], str) else spec["type"]), prop
            else:  # an enum: the contract lists exactly its members
                enum = schemas[spec["oneOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
                assert enum == [m.value for m in kind], prop


def test_a_documented_oms_flow_gets_contract_shaped_answers(ca_world: World, ca_session: requests.Session) -> None:
    """CA-2, FUL-5, CAN-S3: token, list, get, export, ship, adjust — each real answer validated by its operation."""
    app = ca_world.control.credentials()["channeladvisor"]["applications"][0]

    def call(method: str, path: str, template: str, **kwargs: Any) -> requests.Response:
        response = ca_session.request(method, BASE + path, **kwargs)
        schema[template][method].validate_response(response)  # raises on any mismatch with the contract
        return response

    token = call("POST", "/oauth2/token", "/oauth2/token", auth=(app["application_id"], app["shared_secret"]),
                 data={"grant_type": "refresh_token", "refresh_token": app["refresh_tokens"][0]["refresh_token"]})
    assert token.status_code == 200
    auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
    listed = call("GET", "/v1/Orders", "/v1/Orders", headers=auth,
                  params={"exported": "false", "$expand": "Items,Fulfillments,Adjustments", "$count": "true"})
    orders = listed.json()["value"]
    assert len(orders) == 3 and listed.json()["@odata.count"] == 3
    first, second = orders[0]["ID"], orders[1]["ID"]
    assert call("GET", f"/v1/Orders({first})", "/v1/Orders({ID})", headers=auth).json()["ShippingStatus"] == "Unshipped"
    assert call("POST", f"/v1/Orders({first})/Export", "/v1/Orders({ID})/Export", headers=auth).status_code == 204
    ship = {"Value": {"TrackingNumber": "1Z999AA10123456784", "ShippingCarrier": "UPS", "ShippingClass": "GROUND"}}
    assert call("POST", f"/v1/Orders({first})/Ship", "/v1/Orders({ID})/Ship", headers=auth, json=ship).status_code == 204
    fulfillment = orders[0]["Fulfillments"][0]["ID"]
    got = call("GET", f"/v1/Fulfillments({fulfillment})", "/v1/Fulfillments({ID})", headers=auth).json()
    assert got["TrackingNumber"] == "1Z999AA10123456784"
    adjust = call("POST", f"/v1/Orders({second})/Adjust", "/v1/Orders({ID})/Adjust", headers=auth,
                  json={"Reason": "ItemNotAvailable"})
    assert adjust.status_code == 204
    refused = call("POST", f"/v1/Orders({first})/Adjust", "/v1/Orders({ID})/Adjust", headers=auth, json={})
    assert refused.status_code == 400 and refused.json()["error"]["message"]  # shipped: not adjustable
