"""ChannelAdvisor's input layer: strict JSON types, bounded OData options and keys, 413/414/415 (FUL-5, CAN-S3)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from simulator.world import World
from tests.fixtures.channeladvisor import Oms, next_tick, place, to_import
from tests.fixtures.inputs import LONE_SURROGATE, MB, CountingStream, deep_json, send_stream
from tests.fixtures.tiktok import TikTokClient


def _error(resp: Any, status: int, code: str) -> str:
    assert resp.status_code == status, resp.data
    assert set(resp.json) == {"error"} and resp.json["error"]["code"] == code
    message: str = resp.json["error"]["message"]
    return message


def test_string_false_is_not_a_boolean(oms: Oms, world: World) -> None:
    """CAN-S3: "PreventSiteProcessing": "false" was read as true (an information-only adjustment TikTok never saw)."""
    order = place(world)
    to_import(world, order)
    ca_id = oms.ca_id(order)
    message = _error(oms.adjust(ca_id, PreventSiteProcessing="false"), 400, "InvalidRequest")
    assert "PreventSiteProcessing must be a boolean" in message
    assert oms.order(order)["Adjustments"] == []
    assert oms.adjust(ca_id, PreventSiteProcessing=False).status_code == 204
    next_tick(world)
    assert order.status == "CANCELLED"


@pytest.mark.parametrize(("field", "value"), [
    ("IsRestock", "true"), ("Restock", 1), ("Quantity", "1"), ("SellerAdjustmentID", 7), ("Comment", {"a": 1}),
    ("Reason", ["ItemNotAvailable"]),
])
def test_adjust_fields_are_never_coerced(oms: Oms, world: World, field: str, value: Any) -> None:
    order = place(world)
    to_import(world, order)
    _error(oms.adjust(oms.ca_id(order), **{field: value}), 400, "InvalidRequest")
    assert oms.order(order)["Adjustments"] == []


def test_lone_surrogate_tracking_number_never_reaches_tiktok(sim_world: World, sim_client: FlaskClient) -> None:
    """FUL-5: the refused Ship stores nothing, so the next sync and every TikTok read still render."""
    order_id = sim_world.control.place_order(profile="rithum")["order"]["id"]
    order = sim_world.engine.orders[order_id]
    to_import(sim_world, order)
    oms = Oms(sim_client, sim_world)
    raw = (b'{"Value": {"TrackingNumber": ' + LONE_SURROGATE +
           b', "ShippingCarrier": "UPS", "ShippingClass": "GROUND", "DeliveryStatus": "Complete"}}')
    resp = oms.call("POST", f"/v1/Orders({oms.ca_id(order)})/Ship", data=raw, content_type="application/json")
    assert "not valid Unicode" in _error(resp, 400, "InvalidRequest")
    next_tick(sim_world)
    assert oms.order(order)["ShippingStatus"] == "Unshipped"
    tiktok = TikTokClient(sim_client, sim_world, shop_cipher=next(
        s["cipher"] for s in sim_world.control.credentials()["tiktok"]["shops"] if s["id"] == order.shop_id))
    assert tiktok.ok("GET", "/order/202309/orders", {"ids": order_id})["orders"][0]["status"] == "AWAITING_SHIPMENT"
    assert tiktok.ok("GET", f"/fulfillment/202309/packages/{order.package_ids[0]}")["package_status"] == "TO_FULFILL"
    assert tiktok.ok("POST", "/order/202309/orders/search", {"page_size": "50"})["total_count"] >= 1


@pytest.mark.parametrize("shipped", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T00:00:00Z"])
def test_ship_date_that_cannot_be_stored_is_refused(oms: Oms, world: World, shipped: str) -> None:
    order = place(world)
    to_import(world, order)
    resp = oms.ship(oms.ca_id(order), ShippedDateUtc=shipped)
    assert "ShippedDateUtc" in _error(resp, 400, "InvalidRequest")
    assert oms.order(order)["ShippingStatus"] == "Unshipped"


@pytest.mark.parametrize("raw", [deep_json(1000), deep_json(1000, objects=False), b'{"Value": NaN}', b"\xff"],
                         ids=["objects", "arrays", "nan", "not-utf8"])
def test_hostile_json_bodies_are_400(oms: Oms, world: World, raw: bytes) -> None:
    order = place(world)
    to_import(world, order)
    resp = oms.call("POST", f"/v1/Orders({oms.ca_id(order)})/Adjust", data=raw, content_type="application/json")
    _error(resp, 400, "InvalidRequest")
    assert oms.order(order)["Adjustments"] == []


def test_non_json_media_type_is_415(oms: Oms, world: World) -> None:
    order = place(world)
    to_import(world, order)
    resp = oms.call("POST", f"/v1/Orders({oms.ca_id(order)})/Adjust", data=b"{}", content_type="text/plain")
    assert "'text/plain' is not supported" in _error(resp, 415, "UnsupportedMediaType")


@pytest.mark.parametrize("declared", [256 * MB, None], ids=["content-length", "chunked"])
def test_oversized_body_is_413_before_it_is_read(client: FlaskClient, declared: int | None) -> None:
    stream = CountingStream(256 * MB)
    resp = send_stream(client, "POST", "/v1/Orders(1)/Ship", stream, declared=declared,
                       content_type="application/json")
    _error(resp, 413, "RequestEntityTooLarge")
    assert stream.read_bytes == (0 if declared else 5 * MB + 1)


@pytest.mark.parametrize(("params", "status", "words"), [
    pytest.param({"$filter": " or ".join(f"ID eq {i}" for i in range(400))}, 400, "node count limit of '1000'",
                 id="filter-1600-nodes"),
    pytest.param({"$filter": " or ".join(f"ID eq {i}" for i in range(3000))}, 414, "query string exceeds",
                 id="filter-3000-terms"),
    pytest.param({"$filter": "".join(f"ID eq {i} {'and' if i % 2 else 'or'} (" for i in range(40)) + "true" + ")" * 40},
                 400, "nests deeper than 32", id="filter-and-or-nesting"),
    pytest.param({"$filter": "not " * 40 + "true"}, 400, "nests deeper than 32", id="filter-not-chain"),
    pytest.param({"$top": "9" * 5000}, 400, "requires a non-negative integer", id="top-5000-digits"),
    pytest.param({"$top": "2147483648"}, 400, "requires a non-negative integer", id="top-over-int32"),
    pytest.param({"$skip": "1_0"}, 400, "requires a non-negative integer", id="skip-underscore"),
    pytest.param({"$top": "\u0661"}, 400, "requires a non-negative integer", id="top-arabic-digit"),
])
def test_bounded_odata_options(oms: Oms, params: dict[str, str], status: int, words: str) -> None:
    resp = oms.call("GET", "/v1/Orders", params=params)
    assert resp.status_code == status and words in resp.json["error"]["message"]


def test_long_or_chain_within_the_limits_is_evaluated(oms: Oms, world: World) -> None:
    order = place(world)
    to_import(world, order)
    ca_id = oms.ca_id(order)
    chain = " or ".join(f"ID eq {i}" for i in range(ca_id, ca_id + 200))
    assert [o["ID"] for o in oms.orders(**{"$filter": chain})] == [ca_id]


@pytest.mark.parametrize("key", ["9" * 5000, "2147483648", "+1", "1_0", "\u0661"])
def test_keys_are_edm_int32(oms: Oms, key: str) -> None:
    message = _error(oms.call("GET", f"/v1/Orders({key})"), 400, "InvalidRequest")
    assert "should be format of type 'Edm.Int32'" in message and len(message) < 200


@pytest.mark.parametrize("query", ["$top=1&$top=2", "$top=1&$TOP=2", "$filter=ID eq 1&$Filter=ID eq 2"])
def test_an_option_given_twice_is_refused(oms: Oms, client: FlaskClient, query: str) -> None:
    oms.authenticate()
    resp = client.get(f"/v1/Orders?{query}&access_token={oms.token}")
    assert "is given more than once" in _error(resp, 400, "InvalidQuery")


def test_token_form_parameter_given_twice_is_invalid_request(client: FlaskClient) -> None:
    from tests.fixtures.channeladvisor import REFRESH, basic

    form = f"grant_type=refresh_token&refresh_token={REFRESH}&refresh_token={REFRESH}"
    resp = client.post("/oauth2/token", data=form, headers={"Authorization": basic()},
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400 and resp.json["error"] == "invalid_request"


@pytest.mark.parametrize("option", ["$select", "$expand"])
def test_an_empty_select_or_expand_is_no_option(oms: Oms, world: World, option: str) -> None:
    """CA-1: ASP.NET OData reads `$select=` / `$expand=` as not given (the contract run found them refused)."""
    to_import(world, place(world))
    listed = oms.call("GET", "/v1/Orders", params={option: ""})
    assert listed.status_code == 200 and listed.json["value"][0]["SiteOrderID"]
    one = oms.call("GET", f"/v1/Orders({listed.json['value'][0]['ID']})", params={option: ""})
    assert one.status_code == 200 and "ShippingStatus" in one.json
    assert oms.call("GET", "/v1/Orders", params={"$filter": ""}).status_code == 400  # $filter may not be empty


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("TRACE", "/v1/Orders", "GET, HEAD, OPTIONS"),
    ("DELETE", "/v1/Fulfillments(1)", "GET, HEAD, OPTIONS, PATCH, PUT"),
])
def test_a_served_url_with_another_method_is_405_naming_the_allowed_ones(
        oms: Oms, method: str, path: str, allow: str) -> None:
    """Web API answers a method its controller does not take with 405 and `Allow` (RFC 9110), not 404."""
    resp = oms.call(method, path)
    assert resp.status_code == 405 and resp.headers["Allow"] == allow
    assert resp.json["Message"] == f"The requested resource does not support http method '{method}'."
    assert oms.call(method, "/v1/Nothing").status_code == 404
