"""Signing: the API doc's official vectors and the empty-body rule."""

from __future__ import annotations

from simulator.tiktok_shop.signing import sign, verify, webhook_signature
from tests.fixtures.tiktok import doc_sign


def test_official_request_vector() -> None:
    query = {"app_key": "29a39d", "timestamp": "1623812664"}
    expected = "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    assert sign("e59af819cc", "/authorization/202309/shops", query) == expected
    assert doc_sign("e59af819cc", "/authorization/202309/shops", query) == expected


def test_official_webhook_vector_note_2() -> None:
    body = (b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
            b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
            b'"order_status":"UNPAID","update_time":1718305585}}')
    assert webhook_signature("abcdef", "123", body) == "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05"


def test_sign_and_access_token_are_excluded() -> None:
    q = {"app_key": "k", "timestamp": "1", "access_token": "x", "sign": "y"}
    assert sign("s", "/p", q) == sign("s", "/p", {"app_key": "k", "timestamp": "1"})


def test_empty_body_verifies_signed_with_or_without_braces() -> None:
    q = {"app_key": "k", "timestamp": "1"}
    for signed_body in (b"", b"{}"):
        given = sign("s", "/p", q, signed_body)
        for sent in (b"", b"{}"):
            assert verify("s", given, "/p", q, sent)
    assert not verify("s", sign("s", "/p", q, b'{"a":1}'), "/p", q, b'{"a": 1}')
