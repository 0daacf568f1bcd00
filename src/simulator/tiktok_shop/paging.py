"""Opaque keyset page tokens for the search endpoints: stable while new records arrive."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from simulator.inbound import InputError, parse_json
from simulator.tiktok_shop.errors import InvalidParameter

T = TypeVar("T")
SortKey = tuple[int, str]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results, the token of the next one ("" when done) and the total match count."""

    items: list[T]
    next_page_token: str
    total_count: int


def fingerprint(*parts: Any) -> str:
    """A short digest of the filters and sort a token belongs to (a token is refused under other filters)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _encode(key: SortKey, fp: str) -> str:
    raw = json.dumps([key[0], key[1], fp], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, fp: str) -> SortKey:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, ident, token_fp = parse_json(raw)  # strict and depth-bounded: a token is client input
        if isinstance(value, bool) or not isinstance(value, int) or not isinstance(ident, str):
            raise TypeError
        key = (value, ident)
    except (ValueError, TypeError, binascii.Error, InputError):
        raise InvalidParameter("Invalid request parameter. 'page_token' is invalid.") from None
    if token_fp != fp:
        raise InvalidParameter("Invalid request parameter. 'page_token' does not match the search conditions.")
    return key


def paginate(
    items: Sequence[T], key: Callable[[T], SortKey], *, descending: bool, size: int, token: str | None, fp: str
) -> Page[T]:
    """Sort ``items`` by ``key`` and cut the page after ``token``'s position."""
    ordered = sorted(items, key=key, reverse=descending)
    start = 0
    if token:
        after = _decode(token, fp)
        start = next(
            (i for i, item in enumerate(ordered) if (key(item) < after if descending else key(item) > after)),
            len(ordered),
        )
    page = ordered[start:start + size]
    more = start + size < len(ordered)
    return Page(page, _encode(key(page[-1]), fp) if more and page else "", len(ordered))
