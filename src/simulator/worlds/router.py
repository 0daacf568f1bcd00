"""The WSGI middleware in front of every app: picks a request's world and, for durable worlds, logs it before answering.

``/w/{world_id}/rest`` is served as ``/rest`` of that world (``SCRIPT_NAME`` carries the prefix, so
links the mocks build, e.g. ChannelAdvisor's ``@odata.nextLink``, keep it); an ``X-TTS-Sim-World``
header selects a world too; anything else goes to the default world, unchanged. Vendor blueprints
never see the prefix: they ask :func:`simulator.web.current_world`.

For a durable world, a request that can change it is applied under the world lock and logged
(:meth:`simulator.worlds.recorder.Recorder.http`) before its answer leaves, so an acknowledged
change survives ``kill -9``. Its body is read here first, bounded by what the world's systems
accept, so a slow upload never holds the lock. Not logged: control-plane reads (``GET /_sim/...``)
and the calls that log themselves (``/_sim/clock/advance`` moves the clock in logged steps, so
webhooks still go out at their own instants; ``/_sim/reset`` and ``/_sim/worlds`` are registry calls).
Injected ``latency`` waits, and ``reset`` drops the connection, after the world lock is released.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from simulator.clock import wall_monotonic, wall_sleep
from simulator.faults.inbound import marks
from simulator.web import HOLDER_KEY
from simulator.worlds.params import DEFAULT_ID
from simulator.worlds.registry import REPLAY_KEY, WSGI, Slot, WorldRefused, WorldRegistry
from simulator.worlds.store import StorageError

HEADER = "HTTP_X_TTS_SIM_WORLD"
RECORDED = ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
            "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "wsgi.url_scheme", "wsgi.input_terminated")
SELF_LOGGED = ("/_sim/clock/advance", "/_sim/reset", "/_sim/worlds")
READ_CHUNK = 64 * 1024
Captured = tuple[str, list[tuple[str, str]], bytes]


def _json(start_response: Callable[..., Any], status: int, slug: str, message: str) -> list[bytes]:
    body = orjson.dumps({"error": slug, "message": message})
    reason = {404: "NOT FOUND", 409: "CONFLICT", 410: "GONE", 503: "SERVICE UNAVAILABLE"}.get(status, "ERROR")
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def logged(method: str, path: str) -> bool:
    """Does this request go into a durable world's log?"""
    if path == "/_sim" or path.startswith("/_sim/"):
        if method in ("GET", "HEAD"):
            return False
        return not any(path == p or path.startswith(p + "/") for p in SELF_LOGGED)
    return True


def read_body(environ: dict[str, Any], cap: int) -> bytes:
    """The request body, at most ``cap`` bytes (an announced larger body is left unread for the app to refuse);
    ``wsgi.input`` becomes the bytes read, so the app and a replay decode the same request."""
    stream = environ.get("wsgi.input")
    length_text = environ.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() or environ.get("wsgi.input_terminated")
    if length_text.isdigit():
        want = int(length_text)
        if want > cap:
            want = 0  # refused by Content-Length before a byte is read, as without the router
    elif chunked:
        want, environ["wsgi.input_terminated"] = cap, True
    else:
        want = 0
    parts: list[bytes] = []
    got = 0
    while stream is not None and got < want:
        try:
            part = stream.read(min(READ_CHUNK, want - got))
        except OSError:
            break  # the client went away: the app sees a short body and answers as it would
        if not part:
            break
        parts.append(part)
        got += len(part)
    body = b"".join(parts)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def call(app: WSGI, environ: dict[str, Any]) -> Captured:
    """Run ``app`` and keep its whole answer (sent only after the world lock is released)."""
    answer: dict[str, Any] = {}
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        answer["status"], answer["headers"] = status, headers
        return written.append

    result = app(environ, start_response)
    try:
        body = b"".join([*written, *result])
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return answer["status"], answer["headers"], body


def _reset(body: bytes) -> Iterable[bytes]:
    """An answer cut short: half its body, then the connection is dropped (servers close it on a failing body)."""
    yield body[: len(body) // 2] or b"{"
    raise ConnectionResetError("injected fault: connection reset")


class WorldRouter:
    """``app.wsgi_app`` wrapped: world selection, the durable log, latency and reset faults."""

    def __init__(self, inner: WSGI, registry: WorldRegistry) -> None:
        self.inner = inner
        self.registry = registry

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        replayed = environ.get(REPLAY_KEY)
        if replayed is not None:  # a command from a log: the world is given, nothing is logged again
            environ[HOLDER_KEY] = replayed
            return self.inner(environ, start_response)
        self.registry.sweep()
        try:
            slot = self._select(environ)
        except WorldRefused as refused:
            return _json(start_response, refused.status, refused.slug, refused.message)
        environ[HOLDER_KEY] = slot.holder
        slot.touched = wall_monotonic()
        if slot.broken is not None:
            return _json(start_response, 503, "world_unavailable", f"world {slot.world_id} is unavailable: {slot.broken}")
        recorder, world = slot.recorder, slot.world
        if recorder is None or not logged(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")):
            if not world.faults.rules:
                return self.inner(environ, start_response)
            return self._send(environ, start_response, call(self.inner, environ))
        body = read_body(environ, slot.body_cap)
        env = {k: environ[k] for k in environ if k in RECORDED or k.startswith("HTTP_")}
        try:
            with world.lock:
                if recorder.active or recorder.closed or recorder.world is not world:  # nested, or reset meanwhile
                    answer = call(self.inner, environ)
                else:
                    answer = recorder.http(env, body, lambda: call(self.inner, environ))
        except StorageError as exc:
            slot.broken = f"its log could not be written ({exc}); restart the server"
            return _json(start_response, 503, "storage_failed", f"the change was not saved: {exc}")
        return self._send(environ, start_response, answer)

    def _select(self, environ: dict[str, Any]) -> Slot:
        path: str = environ.get("PATH_INFO") or ""
        if path.startswith("/w/"):
            world_id, slash, rest = path[3:].partition("/")
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/w/" + world_id
            environ["PATH_INFO"] = slash + rest
            return self.registry.get(world_id)
        named = environ.get(HEADER)
        return self.registry.get(named) if named else self.registry.get(DEFAULT_ID)

    @staticmethod
    def _send(environ: dict[str, Any], start_response: Callable[..., Any], answer: Captured) -> Iterable[bytes]:
        latency_ms, reset = marks(environ)
        wall_sleep(latency_ms / 1000)
        status, headers, body = answer
        if reset:
            start_response(status, [(k, v) for k, v in headers if k.lower() != "content-length"]
                           + [("Content-Length", str(len(body) + 1))])
            return _reset(body)
        start_response(status, headers)
        return [body]
