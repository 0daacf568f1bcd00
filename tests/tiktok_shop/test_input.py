"""TikTok's input layer: handlers read only the signed body; size, depth, UTF-8, types, duplicates refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.fixtures.inputs import LONE_SURROGATE, MB, CountingStream, deep_json, send_stream
from tests.fixtures.tiktok import TikTokClient, doc_sign

CANCEL = "/return_refund/202309/cancellations"


def released(tiktok: TikTokClient) -> dict[str, Any]:
    order = tiktok.world.control.place_order(shop_id=tiktok.shop_id)["order"]
    tiktok.world.control.advance(seconds=3600)
    return tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]


def test_multipart_body_outside_the_signature_is_never_applied(tiktok: TikTokClient,
                                                               sim_client: FlaskClient) -> None:
    """A request signed over path + query only (the multipart rule) cannot smuggle a JSON Cancel Order."""
    order = released(tiktok)
    query = {"app_key": tiktok.app_key, "timestamp": str(tiktok.world.clock.timestamp()),
             "shop_cipher": tiktok.shop_cipher}
    query["sign"] = doc_sign(tiktok.app_secret, CANCEL, query)  # no body: multipart bodies are not signed
    body = json.dumps({"order_id": order["id"], "cancel_reason": "seller_cancel_reason_out_of_stock"}).encode()
    resp = sim_client.post(CANCEL, query_string=query, data=body, headers={
        "content-type": "multipart/form-data; boundary=x", "x-tts-access-token": tiktok.access_token})
    assert resp.status_code == 400 and resp.json["code"] == 36009022
    assert "multipart/form-data body is not covered by the signature" in resp.json["message"]
    assert tiktok.world.engine.orders[order["id"]].status == "AWAITING_SHIPMENT"


def test_lone_surrogate_tracking_number_is_refused_and_every_read_still_renders(tiktok: TikTokClient) -> None:
    """FUL-1: a tracking number no encoder can write back is refused at the door, so nothing is poisoned."""
    order = released(tiktok)
    package_id = order["packages"][0]["id"]
    provider = tiktok.ok("GET", f"/logistics/202309/delivery_options/{order['delivery_option_id']}"
                                "/shipping_providers")["shipping_providers"][0]["id"]
    raw = (b'{"self_shipment": {"tracking_number": ' + LONE_SURROGATE + b', "shipping_provider_id": "'
           + provider.encode() + b'"}}')
    status, env = tiktok.call("POST", f"/fulfillment/202309/packages/{package_id}/ship", raw=raw)
    assert (status, env["code"]) == (400, 36009022) and "Unicode" in env["message"]
    assert tiktok.world.engine.packages[package_id].tracking_number is None
    assert tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]["status"] == "AWAITING_SHIPMENT"
    assert tiktok.ok("GET", f"/fulfillment/202309/packages/{package_id}")["package_status"] == "TO_FULFILL"
    assert tiktok.ok("POST", "/order/202309/orders/search", {"page_size": "50"})["total_count"] >= 1


@pytest.mark.parametrize(("raw", "words"), [
    pytest.param(deep_json(1000), "nests deeper than 64", id="objects-1000-deep"),
    pytest.param(deep_json(1000, objects=False), "nests deeper than 64", id="arrays-1000-deep"),
    pytest.param(deep_json(65), "nests deeper than 64", id="65-deep"),
    pytest.param(b'{"order_id": ' + LONE_SURROGATE + b'}', "not valid Unicode", id="surrogate-echoed-in-message"),
    pytest.param(b'{"order_id": "\xff"}', "not valid Unicode", id="invalid-utf8"),
    pytest.param(b'{"order_id": NaN}', "not valid JSON", id="nan"),
    pytest.param(b'\xef\xbb\xbf{}', "not valid Unicode", id="bom"),
    pytest.param(json.dumps({"order_id": "1", "x": list(range(100_001))}).encode(), "more than 100000 values",
                 id="too-many-values"),
])
def test_bad_json_bodies_are_36009022_not_a_500(tiktok: TikTokClient, raw: bytes, words: str) -> None:
    status, env = tiktok.call("POST", CANCEL, raw=raw)
    assert (status, env["code"], env["data"]) == (400, 36009022, None) and words in env["message"]


@pytest.mark.parametrize("declared", [256 * MB, None], ids=["content-length", "chunked"])
def test_oversized_body_is_refused_before_it_is_read(tiktok: TikTokClient, sim_client: FlaskClient,
                                                     declared: int | None) -> None:
    """An unsigned 256 MB body: 413 / 36009022 after at most limit + 1 bytes (none when the length is declared)."""
    stream = CountingStream(256 * MB)
    resp = send_stream(sim_client, "POST", CANCEL, stream, declared=declared, content_type="application/json")
    assert resp.status_code == 413 and resp.json["code"] == 36009022
    assert stream.read_bytes == (0 if declared else 5 * MB + 1)
    assert tiktok.world.journal.entries(kind="tiktok.request")[-1].data["code"] == 36009022


def test_body_limit_is_configurable_per_world() -> None:
    from simulator.app import create_app
    from simulator.world import World

    world = World.create(seed=0, config={"tiktok": {"input": {"max_body_bytes": 100}}})
    client = TikTokClient(create_app(world).test_client(), world)
    assert client.call("POST", CANCEL, raw=b" " * 101)[1]["code"] == 36009022
    status, env = client.call("POST", CANCEL, raw=b"{}" + b" " * 98)  # within the limit: read, then validated
    assert (status, env["code"]) == (400, 36009004) and "'order_id' is required" in env["message"]
    world.close()


@pytest.mark.parametrize(("query", "words"), [
    pytest.param("&page_size=10&page_size=20", "'page_size' is given more than once", id="duplicate"),
    pytest.param("&page_size=%ff", "not percent-encoded UTF-8", id="bad-utf8"),
    pytest.param("&page_size=" + "9" * 20_000, "query string exceeds", id="too-long"),
    pytest.param("&x=1" * 101, "more than 100 parameters", id="too-many"),
])
def test_bad_query_strings_are_36009004_before_the_signature(tiktok: TikTokClient, sim_client: FlaskClient,
                                                             query: str, words: str) -> None:
    path = "/order/202309/orders/search"
    resp = sim_client.post(f"{path}?app_key={tiktok.app_key}&sign=x{query}")
    assert resp.status_code == 400 and resp.json["code"] == 36009004 and words in resp.json["message"]


@pytest.mark.parametrize(("body", "words"), [
    pytest.param({"create_time_ge": "1700000000"}, "'create_time_ge' must be an integer", id="int-as-string"),
    pytest.param({"create_time_ge": True}, "'create_time_ge' must be an integer", id="int-as-bool"),
    pytest.param({"create_time_ge": 1.5}, "'create_time_ge' must be an integer", id="int-as-float"),
    pytest.param({"create_time_ge": 2**64}, "'create_time_ge' must be an integer", id="int-over-int64"),
    pytest.param({"create_time_ge": 2.0**60}, "'create_time_ge' must be an integer", id="float-past-2**53"),
    pytest.param({"is_buyer_request_cancel": "false"}, "must be a boolean", id="bool-as-string"),
    pytest.param({"warehouse_ids": [7]}, "must be an array of strings", id="ids-as-numbers"),
])
def test_json_types_are_never_coerced(tiktok: TikTokClient, body: dict[str, Any], words: str) -> None:
    status, env = tiktok.call("POST", "/order/202309/orders/search", {"page_size": "10"}, body)
    assert (status, env["code"]) == (400, 36009004) and words in env["message"]


def test_an_integral_json_number_is_an_integer(tiktok: TikTokClient) -> None:
    """`1700000000.0` is an integer as JSON Schema (and the contract run) reads it: the search runs."""
    status, env = tiktok.call("POST", "/order/202309/orders/search", {"page_size": "10"}, {"create_time_ge": 1.7e9})
    assert (status, env["code"]) == (200, 0) and env["data"]["total_count"] >= 0


@pytest.mark.parametrize("size", ["+5", "5_0", "\u0665", " 5", "0" * 12])
def test_page_size_takes_ascii_digits_only(tiktok: TikTokClient, size: str) -> None:
    status, env = tiktok.call("POST", "/order/202309/orders/search", {"page_size": size}, {})
    assert (status, env["code"]) == (400, 36009004) and "'page_size' must be an integer" in env["message"]


def test_deeply_nested_page_token_is_refused(tiktok: TikTokClient) -> None:
    import base64

    token = base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode()
    status, env = tiktok.call("POST", "/order/202309/orders/search", {"page_size": "10", "page_token": token}, {})
    assert (status, env["code"]) == (400, 36009004) and "'page_token' is invalid" in env["message"]


@pytest.mark.parametrize("form", ["+{}", "{}_0", " {}", "{}.0"])
def test_timestamp_takes_ascii_digits_only(tiktok: TikTokClient, form: str) -> None:
    stamp = form.format(tiktok.world.clock.timestamp())
    status, env = tiktok.call("GET", "/authorization/202309/shops", {"timestamp": stamp}, shop=False)
    assert (status, env["code"]) == (400, 36009004) and "must be Unix seconds" in env["message"]
