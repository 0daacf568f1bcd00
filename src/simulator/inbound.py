"""The vendor-neutral request-input layer: bounded body, strict query/form/JSON decoding, per-world limits."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson
from flask import Flask, Response, current_app, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.wsgi import get_content_length, get_input_stream

from simulator.clock import ClockError, parse_instant


class Refusal(StrEnum):
    """Why the input layer refused a request (each vendor maps these to its own codes)."""

    TOO_LARGE = "body_too_large"
    INCOMPLETE = "incomplete_body"
    URI_TOO_LONG = "uri_too_long"
    BAD_QUERY = "invalid_query"
    DUPLICATE = "duplicate_parameter"
    MEDIA_TYPE = "unsupported_media_type"
    BAD_JSON = "invalid_json"
    BAD_UNICODE = "invalid_unicode"
    TOO_DEEP = "json_too_deep"
    TOO_MANY_VALUES = "json_too_large"
    INVALID_PARAMETER = "invalid_parameter"  # a query, path or header value its contract refuses (--validate)
    INVALID_FIELD = "invalid_field"  # a body field its contract refuses (--validate)
    RATE_LIMITED = "rate_limited"  # an injected fault (simulator.faults): the vendor's rate-limit answer
    SERVER_ERROR = "server_error"  # an injected fault: the vendor's 5xx answer


class InputError(Exception):
    """A refused request: the :class:`Refusal` and a message safe to echo (it never quotes raw input)."""

    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.message = message

    @property
    def status(self) -> int:
        """The HTTP status a vendor without its own table uses."""
        return STATUSES.get(self.refusal, 400)


STATUSES = {Refusal.TOO_LARGE: 413, Refusal.URI_TOO_LONG: 414, Refusal.MEDIA_TYPE: 415, Refusal.RATE_LIMITED: 429,
            Refusal.SERVER_ERROR: 500}


@dataclass(frozen=True)
class Limits:
    """Per-request bounds (defaults: SCAPI's 5 MB request body, a few KB of URL, shallow JSON).

    From the world config: ``config["input"]`` for every system, ``config[<system>]["input"]`` for one
    (systems: tiktok, sfcc, channeladvisor, control), e.g. ``{"channeladvisor": {"input": {"max_body_bytes": 1048576}}}``.
    """

    max_body_bytes: int = 5 * 1024 * 1024
    max_query_bytes: int = 16 * 1024
    max_params: int = 100
    max_json_depth: int = 64
    max_json_values: int = 100_000

    @classmethod
    def for_system(cls, config: Mapping[str, Any], system: str) -> Limits:
        """``config["input"]`` overlaid with ``config[system]["input"]``; unknown keys or non-positive values refused."""
        own = config.get(system)
        # isinstance(own, dict) first: the Mapping ABC's check was a measurable share of every request
        own_input = own.get("input") if isinstance(own, dict) or isinstance(own, Mapping) else None
        general = config.get("input")
        if not general and not own_input:
            return DEFAULT_LIMITS
        merged = {**(general or {}), **(own_input or {})}
        names = {f.name for f in dataclasses.fields(cls)}
        for key, value in merged.items():
            if key not in names:
                raise ValueError(f"unknown input limit {key!r} (known: {', '.join(sorted(names))})")
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"input limit {key!r} must be a positive integer, not {value!r}")
        if merged.get("max_json_depth", 0) > PARSER_MAX_DEPTH:
            raise ValueError(f"max_json_depth is at most {PARSER_MAX_DEPTH} (the JSON parser's own bound)")
        return cls(**merged)


DEFAULT_LIMITS = Limits()
PARSER_MAX_DEPTH = 1024  # orjson refuses deeper documents itself
Check = Callable[["Inbound"], None]
Pairs = list[tuple[str, str]]


def add_check(app: Flask, check: Check) -> None:
    """Run ``check(inbound)`` on every decoded request of ``app``; raising InputError refuses it in the
    vendor's envelope. The seam a contract-validation mode plugs into."""
    if "tts_sim.input_checks" not in app.extensions:
        app.after_request_funcs.setdefault(None, []).append(_with_answer_headers)
    app.extensions.setdefault("tts_sim.input_checks", []).append(check)


def _with_answer_headers(response: Response) -> Response:
    for name, value in answer_headers(request.environ):
        response.headers[name] = value
    return response


# -- decoding (no Flask) ---------------------------------------------------------------------------
def decode_pairs(raw: bytes, limits: Limits, *, what: str = "query string") -> Pairs:
    """``a=1&b=%C3%A9`` -> pairs; ``+`` is a space; strict UTF-8 after percent-decoding."""
    if not raw:
        return []
    if b"%" not in raw and b"+" not in raw:  # nothing to unquote (a signed TikTok URL, mostly): decode once
        try:
            texts = raw.decode("utf-8").split("&")
        except UnicodeDecodeError:
            texts = None  # refused below, after the parameter count, as any query
        if texts is not None:
            if "" in texts:
                texts = [text for text in texts if text]
            if len(texts) > limits.max_params:
                raise InputError(Refusal.BAD_QUERY, f"The {what} has more than {limits.max_params} parameters.")
            return [text.partition("=")[::2] for text in texts]  # (name, value) pairs
    parts = [p for p in raw.split(b"&") if p]
    if len(parts) > limits.max_params:
        raise InputError(Refusal.BAD_QUERY, f"The {what} has more than {limits.max_params} parameters.")
    pairs: Pairs = []
    try:
        for part in parts:
            key, _, value = part.partition(b"=")
            pairs.append((_unquote(key), _unquote(value)))
    except UnicodeDecodeError:
        raise InputError(Refusal.BAD_QUERY, f"The {what} is not percent-encoded UTF-8.") from None
    return pairs


def _unquote(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")


def single(pairs: Pairs, *, fold_case: bool = False, what: str = "query parameter",
           lists: frozenset[str] = frozenset()) -> dict[str, str]:
    """One value per name; a name given twice (case-insensitively with ``fold_case``) is refused, except a
    list-valued name in ``lists``, whose values are joined with commas (``ids=a&ids=b`` is ``ids=a,b``)."""
    seen: dict[str, str] = {}
    result: dict[str, str] = {}
    for key, value in pairs:
        norm = key.lower() if fold_case else key
        if norm in seen:
            if key in lists and seen[norm] == key:
                result[key] = f"{result[key]},{value}"
                continue
            raise InputError(Refusal.DUPLICATE, f"The {what} '{_safe(key)}' is given more than once.")
        seen[norm] = key
        result[key] = value
    return result


def parse_json(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Strict JSON: UTF-8 without BOM, no NaN/Infinity, within the depth and value limits, and no lone
    surrogate escape (``"\\ud800"`` decodes to a string no encoder can write back, so it is never stored).
    A key repeated in one object keeps its last value, as every JSON library reads it (the signature covers
    the raw bytes either way)."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        text = str(exc)
        if "depth limit" in text:
            raise InputError(Refusal.TOO_DEEP,
                             f"The JSON document nests deeper than {limits.max_json_depth} levels.") from None
        if "UTF-8" in text or "surrogate" in text or "BOM" in text:
            raise InputError(Refusal.BAD_UNICODE, f"The JSON document is not valid Unicode text ({text}).") from None
        raise InputError(Refusal.BAD_JSON, f"The request body is not valid JSON ({text}).") from None
    check_shape(value, limits)
    return value


def check_shape(value: Any, limits: Limits) -> None:
    """Depth and value-count limits, walked iteratively (a deep document never recurses here)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > limits.max_json_values:
            raise InputError(Refusal.TOO_MANY_VALUES,
                             f"The JSON document holds more than {limits.max_json_values} values.")
        if isinstance(item, dict | list):
            if depth >= limits.max_json_depth:
                raise InputError(Refusal.TOO_DEEP,
                                 f"The JSON document nests deeper than {limits.max_json_depth} levels.")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def json_int(value: Any) -> int | None:
    """A JSON integer as JSON Schema reads one: an int, or a float with no fraction (``12.0``); else None.

    Booleans are not integers, and floats past 2**53 are refused (they no longer name one integer).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    return None


def instant(text: str) -> datetime | None:
    """An ISO-8601 instant from client text (UTC), or None when unreadable, out-of-range offsets included
    (``0001-01-01T00:00:00+14:00`` overflows datetime when converted to UTC)."""
    try:
        return parse_instant(text)
    except (ClockError, OverflowError):
        return None


def _safe(text: str, limit: int = 64) -> str:
    """A name fit to echo in a message: bounded, control characters escaped."""
    short = text if len(text) <= limit else text[:limit] + "..."
    return short.encode("unicode_escape").decode("ascii") if not short.isprintable() else short


# -- the request -----------------------------------------------------------------------------------
RESPONSE_HEADERS_KEY = "tts_sim.response_headers"  # environ: headers a check adds to the answer (Flask or fast path)
BODY_CHUNK = 64 * 1024  # werkzeug's LimitedStream reads in these
BodyReader = Callable[[int], bytes]  # the body read at most ``limit`` bytes (werkzeug's bounded stream)


@dataclass
class Inbound:
    """One decoded request: what every handler reads instead of ``flask.request``."""

    system: str
    method: str
    path: str
    pairs: Pairs
    query: dict[str, str]
    body: bytes
    mimetype: str
    headers: Headers
    limits: Limits
    endpoint: str | None = None
    environ: dict[str, Any] = field(default_factory=dict, repr=False)  # the WSGI environ (faults mark it)
    world: Any = field(default=None, repr=False)  # the World the request addresses
    _json: Any = field(default=None, repr=False)

    @property
    def is_json(self) -> bool:
        """``application/json`` or any ``+json`` type."""
        return self.mimetype == "application/json" or self.mimetype.endswith("+json")

    def json(self, *, empty: Any = None) -> Any:
        """The body as strict JSON (``empty`` for a blank body)."""
        if not self.body.strip():
            return empty
        if self._json is None:
            self._json = (parse_json(self.body, self.limits),)
        return self._json[0]

    @cached_property
    def form(self) -> dict[str, str]:
        """An ``application/x-www-form-urlencoded`` body (other types: empty); a name given twice is refused."""
        if self.mimetype != "application/x-www-form-urlencoded":
            return {}
        return single(decode_pairs(self.body, self.limits, what="form body"), what="form parameter")

    def answer_header(self, name: str, value: str) -> None:
        """Add ``name: value`` to this request's answer, whichever way it is served."""
        self.environ.setdefault(RESPONSE_HEADERS_KEY, []).append((name, value))


def answer_headers(environ: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The headers checks asked for (:meth:`Inbound.answer_header`) on the request of ``environ``."""
    return list(environ.get(RESPONSE_HEADERS_KEY) or ())


def read_body(limits: Limits, reader: BodyReader) -> bytes:
    """The body, read at most ``max_body_bytes`` (a larger ``Content-Length`` is refused unread)."""
    # One byte over the limit: werkzeug's bounded stream stops quietly at its limit on chunked bodies,
    # so reading limit + 1 is what tells "exactly the limit" from "more".
    try:
        data = reader(limits.max_body_bytes + 1)
    except RequestEntityTooLarge:
        data = None
    except ClientDisconnected:
        raise InputError(Refusal.INCOMPLETE, "The request body ended before its Content-Length.") from None
    if data is None or len(data) > limits.max_body_bytes:
        raise InputError(Refusal.TOO_LARGE, f"The request body exceeds the {limits.max_body_bytes}-byte limit.")
    return data


def environ_body(environ: dict[str, Any]) -> BodyReader:
    """A body reader over a bare WSGI environ: the bytes werkzeug's bounded stream gives ``flask.request``.

    A server that terminates its input (``wsgi.input_terminated``: granian, every request) is read here
    in werkzeug's own chunks and with its refusals, without its ``LimitedStream``, whose every read
    allocates a 64 KB buffer: a third of a body-less signed GET under ``serve``. A request with neither a
    ``Content-Length`` nor ``Transfer-Encoding`` has no body and is not read at all (granian passes both
    headers through). tests/test_fastpath.py holds both readers to one answer (oversized, chunked,
    truncated bodies).
    """

    def read(limit: int) -> bytes:
        if "wsgi.input_terminated" not in environ:
            return get_input_stream(environ, max_content_length=limit).read()
        if "HTTP_TRANSFER_ENCODING" not in environ and environ.get("CONTENT_LENGTH", "0") == "0":
            return b""  # neither a length nor chunks: no body (RFC 9112 6.3), so no read call into the server
        length = get_content_length(environ)
        if length is not None and length > limit:
            raise RequestEntityTooLarge()
        return _read_terminated(environ["wsgi.input"], limit)

    return read


def _read_terminated(stream: Any, limit: int) -> bytes:
    """``LimitedStream(stream, limit, is_max=True).read()``: up to ``limit`` bytes in 64 KB reads, until one is empty."""
    chunks: list[bytes] = []
    got = 0
    while got < limit:
        try:
            data = stream.read(min(BODY_CHUNK, limit - got))
        except (OSError, ValueError):
            raise ClientDisconnected() from None
        if not data:
            break
        chunks.append(data)
        got += len(data)
    return b"".join(chunks)


@lru_cache(maxsize=64)
def mimetype_of(content_type: str) -> str:
    """``Content-Type`` -> its lower-cased media type, as werkzeug's ``request.mimetype`` reads it."""
    return parse_options_header(content_type)[0].lower()


def decode(system: str, limits: Limits, *, method: str, path: str, raw_query: bytes, body: BodyReader,
           mimetype: str, headers: Headers, endpoint: str | None, environ: dict[str, Any], world: Any,
           checks: Iterable[Check], fold_case: bool = False, lists: frozenset[str] = frozenset()) -> Inbound:
    """Decode one request for ``system``: the one place a raw request becomes typed input (Flask or not).

    Raises :class:`InputError` for a query string over ``max_query_bytes`` or ``max_params``, one that is
    not percent-encoded UTF-8, a parameter given twice (never silently first- or last-wins; ``fold_case``
    compares names case-insensitively; a list-valued name in ``lists`` may repeat, see :func:`single`), or a body over ``max_body_bytes`` (by ``Content-Length`` before
    a byte is read, by a bounded read for chunked bodies). JSON is decoded on demand by
    :meth:`Inbound.json` (:func:`parse_json`). Each vendor's ``inbound.py`` maps the refusal to its envelope.
    """
    if len(raw_query) > limits.max_query_bytes:
        raise InputError(Refusal.URI_TOO_LONG, f"The query string exceeds the {limits.max_query_bytes}-byte limit.")
    pairs = decode_pairs(raw_query, limits)
    query = dict(pairs)  # every name once (the usual request): what single() would build, in one C call
    if fold_case or len(query) != len(pairs):
        query = single(pairs, fold_case=fold_case, lists=lists)
    inbound = Inbound(
        system=system, method=method, path=path, pairs=pairs, query=query,
        body=read_body(limits, body), mimetype=mimetype, headers=headers, limits=limits, endpoint=endpoint,
        environ=environ, world=world,
    )
    for check in checks:
        check(inbound)
    return inbound


def checks_of(app: Flask) -> list[Check]:
    """The input checks of ``app`` (:func:`add_check`)."""
    checks: list[Check] = app.extensions.get("tts_sim.input_checks", [])
    return checks


def read(system: str, limits: Limits, *, fold_case: bool = False, lists: frozenset[str] = frozenset()) -> Inbound:
    """Decode Flask's current request for ``system`` (:func:`decode`)."""
    from simulator.web import current_world

    def body(limit: int) -> bytes:
        request.max_content_length = limit
        return request.get_data(cache=True)

    return decode(system, limits, method=request.method, path=request.path, raw_query=request.query_string,
                  body=body, mimetype=request.mimetype, headers=request.headers, endpoint=request.endpoint,
                  environ=request.environ, world=current_world(), checks=checks_of(current_app),
                  fold_case=fold_case, lists=lists)
