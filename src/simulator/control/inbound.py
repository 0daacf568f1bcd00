"""The control plane's request-input layer: simulator.inbound decoding, typed fields, ``{"error": slug}`` refusals."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request

from simulator.control.api import MAX_ADVANCE_SECONDS, ControlError
from simulator.inbound import Inbound, InputError, Limits
from simulator.inbound import read as read_input
from simulator.web import current_world

Handler = Callable[..., Any]


def current() -> Inbound:
    """The current request with the world's ``/_sim`` limits (``config["control"]["input"]``), decoded once."""
    req: Inbound | None = g.get("tts_sim_control_input")
    if req is None:
        try:
            req = read_input("control", Limits.for_system(current_world().config, "control"))
        except InputError as exc:
            raise refusal(exc) from None
        g.tts_sim_control_input = req
    return req


def control(handler: Handler) -> Handler:
    """Decode the request first (every route: size and query limits), render the result as JSON (a
    ``(result, status)`` pair sets the status) and every ControlError as its 4xx body."""

    @wraps(handler)
    def view(**kwargs: Any) -> Response:
        try:
            current()
            result = handler(**kwargs)
            result, status = result if isinstance(result, tuple) else (result, 200)
        except ControlError as exc:
            result, status = exc.as_dict(), exc.status
        response = jsonify(result)
        response.status_code = status
        return response

    return view


def refusal(exc: InputError) -> ControlError:
    """The control-plane error for an input refusal."""
    return ControlError(exc.refusal.value, exc.message, exc.status)


def body() -> dict[str, Any]:
    """The JSON object body (blank: ``{}``); a non-JSON content type is 415, with what the request had."""
    req = current()
    if not req.body.strip():
        return {}
    content_type = request.headers.get("Content-Type")
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        got = f"Content-Type: {content_type}" if content_type else "no Content-Type header"
        raise ControlError("unsupported_media_type",
                           f"the body must be sent with Content-Type: application/json (the request has {got})", 415)
    try:
        data = req.json()
    except InputError as exc:
        raise refusal(exc) from None
    if not isinstance(data, dict):
        raise ControlError("invalid_json", f"the body must be a JSON object, not {_kind(data)}")
    return data


def _kind(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _wrong(name: str, kind: str) -> ControlError:
    return ControlError("invalid_request", f"'{name}' must be {kind}")


def opt_str(data: dict[str, Any], name: str) -> str | None:
    """An optional string field."""
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise _wrong(name, "a string")
    return value


def opt_bool(data: dict[str, Any], name: str, default: bool) -> bool:
    """An optional boolean field (``"false"`` is a string, not a boolean)."""
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise _wrong(name, "true or false")
    return value


def opt_int(data: dict[str, Any], name: str, *, low: int, high: int) -> int | None:
    """An optional integer field in ``[low, high]``."""
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _wrong(name, f"an integer from {low} to {high}")
    return value


def opt_seconds(data: dict[str, Any], name: str) -> float | None:
    """An optional non-negative, finite number of seconds (at most a century)."""
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 <= value <= MAX_ADVANCE_SECONDS:
        raise _wrong(name, f"a number of seconds from 0 to {MAX_ADVANCE_SECONDS}")
    return float(value)


def query() -> dict[str, str]:
    """The decoded query parameters (each at most once)."""
    return current().query


def query_int(name: str) -> int | None:
    """An optional non-negative integer query parameter (ASCII digits)."""
    raw = query().get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise _wrong(name, "a non-negative integer")
    return int(raw)
