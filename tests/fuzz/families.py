"""Hostile-input families, each turning a route's valid request template into a hostile one."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

# deep and huge JSON, invalid Unicode, wrong types, odd path ids, duplicate query parameters, wrong content
# types, big bodies, bad credentials; and "valid" (the template as is, so accepted writes are exercised).
FAMILIES = ("valid", "wrong_types", "deep_json", "huge_json", "invalid_unicode", "odd_ids", "dup_query",
            "content_type", "big_body", "bad_auth")
MB = 1024 * 1024
HOLE = "\u0000HOLE\u0000"  # a placeholder leaf replaced by raw bytes after serialization

WRONG_VALUES: list[Any] = ["false", "true", "0", "1", "", " ", "null", "NaN", "-1", "1e400", 0, 1, -1, 2**63, 2**64 - 1,
                           1.5, -0.0, 1e300, True, False, None, [], {}, [1, "a"], {"a": {"b": []}}, ["x"] * 60,
                           "x" * 300, "\u0000", "\U0001f600", "\u202e", "'; DROP TABLE", "../../etc/passwd",
                           "2026-13-45T99:99:99Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9" * 400]
ODD_IDS = ["", "0", "-1", "00000000000000000001", "9" * 40, "9" * 3000, "%00", "%2e%2e", "..", "a%2Fb", "%ff",
           "%ed%a0%80", "%F0%9F%98%80", "\u0661", "1%20OR%201=1", "x'y", "1;2", "%0d%0a", "null", "true", "1.5"]
ODD_QUERY_VALUES = ["0001-01-01T00:00:00%2B14:00", "%ff", "%ed%a0%80", "%00", "", "-1", "9" * 30, "abc", "1e5", "%2C%2C", "+", "%20"]
RAW_STRINGS = [b'"\\ud800"', b'"\\udfff\\ud800"', b'"a\\ud83d"', b'"\xff"', b'"\xc0\xaf"', b'"\xed\xa0\x80"',
               b'"\xe2\x82"', b'"\x00"']
HUGE = {"array": b"[" + b"0," * 100_001 + b"0]", "string": b'"' + b"x" * MB + b'"',
        "object": b"{" + b",".join(b'"k%d":0' % i for i in range(60_000)) + b"}",
        "numbers": b"[" + b",".join([b"1" * 300] * 2000) + b"]"}
CONTENT_TYPES = [None, "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                 "application/json; charset=utf-16", "application/xml", "application/vnd.api+json", "*/*"]
JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False,
                        allow_infinity=False), st.text(max_size=40))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@dataclass
class Draft:
    """A request before authentication: the route's template after a family's mutation."""

    args: dict[str, str]
    query: list[tuple[str, str]]
    body: Any = None  # a JSON value (serialized later) ...
    raw: bytes | None = None  # ... or exact bytes
    splice: bytes | None = None  # raw bytes replacing the HOLE leaf of ``body``
    content_type: str | None = "application/json"
    raw_query: str | None = None  # appended verbatim (percent-encoding of the family's choice)
    big: tuple[int | None, int] | None = None  # (declared Content-Length or None for chunked, bytes sent)
    bad_auth: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> bytes:
        """The body bytes."""
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        text = json.dumps(self.body, ensure_ascii=False).encode()
        if self.splice is not None:
            text = text.replace(json.dumps(HOLE).encode(), self.splice, 1)
        return text


@dataclass(frozen=True)
class Drawn:
    """What hypothesis draws for a case: the family, a seed for every state-dependent choice (so the
    draw structure never depends on the world), and a JSON value and a text for replacements."""

    family: str
    seed: int
    value: Any
    text: str


def drawn(family: str) -> st.SearchStrategy[Drawn]:
    """Cases of one family."""
    return st.builds(Drawn, st.just(family), st.integers(0, 2**32 - 1), JSON_VALUES, st.text(max_size=20))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in a JSON value (the root included)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


def _hole(draft: Draft, rng: random.Random, splice: bytes) -> None:
    """Put ``splice`` at a drawn location of the JSON body (the whole body when there is none)."""
    if draft.body is None or draft.raw is not None:
        draft.body, draft.raw = HOLE, None
    else:
        draft.body = _replace(draft.body, rng.choice(_paths(draft.body)), HOLE)
    draft.splice = splice


def mutate(drawn: Drawn, draft: Draft, rng: random.Random, *, body_limit: int) -> Draft:
    """Apply ``drawn.family`` to ``draft`` in place (and return it)."""
    family = drawn.family
    if family == "wrong_types":
        targets = (["body"] if draft.body is not None else []) + (["query"] if draft.query else []) + ["args"]
        target = rng.choice(targets)
        if target == "body":
            location = rng.choice(_paths(draft.body))
            if location and rng.random() < 0.5 and isinstance(_at(draft.body, location[:-1]), dict):
                parent = _at(draft.body, location[:-1])
                draft.body = _replace(draft.body, location[:-1], {k: v for k, v in parent.items()
                                                                  if k != location[-1]})  # a missing field
            else:
                new = rng.choice(WRONG_VALUES) if rng.random() < 0.7 else drawn.value
                draft.body = _replace(draft.body, location, new)
        elif target == "query":
            index = rng.randint(0, len(draft.query) - 1)
            key, _ = draft.query[index]
            value = str(rng.choice(WRONG_VALUES)) if rng.random() < 0.7 else drawn.text
            draft.query[index] = (key, value)
        elif draft.args:
            name = rng.choice(sorted(draft.args))
            draft.args[name] = quote(str(rng.choice(WRONG_VALUES)), safe="")[:200]
    elif family == "deep_json":
        depth = rng.choice([65, 1000, 5000])
        nested = {"objects": b'{"a":' * depth + b"1" + b"}" * depth, "arrays": b"[" * depth + b"]" * depth}
        _hole(draft, rng, nested[rng.choice(sorted(nested))])
    elif family == "huge_json":
        _hole(draft, rng, HUGE[rng.choice(sorted(HUGE))])
    elif family == "invalid_unicode":
        where = rng.choice(["body", "body", "query", "path", "bom", "utf16"])
        if where == "body":
            _hole(draft, rng, rng.choice(RAW_STRINGS))
        elif where == "query":
            draft.raw_query = f"{rng.choice(['x', *(k for k, _ in draft.query)])}=" \
                              f"{rng.choice(['%ff', '%ed%a0%80', '%c0%af', '%e2%82'])}"
        elif where == "path" and draft.args:
            draft.args[rng.choice(sorted(draft.args))] = rng.choice(["%ff", "%ed%a0%80", "%c0"])
        elif where == "bom":
            draft.raw = b"\xef\xbb\xbf" + draft.payload()
        else:
            draft.raw = draft.payload().decode("utf-8", "replace").encode("utf-16")
    elif family == "odd_ids":
        if draft.args:
            name = rng.choice(sorted(draft.args))
            draft.args[name] = rng.choice(ODD_IDS)
        if draft.query:
            index = rng.randint(0, len(draft.query) - 1)
            draft.raw_query = f"{quote(draft.query[index][0])}={rng.choice(ODD_QUERY_VALUES)}"
            del draft.query[index]
    elif family == "dup_query":
        names = [k for k, _ in draft.query] + ["sign", "app_key", "timestamp", "shop_cipher", "access_token",
                                               "client_id", "$top", "$TOP", "page_size", "x"]
        name = rng.choice(names)
        draft.raw_query = f"{quote(name)}={quote(rng.choice(['1', '2', '']))}"
        draft.notes["duplicate"] = name
    elif family == "content_type":
        draft.content_type = rng.choice(CONTENT_TYPES)
    elif family == "big_body":
        declared = rng.choice([body_limit + 1, 256 * MB, None])
        draft.big = (declared, body_limit + 1 if declared == body_limit + 1 else 256 * MB)
    elif family == "bad_auth":
        draft.bad_auth = rng.choice(["missing", "wrong"])
    return draft


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value
