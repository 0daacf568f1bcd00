"""The seller's OMS as the platforms reach it: a webhook receiver (NOTE-2) and an order-status endpoint (FUL-4 pull).

The receiver is a real HTTP server on 127.0.0.1 (TikTok's webhook sender posts over the network), started
only when a scenario subscribes. It checks every signature as a partner would, from the API doc
(hex HMAC-SHA256 with the app secret over app key + raw body), notes the virtual instant of each
attempt, and answers with the statuses the scenario scripted (then 200). The status endpoint is served
in-process to SFCC's pull job.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from simulator.world import World

PULL_BASE = "https://oms.tts-sim.invalid"  # never resolved: mounted in-process on the SFCC instance


class OmsEndpoint:
    """One scenario's OMS: what it received and what it answers."""

    def __init__(self, world: World, app_key: str, app_secret: str) -> None:
        self.world = world
        self.app_key, self.app_secret = app_key, app_secret
        self.received: list[dict[str, Any]] = []  # every webhook POST, in arrival order
        self.answers: deque[int] = deque()
        self.statuses: dict[str, dict[str, Any]] = {}  # SFCC order_no -> the row the pull job gets
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._pull_mounted = False

    # -- webhooks ---------------------------------------------------------------------------------
    def webhook_url(self, answers: Iterable[int] = ()) -> str:
        """The receiver's address (started on first use); ``answers`` script the next statuses."""
        with self._lock:
            self.answers.extend(answers)
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self._receive))
            self._server.daemon_threads = True
            threading.Thread(target=self._server.serve_forever, args=(0.05,), name="tts-sim-oms", daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_port}/webhooks"

    def _receive(self, body: bytes, authorization: str | None) -> int:
        expected = hmac.new(self.app_secret.encode(), self.app_key.encode() + body, hashlib.sha256).hexdigest()
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        with self._lock:
            status = self.answers.popleft() if self.answers else 200
            # The world's advance waits at this instant until the attempt is answered: now is its time.
            self.received.append({"at": self.world.clock.now(), "payload": payload, "status": status,
                                  "signature_valid": hmac.compare_digest(expected, authorization or "")})
        return status

    def notifications(self, order_id: str | None) -> list[dict[str, Any]]:
        """Webhooks received for an order (all when None), one per ``tts_notification_id``, attempts folded in."""
        grouped: dict[str, dict[str, Any]] = {}
        with self._lock:
            received = list(self.received)
        for attempt in received:
            payload = attempt["payload"]
            data = payload.get("data") or {}
            orders = {data.get("order_id")} | {o for p in data.get("package_list") or [] for o in p.get("order_id_list")}
            if order_id is not None and order_id not in orders:
                continue
            hook = grouped.setdefault(str(payload.get("tts_notification_id")), {
                "type": payload.get("type"), "order_status": data.get("order_status"),
                "cancel_status": data.get("cancel_status"), "return_status": data.get("return_status"),
                "notification_id": payload.get("tts_notification_id"),
                "signature": "valid", "attempts": 0, "times": [], "answered": []})
            hook["attempts"] += 1
            hook["times"].append(attempt["at"])
            hook["answered"].append(attempt["status"])
            if not attempt["signature_valid"]:
                hook["signature"] = "invalid"
        for hook in grouped.values():
            hook["at"] = hook["times"][0]
        return list(grouped.values())

    # -- FUL-4 pull ---------------------------------------------------------------------------------
    def pull_url(self, mount: Callable[[str, Any], None]) -> str:
        """The status URL SFCC's pull job calls (mounted on the instance on first use)."""
        if not self._pull_mounted:
            mount(PULL_BASE, self._status_app)
            self._pull_mounted = True
        return f"{PULL_BASE}/status"

    def _status_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        wanted = parse_qs(environ.get("QUERY_STRING", "")).get("order_no", [""])[0].split(",")
        with self._lock:
            rows = [self.statuses[n] for n in wanted if n in self.statuses]
        body = json.dumps({"orders": rows}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def close(self) -> None:
        """Stop the receiver (idempotent)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _handler(receive: Callable[[bytes, str | None], int]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = receive(body, self.headers.get("Authorization"))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            """Quiet: the scenario report shows every attempt."""

    return Handler
