"""Signing: the API doc's official vectors, the empty-body rule, and verify against its definition."""

from __future__ import annotations

import hmac
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.tiktok_shop.signing import hmac_sha256, sign, verify, webhook_signature
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


@settings(max_examples=300, deadline=None)
@given(secret=st.text(max_size=12), query=st.dictionaries(st.sampled_from(["app_key", "ids", "sign", "é", "timestamp"]),
                                                          st.text(max_size=4) | st.lists(st.text(max_size=3), max_size=2),
                                                          max_size=4),
       body=st.sampled_from([b"", b" ", b"{}", b"[]", b' {} ', b'{"a":1}', "é".encode()]),
       signed=st.sampled_from([b"", b"{}", b"[]", b'{"a":1}', b"x"]), multipart=st.booleans(),
       signed_multipart=st.booleans(), upper=st.booleans())
def test_verify_accepts_exactly_the_signs_of_the_body_or_an_empty_spelling(
        secret: str, query: dict[str, Any], body: bytes, signed: bytes, multipart: bool, signed_multipart: bool,
        upper: bool) -> None:
    """verify == some accepted body spelling's sign() equals the given sign, case-insensitively (the one-call form
    verify uses is this definition)."""
    given = sign(secret, "/p", query, signed, multipart=signed_multipart)
    given = given.upper() if upper else given
    spellings = (body, b"", b"{}") if body.strip() in (b"", b"{}", b"[]") else (body,)
    expected = any(sign(secret, "/p", query, b, multipart=multipart) == given.lower() for b in spellings)
    assert verify(secret, given, "/p", query, body, multipart=multipart) is expected
    assert not verify(secret, given[:-1], "/p", query, body, multipart=multipart)


@settings(max_examples=300)
@given(key=st.binary(max_size=200), message=st.binary(max_size=600))
def test_hmac_from_kept_pads_is_hmac(key: bytes, message: bytes) -> None:
    """The padded-state HMAC every sign check uses is RFC 2104 HMAC-SHA256, for keys shorter, as long as
    and longer than SHA-256's block, asked once or again (its pads are kept per key)."""
    expected = hmac.digest(key, message, "sha256")
    assert hmac_sha256(key, message) == expected
    assert hmac_sha256(key, message) == expected
