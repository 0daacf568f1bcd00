"""Cancellations over HTTP: CAN-S2 (seller), CAN-B4 (buyer request), CAN-X1 (refusals), idempotency keys."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.tiktok import TikTokClient
from tests.tiktok_shop.test_fulfillment import provider_for, released_order, ship

CANCEL = "/return_refund/202309/cancellations"
SEARCH = "/return_refund/202309/cancellations/search"


def cancel(tiktok: TikTokClient, order_id: str, reason: str = "seller_cancel_reason_out_of_stock",
           path: str = CANCEL) -> tuple[int, dict[str, Any]]:
    return tiktok.call("POST", path, body={"order_id": order_id, "cancel_reason": reason})


@pytest.mark.parametrize("path", [CANCEL, "/return_refund/202602/cancellations"])
def test_can_s2_seller_cancel_with_matching_reason(tiktok: TikTokClient, path: str) -> None:
    order = released_order(tiktok)
    status, env = cancel(tiktok, order["id"], path=path)
    assert env["code"] == 0 and env["data"]["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    after = tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]
    assert after["status"] == "CANCELLED" and after["cancellation_initiator"] == "SELLER"
    found = tiktok.ok("POST", SEARCH, body={"order_ids": [order["id"]]})["cancellations"]
    assert found[0]["cancel_id"] == env["data"]["cancel_id"] and found[0]["role"] == "SELLER"


def test_can_s2_reason_not_matching_status_is_25001021(tiktok: TikTokClient) -> None:
    order = released_order(tiktok)
    env = cancel(tiktok, order["id"], reason="seller_cancel_unpaid_reason_out_of_stock")[1]
    assert env["code"] == 25001021
    assert cancel(tiktok, order["id"], reason="")[1]["code"] == 25001004
    assert tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]["status"] == "AWAITING_SHIPMENT"


@pytest.mark.parametrize(("case", "code"), [
    ("shipped", 25001045), ("completed", 25001051), ("cancelled", 25001003), ("pending_request", 25001011),
    ("unknown", 25001001),
])
def test_can_x1_refusals(tiktok: TikTokClient, case: str, code: int) -> None:
    order = released_order(tiktok)
    control = tiktok.world.control
    if case in ("shipped", "completed"):
        ship(tiktok, order["packages"][0]["id"], provider_for(tiktok, order)["id"])
    if case == "completed":
        control.carrier(order["packages"][0]["id"], "delivered")
        with tiktok.world.lock:
            tiktok.world.engine.complete(order["id"])  # the 30-day timer would also expire the token
    if case == "cancelled":
        control.platform_cancel(order["id"])
    if case == "pending_request":
        control.buyer_cancel(order["id"])
    target = "576000000000000009" if case == "unknown" else order["id"]
    assert cancel(tiktok, target)[1]["code"] == code


def _buyer_request(tiktok: TikTokClient) -> tuple[dict[str, Any], str]:
    order = released_order(tiktok)
    request = tiktok.world.control.buyer_cancel(order["id"])
    assert request["cancel_status"] == "CANCELLATION_REQUEST_PENDING" and request["cancel_type"] == "BUYER_CANCEL"
    return order, request["cancel_id"]


def test_can_b4_approve_with_idempotency_key(tiktok: TikTokClient) -> None:
    order, cancel_id = _buyer_request(tiktok)
    pending = tiktok.ok("POST", SEARCH, body={"cancel_status": ["CANCELLATION_REQUEST_PENDING"]})["cancellations"]
    assert pending[0]["seller_next_action_response"][0]["action"] == "SELLER_RESPOND_CANCEL"
    detail = tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]
    assert detail["is_buyer_request_cancel"] is True
    path = f"/return_refund/202309/cancellations/{cancel_id}/approve"
    assert tiktok.call("POST", path, {"idempotency_key": "k1"})[1]["code"] == 0
    assert tiktok.call("POST", path, {"idempotency_key": "k1"})[1]["code"] == 0  # replay: same answer
    assert tiktok.call("POST", path, {"idempotency_key": "k2"})[1]["code"] == 25001006
    assert tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]["status"] == "CANCELLED"


def test_can_b4_reject_needs_documented_reason(tiktok: TikTokClient) -> None:
    order, cancel_id = _buyer_request(tiktok)
    reasons = tiktok.ok("GET", "/return_refund/202309/reject_reasons", {"return_or_cancel_id": cancel_id})["reasons"]
    assert reasons and all(r["text"] for r in reasons)
    path = f"/return_refund/202309/cancellations/{cancel_id}/reject"
    assert tiktok.call("POST", path, body={})[1]["code"] == 25001005
    assert tiktok.call("POST", path, body={"reject_reason": "because"})[1]["code"] == 25001005
    assert tiktok.call("POST", path, body={"reject_reason": reasons[0]["name"]})[1]["code"] == 0
    closed = tiktok.ok("POST", SEARCH, body={"cancel_ids": [cancel_id]})["cancellations"][0]
    assert closed["cancel_status"] == "CANCELLATION_REQUEST_CANCELLED"
    assert tiktok.ok("POST", SEARCH, body={"cancel_status": ["CANCELLATION_REQUEST_CANCEL"]})["total_count"] == 1
    assert tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]["status"] == "AWAITING_SHIPMENT"


def test_can_b4_no_answer_is_auto_approved_after_48h(tiktok: TikTokClient) -> None:
    order, cancel_id = _buyer_request(tiktok)
    tiktok.world.control.advance(seconds=48 * 3600)
    found = tiktok.ok("POST", SEARCH, body={"cancel_ids": [cancel_id]})["cancellations"][0]
    assert found["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]["status"] == "CANCELLED"


def test_can_b4_shipping_while_pending_rejects_the_request(tiktok: TikTokClient) -> None:
    order, cancel_id = _buyer_request(tiktok)
    assert ship(tiktok, order["packages"][0]["id"], provider_for(tiktok, order)["id"])[1]["code"] == 0
    found = tiktok.ok("POST", SEARCH, body={"cancel_ids": [cancel_id]})["cancellations"][0]
    assert found["cancel_status"] == "CANCELLATION_REQUEST_CANCELLED"
    env = tiktok.call("POST", f"/return_refund/202309/cancellations/{cancel_id}/approve")[1]
    assert env["code"] == 25001006
