"""SFCC's input layer: OCAPI faults for hostile bodies, typed search documents, WebDAV paths, the feed fields."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask.testing import FlaskClient

from simulator.app import create_app
from simulator.world import World
from tests.fixtures.inputs import LONE_SURROGATE, MB, CountingStream, deep_json, send_stream
from tests.sfcc.conftest import Sfcc, assert_fault, basic

WEBDAV = "/on/demandware.servlet/webdav/Sites/IMPEX"
DAV_AUTH = {"Authorization": basic("oms-integration@maple.example", "tts-sim-webdav-key-oms")}


@pytest.fixture
def client(world: World) -> FlaskClient:
    return create_app(world).test_client()


@pytest.mark.parametrize(("raw", "content_type", "status", "fault"), [
    pytest.param(deep_json(1000), "application/json", 400, "BodyDecodingException", id="1000-deep"),
    pytest.param(b'{"c_orderNote": ' + LONE_SURROGATE + b"}", "application/json", 400, "BodyDecodingException",
                 id="lone-surrogate"),
    pytest.param(b'{"status": "new"', "application/json", 400, "BodyDecodingException", id="truncated"),
    pytest.param(b'{"status": "new"}', "text/plain", 415, "UnsupportedMediaTypeException", id="media-type"),
])
def test_patch_with_hostile_body_is_a_fault_and_changes_nothing(sfcc: Sfcc, no: str, tiktok_token: str,
                                                                 world: World, raw: bytes, content_type: str,
                                                                 status: int, fault: str) -> None:
    before = world.systems["sfcc"].orders.orders[no].revision
    resp = sfcc.call("PATCH", f"{sfcc.shop()}/orders/{no}", tiktok_token, data=raw,
                     headers={"content-type": content_type})
    assert_fault(resp, status, fault)
    assert world.systems["sfcc"].orders.orders[no].revision == before


@pytest.mark.parametrize("declared", [256 * MB, None], ids=["content-length", "chunked"])
def test_oversized_ocapi_body_is_413_before_it_is_read(client: FlaskClient, declared: int | None) -> None:
    stream = CountingStream(256 * MB)
    resp = send_stream(client, "POST", "/s/RefArch/dw/shop/v22_6/order_search", stream, declared=declared,
                       content_type="application/json")
    assert resp.status_code == 413 and resp.json["fault"]["type"] == "RequestEntityTooLargeException"
    assert stream.read_bytes == (0 if declared else 5 * MB + 1)


@pytest.mark.parametrize("body", [
    pytest.param({"query": {"match_all_query": {}}, "sorts": "creation_date"}, id="sorts-string"),
    pytest.param({"query": {"match_all_query": {}}, "sorts": [1]}, id="sorts-item-int"),
    pytest.param({"query": {"match_all_query": {}}, "sorts": [{"field": 1}]}, id="sort-field-int"),
    pytest.param({"query": {"term_query": {"fields": "order_no", "operator": "is", "values": ["1"]}}},
                 id="fields-string"),
    pytest.param({"query": {"term_query": {"fields": 5, "values": ["1"]}}}, id="fields-int"),
    pytest.param({"query": {"text_query": {"fields": {"a": 1}, "search_phrase": "x"}}}, id="text-fields-object"),
    pytest.param({"query": {"term_query": {"fields": ["order_no"], "values": 3}}}, id="values-int"),
    pytest.param({"query": {"bool_query": {"must": {"match_all_query": {}}}}}, id="must-object"),
    pytest.param({"query": {"match_all_query": {}}, "start": True}, id="start-bool"),
    pytest.param({"query": {"match_all_query": {}}, "count": "5"}, id="count-string"),
    pytest.param({"query": {"match_all_query": {}}, "count": 2.5}, id="count-fraction"),
])
def test_order_search_refuses_wrong_types_with_a_fault(sfcc: Sfcc, tiktok_token: str, body: dict[str, Any]) -> None:
    resp = sfcc.call("POST", f"{sfcc.shop()}/order_search", tiktok_token, json=body)
    assert_fault(resp, 400, "PropertyConstraintViolationException")


def test_an_integral_json_number_is_an_integer(sfcc: Sfcc, tiktok_token: str) -> None:
    """`"count": 12.0` is a JSON Schema integer (the contract run sent it): read as 12, never refused."""
    resp = sfcc.call("POST", f"{sfcc.shop()}/order_search", tiktok_token,
                     json={"query": {"match_all_query": {}}, "start": 0.0, "count": 12.0})
    assert resp.status_code == 200 and resp.json()["total"] == 1 and resp.json()["start"] == 0


@pytest.mark.parametrize("body", [[], "x", 5, True, {"query": []}, {"query": {"text_query": "x"}},
                                  {"query": {"text_query": {"search_phrase": 5}}}])
def test_user_search_refuses_non_object_documents(sfcc: Sfcc, body: Any) -> None:
    token = sfcc.bm_token()
    resp = sfcc.call("POST", f"{sfcc.data()}/user_search", token, json=body)
    assert resp.status_code == 400 and resp.json()["fault"]["type"] in (
        "BodyDecodingException", "PropertyConstraintViolationException")


def test_user_search_still_finds_users(sfcc: Sfcc) -> None:
    token = sfcc.bm_token()
    body = {"query": {"text_query": {"fields": ["login"], "search_phrase": "tiktok-integration"}}}
    resp = sfcc.call("POST", f"{sfcc.data()}/user_search", token, json=body)
    assert resp.status_code == 200 and resp.json()["count"] == 1


@pytest.mark.parametrize(("path", "status"), [
    pytest.param("/../escape.txt", 400, id="dot-dot"),
    pytest.param("/src/%00evil.txt", 400, id="nul"),
    pytest.param("/src/" + "n" * 300 + ".txt", 400, id="name-too-long"),
    pytest.param("/src/" + "a/" * 600 + "x.txt", 414, id="path-too-long"),
])
def test_webdav_paths_that_cannot_name_a_file(client: FlaskClient, path: str, status: int) -> None:
    for method in ("PUT", "GET", "DELETE"):
        resp = client.open(WEBDAV + path, method=method, data=b"x", headers=DAV_AUTH)
        assert resp.status_code == status and resp.mimetype == "text/plain"


def test_webdav_file_used_as_folder_and_put_onto_folder(client: FlaskClient, world: World) -> None:
    assert client.put(f"{WEBDAV}/src/a.txt", data=b"file", headers=DAV_AUTH).status_code == 201
    below_file = client.put(f"{WEBDAV}/src/a.txt/b.txt", data=b"x", headers=DAV_AUTH)
    assert below_file.status_code == 409 and below_file.mimetype == "text/plain"
    assert client.get(f"{WEBDAV}/src/a.txt/b.txt", headers=DAV_AUTH).status_code == 404
    onto_folder = client.put(f"{WEBDAV}/src", data=b"x", headers=DAV_AUTH)
    assert onto_folder.status_code == 405
    assert client.get(f"{WEBDAV}/src/a.txt", headers=DAV_AUTH).data == b"file"
    assert [e.data["file"] for e in world.journal.entries(kind="sfcc.webdav.put")] == ["/src/a.txt"[1:]]


def test_sim_impex_listing_refuses_dot_dot(client: FlaskClient) -> None:
    resp = client.get("/_sim/sfcc/impex/../..")
    assert resp.status_code == 400 and resp.json["error"] == "invalid_request"


@pytest.mark.parametrize(("body", "words"), [
    pytest.param(b"", "params.url is required", id="empty"),
    pytest.param(b"[1]", "must be a JSON object", id="array"),
    pytest.param(b'{"params": [1]}', "params.url is required", id="params-array"),
    pytest.param(b'{"params": {"url": 5}}', "must be a URL string", id="url-int"),
    pytest.param(b'{"params": {"url": ["x"]}}', "must be a URL string", id="url-list"),
    pytest.param(b'{"params": {"url": "ftp://x/y"}}', "http(s) URL", id="url-scheme"),
    pytest.param(b'{"params": {"url": "http://[x"}}', "not a valid URL", id="url-unparsable"),
    pytest.param(b'{"params": {"url": "https://h/x", "feed_type": 1}}', "feed_type must be a string",
                 id="feed-type-int"),
    pytest.param(deep_json(1000), "nests deeper", id="deep"),
])
def test_feed_download_refuses_missing_or_mistyped_fields(client: FlaskClient, body: bytes, words: str) -> None:
    resp = client.post("/tbp/v2.0/feed/download/", data=body, content_type="application/json")
    assert resp.status_code == 200 and resp.json["code"] == 40002 and words in resp.json["message"]
    assert set(resp.json) == {"code", "message", "request_id", "data"}


def test_feed_download_of_a_missing_file_is_an_envelope(client: FlaskClient) -> None:
    url = "https://h/on/demandware.servlet/webdav/Sites/IMPEX/src/none.xml"
    resp = client.post("/tbp/v2.0/feed/download/", json={"params": {"url": url}})
    assert resp.status_code == 200 and resp.json["code"] == 50001 and "download failed" in resp.json["message"]


@pytest.mark.parametrize(("form", "words"), [
    pytest.param("grant_type=client_credentials&grant_type=x", "given more than once", id="duplicate"),
    pytest.param("grant_type=%ff", "not percent-encoded UTF-8", id="bad-utf8"),
])
def test_token_endpoint_refuses_unreadable_forms(client: FlaskClient, form: str, words: str) -> None:
    auth = "Basic " + base64.b64encode(b"7c1fa7a5-4b5e-4c4a-9a63-1f3f3a2f2b10:tts-sim-tiktok-client-secret").decode()
    resp = client.post("/dw/oauth2/access_token", data=form, headers={"Authorization": auth},
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400 and resp.json["error"] == "invalid_request" and words in resp.json["error_description"]


def test_duplicate_query_parameter_is_malformed(sfcc: Sfcc, no: str, tiktok_token: str) -> None:
    resp = sfcc.call("GET", f"{sfcc.shop()}/orders/{no}?client_id=a&client_id=b", tiktok_token)
    assert_fault(resp, 400, "MalformedParameterException")


def test_create_external_order_deep_body_is_the_controllers_parse_error(sfcc: Sfcc, tiktok_token: str) -> None:
    resp = sfcc.s.post(f"{sfcc.base}/s/RefArch/CreateExternalOrder", data=deep_json(1000), headers={
        "content-type": "application/json", "x-is-authorization": f"Bearer {tiktok_token}",
        "Authorization": basic("storefront", "maple-staging-2026")})
    assert resp.status_code == 400 and resp.json() == {"error": True, "msg": "Unable to parse order json"}


def _create_body(world: World, **changes: Any) -> dict[str, Any]:
    sku = next(s for s in world.inventory.skus.values() if s.seller_sku.startswith("USLCSFCC"))
    address = {"first_name": "Ada Lovelace", "address1": "1 Main St", "city": "Austin", "country_code": "US"}
    body = {"c_externalOrderId": "576000000000000777", "currency": "USD",
            "customer": {"customer_email": "ada@example.com", "billing_address": address},
            "product_lineitems": [{"product_id": sku.seller_sku, "quantity": 1, "net_price": "10.00", "tax": "0.80",
                                   "tax_rate": "0.08"}],
            "shipment": {"shipping_method": "TTS001", "shipping_address": address},
            "totals": {"adjusted_shipping_total": {"net_price": "5.00", "tax": "0"}}}
    return {**body, **changes}


@pytest.mark.parametrize(("changes", "msg"), [
    pytest.param({"totals": {"adjusted_shipping_total": {"net_price": "1e999999"}}}, "not a number",
                 id="price-rendered-as-Infinity"),
    pytest.param({"totals": {"adjusted_shipping_total": {"net_price": True}}}, "not a number", id="price-bool"),
    pytest.param({"c_externalOrderId": 576000000000000777}, "c_externalOrderId is missing", id="id-number"),
    pytest.param({"customer": "ada"}, "customer must be an object", id="customer-string"),
    pytest.param({"shipment": {"shipping_method": "TTS001", "shipping_address": {"city": {"a": 1}}}},
                 "city must be a string", id="city-object"),
    pytest.param({"currency": 840}, "currency must be a string", id="currency-number"),
])
def test_create_external_order_refuses_values_it_cannot_store_as_sent(sfcc: Sfcc, tiktok_token: str, world: World,
                                                                      changes: dict[str, Any], msg: str) -> None:
    """SFCC-1: no coercion and no price that renders as a non-JSON Infinity in GetOrder afterwards."""
    before = len(world.systems["sfcc"].orders.orders)
    resp = sfcc.create(_create_body(world, **changes), tiktok_token)
    assert resp.status_code == 400 and resp.json()["error"] is True and msg in resp.json()["msg"]
    assert len(world.systems["sfcc"].orders.orders) == before


def test_int_custom_attribute_takes_json_numbers_only(sfcc: Sfcc, no: str, tiktok_token: str) -> None:
    for value in ("6", "9" * 5000, True, 2**40):
        assert_fault(sfcc.patch(no, tiktok_token, {"c_externalChannelOrderStatus": value}), 400,
                     "InvalidCustomPropertyException")
    assert sfcc.patch(no, tiktok_token, {"c_externalChannelOrderStatus": 5}).status_code == 200


def test_deep_cancel_info_is_the_hooks_error(sfcc: Sfcc, no: str, tiktok_token: str) -> None:
    resp = sfcc.patch(no, tiktok_token, {"c_orderAction": "cancel", "c_cancelInfo": "[" * 5000 + "]" * 5000})
    assert_fault(resp, 400, "HookStatusException")


def test_deep_cancel_info_stored_by_a_cancel_does_not_break_the_feed(sfcc: Sfcc, no: str, tiktok_token: str,
                                                                      client: FlaskClient) -> None:
    deep = "[" * 5000 + "]" * 5000
    assert sfcc.patch(no, tiktok_token, {"c_orderAction": "cancel_order", "c_cancelInfo": deep}).status_code == 200
    job = client.post("/_sim/sfcc/jobs/TikTok-ExportOrderStatus/run").json["result"]
    url = f"https://h/on/demandware.servlet/webdav/Sites/IMPEX/{job['file']}"
    resp = client.post("/tbp/v2.0/feed/download/", json={"params": {"url": url}})
    assert resp.status_code == 200 and resp.json["code"] == 0
