"""The hot vendor routes without Flask's per-request machinery: a WSGI layer that answers them from the environ.

Flask owns every route: this layer serves only endpoints a blueprint marked with :func:`set_fast`, on
their exact static path and declared methods (so ``HEAD``, ``OPTIONS``, a trailing slash, a
lower-case method and every path with variables go to Flask, which answers them as before). A
marked endpoint's fast handler runs the same code as its Flask view (the vendor's input layer,
input checks: faults and ``--validate``, gateway, backend, envelope and journal entry); what it
skips is the request and app contexts, URL matching, the request/response objects and signals.

It sits inside the world router (``/w/{id}`` selection, the durable log, latency and reset faults)
and inside ``--log``, so those see both paths alike. ``TTS_SIM_FAST_PATH=0`` (or
``create_app(fast_path=False)``) turns it off; tests/test_fastpath.py proves both paths answer
byte for byte alike (the fuzz families over every fast route included), and tests/tiktok_shop runs
through both.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from werkzeug.http import HTTP_STATUS_CODES

from simulator.inbound import RESPONSE_HEADERS_KEY, Check, checks_of
from simulator.web import HOLDER_KEY

if TYPE_CHECKING:
    from flask import Flask

    from simulator.world import World

ENV = "TTS_SIM_FAST_PATH"
FAST_ATTR = "tts_sim_fast"
Headers = list[tuple[str, str]]
# (environ, world, input checks) -> (status, headers before Content-Length, body)
FastHandler = Callable[[dict[str, Any], "World", list[Check]], tuple[int, Headers, bytes]]
WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def enabled(flag: bool | None = None) -> bool:
    """``flag`` if given, else the ``TTS_SIM_FAST_PATH`` environment (on unless ``0``)."""
    return flag if flag is not None else os.environ.get(ENV, "1") != "0"


def set_fast(endpoint: Callable[..., Any], handler: FastHandler) -> None:
    """Mark a Flask view function as served by ``handler`` on its static paths."""
    setattr(endpoint, FAST_ATTR, handler)


@cache
def status_line(code: int) -> str:
    """The status line werkzeug writes for ``code`` (``200 OK``, ``401 UNAUTHORIZED``)."""
    reason = HTTP_STATUS_CODES.get(code)
    return f"{code} {reason.upper()}" if reason else f"{code} UNKNOWN"


def query_bytes(environ: dict[str, Any]) -> bytes:
    """The raw query string, as ``request.query_string``."""
    return str(environ.get("QUERY_STRING", "")).encode("latin1")


def script_root(environ: dict[str, Any]) -> str:
    """The mount prefix (``/w/{world_id}``), as ``request.script_root``."""
    name = environ.get("SCRIPT_NAME")
    if not name:  # the default world: most requests
        return ""
    return str(name).encode("latin1").decode(errors="replace").rstrip("/")


class FastPath:
    """``inner`` (Flask's own ``wsgi_app``) with the marked static routes of ``app`` answered first."""

    def __init__(self, inner: WSGI, app: Flask) -> None:
        self.inner = inner
        self.app = app
        self._table: dict[tuple[str, str], FastHandler] | None = None

    def table(self) -> dict[tuple[str, str], FastHandler]:
        """``(method, path) -> handler``, built on the first request (every blueprint is registered by then)."""
        if self._table is None:
            table: dict[tuple[str, str], FastHandler] = {}
            for rule in self.app.url_map.iter_rules():
                handler = getattr(self.app.view_functions.get(rule.endpoint), FAST_ATTR, None)
                if handler is None or rule.arguments or rule.host or rule.subdomain:
                    continue
                for method in rule.methods or ():
                    if method not in ("HEAD", "OPTIONS"):  # Flask's own answers for those
                        table[(method, rule.rule)] = handler
            self._table = table
        return self._table

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        table = self._table if self._table is not None else self.table()
        handler = table.get((environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")))
        if handler is None:
            return self.inner(environ, start_response)
        holder = environ.get(HOLDER_KEY) or self.app.extensions["tts_sim"]
        status, headers, body = handler(environ, holder.world, checks_of(self.app))
        length = ("Content-Length", str(len(body)))
        extra = environ.get(RESPONSE_HEADERS_KEY)  # answer_headers(environ), read only when a check added some
        start_response(status_line(status), [*headers, length, *extra] if extra else [*headers, length])
        return [body]
