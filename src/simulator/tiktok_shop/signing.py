"""TikTok Shop request and webhook signatures (HMAC-SHA256, API doc sign-your-api-request / webhooks)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

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
    pairs = "".join(f"{key}{_value(query[key])}" for key in sorted(query) if key not in EXCLUDED_KEYS)
    head = (path + pairs).encode()
    return head if multipart else head + body


def expected_string(path: str, query: Query, body: bytes = b"", *, multipart: bool = False,
                    limit: int = 4096) -> str:
    """The string-to-sign the mock expects, readable (a simulator-only aid for 106001, never sent back).

    Undecodable bytes show as U+FFFD; past ``limit`` characters the rest is elided with its length.
    """
    text = string_to_sign(path, query, body, multipart=multipart).decode("utf-8", errors="replace")
    return text if len(text) <= limit else f"{text[:limit]}…({len(text) - limit} more characters)"


def sign(secret: str, path: str, query: Query, body: bytes = b"", *, multipart: bool = False) -> str:
    """The lowercase hex ``sign`` for a request: HMAC(secret, secret + string + secret)."""
    wrapped = secret.encode() + string_to_sign(path, query, body, multipart=multipart) + secret.encode()
    return hmac.new(secret.encode(), wrapped, hashlib.sha256).hexdigest()


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
    for candidate in candidates:  # sign(), inlined: one C call per candidate (hmac.digest), no HMAC object
        digest = hmac.digest(key, head + key if multipart else head + candidate + key, "sha256")
        if hmac.compare_digest(digest.hex(), given):
            return True
    return False


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The ``Authorization`` header of a webhook: hex HMAC-SHA256(app_secret, app_key + raw body) (NOTE-2)."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()
