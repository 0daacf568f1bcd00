"""The Return and Refund API over HTTP: RET-1 (create, eligibility), RET-2/3 (decisions and their codes), RET-5."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.tiktok import Receiver, TikTokClient
from tests.tiktok_shop.test_fulfillment import provider_for, released_order, ship

SEARCH = "/return_refund/202309/returns/search"


def delivered_order(tiktok: TikTokClient, quantity: int = 1) -> dict[str, Any]:
    sku = tiktok.world.systems["tiktok"].catalog.shop_skus(tiktok.shop_id)[0].id
    order = released_order(tiktok, items=[{"sku_id": sku, "quantity": quantity}])
    ship(tiktok, order["packages"][0]["id"], provider_for(tiktok, order)["id"])
    tiktok.world.control.carrier(order["packages"][0]["id"], "delivered")
    return order


def returned(tiktok: TikTokClient, kind: str = "RETURN_AND_REFUND", **kw: Any) -> dict[str, Any]:
    order = delivered_order(tiktok)
    return tiktok.world.control.buyer_return(order["id"], kind, **kw)


def decide(tiktok: TikTokClient, return_id: str, verb: str, body: dict[str, Any],
           key: str | None = None) -> dict[str, Any]:
    query = {"idempotency_key": key} if key else None
    return tiktok.call("POST", f"/return_refund/202309/returns/{return_id}/{verb}", query, body)[1]


def test_ret1_search_returns_shows_the_request_with_documented_fields_filters_and_paging(tiktok: TikTokClient) -> None:
    ret = returned(tiktok, shipment_type="BUYER_ARRANGE")
    for path in (SEARCH, "/return_refund/202602/returns/search"):
        found = tiktok.ok("POST", path, body={"order_ids": [ret["order_id"]]})
        assert found["total_count"] == 1 and found["next_page_token"] == ""
        row = found["return_orders"][0]
        assert row["return_id"] == ret["return_id"] and row["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
        assert (row["return_type"], row["role"], row["shipment_type"]) == ("RETURN_AND_REFUND", "BUYER",
                                                                           "BUYER_ARRANGE")
        assert row["refund_amount"]["currency"] == "USD" and row["return_line_items"][0]["order_line_item_id"]
        assert row["seller_next_action_response"][0]["action"] == "SELLER_RESPOND_RETURN"
    tiktok.ok("POST", f"/return_refund/202309/returns/{ret['return_id']}/reject", body={
        "decision": "REJECT_RETURN", "reject_reason": "reverse_reject_request_reason_4"})
    for spelling in ("REFUND_OR_RETURN_REQUEST_REJECT", "RETURN_OR_REFUND_REQUEST_REJECT"):
        rows = tiktok.ok("POST", SEARCH, body={"return_status": [spelling]})["return_orders"]
        assert [r["return_id"] for r in rows] == [ret["return_id"]]
    assert tiktok.ok("POST", SEARCH, body={"return_status": ["REPLACEMENT_REQUEST_PENDING"]})["total_count"] == 0
    assert tiktok.ok("POST", SEARCH, body={"arbitration_status": ["IN_PROGRESS"]})["total_count"] == 0
    assert tiktok.call("POST", SEARCH, {"page_size": "9"}, {})[1]["code"] == 36009004  # documented range 10-50
    assert tiktok.call("POST", SEARCH, body={"return_types": ["EXCHANGE"]})[1]["code"] == 36009004


@pytest.mark.parametrize(("step", "verb", "body", "code"), [
    ("pending", "approve", {"decision": "APPROVE_REFUND"}, 25020004),
    ("pending", "approve", {"decision": "APPROVE_REPLACEMENT"}, 25020004),
    ("pending", "approve", {"decision": "APPROVE_RECEIVED_PACKAGE"}, 25011012),
    ("pending", "approve", {"decision": "SHIP_IT"}, 25001001),
    ("pending", "approve", {"decision": "APPROVE_REFUND", "buyer_keep_item": True}, 25020004),
    ("pending", "approve", {"decision": "OFFER_PARTIAL_REFUND"}, 25001001),
    ("pending", "approve", {"decision": "OFFER_PARTIAL_REFUND", "partial_refund": {"amount": "1.5X"}}, 36009004),
    ("pending", "approve", {}, 36009004),
    ("pending", "reject", {"decision": "REJECT_RETURN", "reject_reason": "seller_reject_apply_product_has_been_packed"},
     25001020),
    ("pending", "reject", {"decision": "REJECT_RETURN"}, 25001001),
    ("approved", "reject", {"decision": "REJECT_RETURN", "reject_reason": "reverse_reject_request_reason_4"}, 25020010),
    ("approved", "approve", {"decision": "APPROVE_RETURN"}, 25011012),
    ("closed", "approve", {"decision": "APPROVE_RETURN"}, 25011013),
    ("unknown", "approve", {"decision": "APPROVE_RETURN"}, 25020001),
])
def test_ret2_ret3_refused_decisions_answer_their_documented_code_and_change_nothing(
        tiktok: TikTokClient, step: str, verb: str, body: dict[str, Any], code: int) -> None:
    ret = returned(tiktok)
    world = tiktok.world
    if step == "approved":
        world.engine.approve_return(ret["return_id"])
    if step == "closed":
        world.control.buyer_return_step(ret["return_id"], "cancel")
    before = world.engine.returns[ret["return_id"]].status
    target = "404000000000000009" if step == "unknown" else ret["return_id"]
    answer = decide(tiktok, target, verb, body)
    assert answer["code"] == code, answer
    assert world.engine.returns[ret["return_id"]].status == before


def test_ret2_ret3_ret4_approve_generates_the_label_then_the_received_package_is_refunded(tiktok: TikTokClient) -> None:
    ret = returned(tiktok)
    rid = ret["return_id"]
    assert decide(tiktok, rid, "approve", {"decision": "APPROVE_RETURN"}, key="k1")["code"] == 0
    assert decide(tiktok, rid, "approve", {"decision": "APPROVE_RETURN"}, key="k1")["code"] == 0  # idempotent
    row = tiktok.ok("POST", SEARCH, body={"return_ids": [rid]})["return_orders"][0]
    assert row["return_status"] == "AWAITING_BUYER_SHIP" and row["return_tracking_number"].startswith("TTRT")
    assert row["return_method"] == "PLATFORM_SHIPPED" and row["return_shipping_document_type"] == "SHIPPING_LABEL"
    assert row["return_warehouse_address"]["full_address"] and "seller_next_action_response" not in row
    tiktok.world.control.buyer_return_step(rid, "ship")
    tiktok.world.control.return_delivered(rid)
    row = tiktok.ok("POST", SEARCH, body={"return_ids": [rid]})["return_orders"][0]
    assert row["seller_next_action_response"][0]["action"] == "SELLER_RESPOND_RECEIVE_PACKAGE"
    assert decide(tiktok, rid, "approve", {"decision": "APPROVE_RECEIVED_PACKAGE"}, key="k2")["code"] == 0
    row = tiktok.ok("POST", SEARCH, body={"return_ids": [rid]})["return_orders"][0]
    order = tiktok.ok("GET", "/order/202309/orders", {"ids": ret["order_id"]})["orders"][0]
    assert row["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert row["refund_amount"]["refund_total"] == order["payment"]["total_amount"] and order["status"] == "COMPLETED"
    records = tiktok.ok("GET", f"/return_refund/202309/returns/{rid}/records")["records"]
    assert [r["role"] for r in records] == ["BUYER", "SELLER", "BUYER", "SYSTEM", "SELLER", "SELLER"]
    assert {r["event"] for r in records} == {"ORDER_RETURN"} and records[0]["reason_text"]


def test_ret1_the_seller_creates_a_return_and_eligibility_and_reject_reasons_follow(tiktok: TikTokClient) -> None:
    order = delivered_order(tiktok, quantity=2)
    path = f"/return_refund/202512/orders/{order['id']}/aftersale_eligibility"
    before = tiktok.ok("GET", path, {"initiate_aftersale_user": "BUYER"})["sku_eligibility"][0]
    assert all(e["eligible"] for e in before["line_item_eligibility"]) and before["line_item_eligibility"][0][
        "available_reason_names"]
    body = {"order_id": order["id"], "return_type": "REFUND", "skus": [{"sku_id": before["sku_id"], "quantity": 1}],
            "return_reason": "ecom_order_delivered_refund_reason_damaged_seller"}
    created = tiktok.ok("POST", "/return_refund/202309/returns", {"idempotency_key": "c1"}, body)
    again = tiktok.ok("POST", "/return_refund/202309/returns", {"idempotency_key": "c1"}, body)
    assert created == again and created["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
    row = tiktok.ok("POST", SEARCH, body={"return_ids": [created["return_id"]]})["return_orders"][0]
    assert row["role"] == "SELLER" and len(row["return_line_items"]) == 1
    after = tiktok.ok("GET", f"/return_refund/202512/orders/{order['id']}/aftersale_eligibility")["sku_eligibility"]
    assert not any(e["eligible"] for e in after[0]["line_item_eligibility"])  # one request open at a time
    reasons = tiktok.ok("GET", "/return_refund/202309/reject_reasons", {"return_or_cancel_id": created["return_id"]})
    assert "reverse_reject_request_reason_4" in {r["name"] for r in reasons["reasons"]}
    assert tiktok.call("POST", "/return_refund/202309/returns", body={**body, "return_reason": "x"})[1][
        "code"] == 25001011
    fresh = delivered_order(tiktok)
    wrong = tiktok.call("POST", "/return_refund/202309/returns", body={**body, "order_id": fresh["id"],
                                                                       "return_reason": "nope", "skus": None})[1]
    assert wrong["code"] == 25001021


def test_ret5_every_return_status_change_is_a_type_12_webhook(tiktok: TikTokClient, receiver: Receiver) -> None:
    for event in ("RETURN_STATUS_CHANGE",):
        tiktok.ok("PUT", "/event/202309/webhooks", body={"event_type": event, "address": receiver.url})
    ret = returned(tiktok, kind="REFUND")
    tiktok.ok("POST", f"/return_refund/202309/returns/{ret['return_id']}/approve", body={"decision": "APPROVE_REFUND"})
    payloads = [json.loads(r["body"]) for r in receiver.received]
    assert [p["type"] for p in payloads] == [12, 12, 12]
    data = [p["data"] for p in payloads]
    assert [d["return_status"] for d in data] == ["RETURN_OR_REFUND_REQUEST_PENDING", "RETURN_OR_REFUND_REQUEST_SUCCESS",
                                                   "RETURN_OR_REFUND_REQUEST_COMPLETE"]
    assert [d["return_role"] for d in data] == ["BUYER", "SELLER", "SELLER"]
    assert set(data[0]) == {"order_id", "return_role", "return_type", "return_status", "return_id", "create_time",
                            "update_time"} and data[0]["return_type"] == "REFUND"
