"""Control-plane request bodies: a JSON object or nothing, every refusal saying exactly what was wrong."""

from __future__ import annotations

import json
from typing import Any

from simulator.control.api import ControlError


def json_object(data: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as a dict (``{}`` when empty); 415 for a missing or non-JSON content type, 400 for bad JSON."""
    if not data:
        return {}
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        got = f"Content-Type: {content_type}" if content_type else "no Content-Type header"
        raise ControlError("unsupported_media_type",
                           f"the body must be sent with Content-Type: application/json (the request has {got})", 415)
    try:
        value = json.loads(data)
    except UnicodeDecodeError:
        raise ControlError("invalid_json", "the body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ControlError("invalid_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ControlError("invalid_json", f"the body must be a JSON object, not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
