"""Which system an answer came from and the vendor's own code in it (request logs, recorded test calls)."""

from __future__ import annotations

from typing import Any

import orjson


def vendor_code(system: str | None, status: int, body: bytes) -> str | None:
    """The code a client of ``system`` reads from an answer, or None when it carries none.

    TikTok: the envelope's ``code`` (``"0"`` on success). SFCC: the OCAPI ``fault.type``.
    ChannelAdvisor: ``error.code`` (OData) or the OAuth ``error``, ``"Unauthorized"`` for the Web-API
    401 body. The control plane: its ``error`` slug.
    """
    if not body or body[:1] not in (b"{", b"["):
        return None
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    if system == "tiktok":
        return str(data["code"]) if "code" in data else None
    if system == "sfcc":
        fault = data.get("fault")
        return str(fault.get("type")) if isinstance(fault, dict) and fault.get("type") else None
    error = data.get("error")
    if isinstance(error, dict):
        return str(error.get("code")) if error.get("code") is not None else None
    if isinstance(error, str):
        return error
    if system == "channeladvisor" and status == 401:
        return "Unauthorized"
    return None


def system_of_path(systems: dict[str, Any], path: str) -> str:
    """The system whose URL space ``path`` is in (``sim`` for the control plane, ``-`` for none)."""
    if path == "/_sim" or path.startswith("/_sim/"):
        return "sim"
    return next((name for name, system in systems.items() if system.owns_path(path)), "-")
