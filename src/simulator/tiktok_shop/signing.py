"""TikTok Shop request and webhook signatures (HMAC-SHA256, API doc sign-your-api-request / webhooks)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import _Hash

Query = Mapping[str, str] | Mapping[str, str | Sequence[str]]

# Never part of the signed string (API doc; ECOM also drops the header name if sent as a query key).
EXCLUDED_KEYS = frozenset({"sign", "access_token", "x-tts-access-token"})
EMPTY_BODIES = (b"", b"{}", b"[]")


def _value(value: str | Sequence[str]) -> str:
    """A list-valued parameter (``ids=a&ids=b``) is signed as its comma-joined value (``idsa,b``), as a Node
    signer's ``${key}${value}`` writes an array: the same sign as the comma form (UNCERTAIN, the API doc says
    SDKs only send the comma form; the mock reads both as one list, params.LIST_PARAMS)."""
    return value if isinstance(value, str) else ",".join(value)


def string_to_sign(path: str, query: Query, body: bytes = b"", *, multipart: bool = False) -> bytes:
    """``path`` + sorted ``{key}{value}`` pairs + raw body (omitted for multipart), unwrapped."""
    pairs = "".join([key + (value if isinstance(value := query[key], str) else _value(value))
                     for key in sorted(query) if key not in EXCLUDED_KEYS])
    head = (path + pairs).encode()
    return head if multipart else head + body


def expected_string(path: str, query: Query, body: bytes = b"", *, multipart: bool = False,
                    limit: int = 4096) -> str:
    """The string-to-sign the mock expects, readable (a simulator-only aid for 106001, never sent back).

    Undecodable bytes show as U+FFFD; past ``limit`` characters the rest is elided with its length.
    """
    text = string_to_sign(path, query, body, multipart=multipart).decode("utf-8", errors="replace")
    return text if len(text) <= limit else f"{text[:limit]}…({len(text) - limit} more characters)"


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """``hmac.digest(key, message, "sha256")`` (RFC 2104) from the key's two padded SHA-256 states, kept per key.

    OpenSSL 3's one-shot HMAC looks its MAC and digest up by name on every call, behind locks: under
    ``serve``, with the server's own threads about, that was a tenth of a signed request. Copying a
    hash state already fed with the padded key costs no lookup (property-tested against ``hmac``).
    """
    pads = _PADS.get(key)
    if pads is None:
        pads = _pads(key)
    inner, outer = pads[0].copy(), pads[1].copy()
    inner.update(message)
    outer.update(inner.digest())
    return outer.digest()


_PADS: dict[bytes, tuple[_Hash, _Hash]] = {}
_BLOCK = 64  # SHA-256's block size in bytes


def _pads(key: bytes) -> tuple[_Hash, _Hash]:
    block = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")  # RFC 2104
    pads = (hashlib.sha256(block.translate(_IPAD)), hashlib.sha256(block.translate(_OPAD)))
    if len(_PADS) >= 256:  # app secrets of the worlds in this process: few; a bound all the same
        _PADS.clear()
    _PADS[key] = pads
    return pads


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def sign(secret: str, path: str, query: Query, body: bytes = b"", *, multipart: bool = False) -> str:
    """The lowercase hex ``sign`` for a request: HMAC(secret, secret + string + secret)."""
    key = secret.encode()
    return hmac_sha256(key, key + string_to_sign(path, query, body, multipart=multipart) + key).hex()


def verify(
    secret: str, given: str, path: str, query: Query, body: bytes, *, multipart: bool = False
) -> bool:
    """True when ``given`` matches; an empty or ``{}``/``[]`` body is accepted signed with or without it.

    Official SDKs disagree on empty bodies (Node and Python skip them, Go/Java/ECOM append them);
    API doc marks the gateway's behaviour UNCERTAIN, so both spellings verify.
    """
    candidates = (body, b"", b"{}") if body.strip() in EMPTY_BODIES else (body,)
    key = secret.encode()
    head = key + string_to_sign(path, query, multipart=multipart)  # the sorted pairs once, not per candidate
    given = given.lower()
    for candidate in candidates:  # sign(), inlined: the sorted pairs are joined once for every candidate
        digest = hmac_sha256(key, head + key if multipart else head + candidate + key)
        if hmac.compare_digest(digest.hex(), given):
            return True
    return False


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The ``Authorization`` header of a webhook: hex HMAC-SHA256(app_secret, app_key + raw body) (NOTE-2)."""
    return hmac_sha256(app_secret.encode(), app_key.encode() + body).hex()
