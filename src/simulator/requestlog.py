"""``tts-sim serve --log``: one line per request (virtual time, system, method, path, status, vendor code).

A WSGI middleware around the whole app, so every vendor and the control plane log the same way.
For a TikTok 106001 the line also carries the string-to-sign the mock expected, read from that
request's journal entry (a simulator-only aid: the real gateway never tells).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable
from typing import IO, Any

import orjson

from simulator.vendors import system_of_path, vendor_code
from simulator.web import HOLDER_KEY

EXPECTED_KEY = "sim_expected_string_to_sign"


class RequestLog:
    """Wrap ``app``; ``holder`` gives the world being served (``holder.world``; swapped by a reset)."""

    def __init__(self, app: Any, holder: Any, stream: IO[str] | None = None) -> None:
        self.app = app
        self.holder = holder
        self.stream = stream
        self._write = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        world = self.holder.world
        with world.lock:
            at, seq = world.clock.now(), world.journal.last_seq
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        routed = environ.get(HOLDER_KEY)  # the world router's choice: /w/{id}/... is another world's request
        if routed is not None and routed.world is not world:
            world = routed.world
            with world.lock:
                at, seq = world.clock.now(), max(0, world.journal.last_seq - 64)
        path = environ.get("PATH_INFO") or "/"
        system = system_of_path(world.systems, path)
        code = vendor_code(system, answer.get("status", 0), body)
        expected = self._expected(world, seq, body) if system == "tiktok" and code == "106001" else None
        self.emit(format_line(at.strftime("%Y-%m-%dT%H:%M:%SZ"), system, environ.get("REQUEST_METHOD", "-"),
                              environ.get("SCRIPT_NAME", "") + path, answer.get("status", 0), code, expected))
        return [body]

    def _expected(self, world: Any, seq: int, body: bytes) -> str | None:
        request_id = orjson.loads(body).get("request_id")
        with world.lock:
            for entry in world.journal.entries(since=seq, kind="tiktok.request"):
                if entry.data.get("request_id") == request_id:
                    value = entry.data.get(EXPECTED_KEY)
                    return str(value) if value is not None else None
        return None

    def emit(self, line: str) -> None:
        """Write one line (whole, even with several server threads)."""
        stream = self.stream or sys.stdout
        with self._write:
            stream.write(line + "\n")
            stream.flush()


def format_line(at: str, system: str, method: str, path: str, status: int, code: str | None,
                expected: str | None = None) -> str:
    """``2026-11-02T10:00:00Z tiktok GET /order/202309/orders 400 106001 [expected string-to-sign ...]``."""
    line = f"{at} {system:<14} {method:<6} {path} {status} {code if code is not None else '-'}"
    if expected is not None:
        line += f" (simulator aid) expected string-to-sign: {json.dumps(expected, ensure_ascii=False)}"
    return line
