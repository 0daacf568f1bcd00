"""A webhook collector for tests: a loopback receiver subscribed to a shop, verifying every signature (NOTE-2)."""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from simulator.testing.live import ThreadedServer
from simulator.tiktok_shop.signing import webhook_signature
from simulator.world import World

EVENTS = ("ORDER_STATUS_CHANGE", "PACKAGE_UPDATE", "CANCELLATION_STATUS_CHANGE")  # webhook types 1, 4, 11


@dataclass(frozen=True)
class Webhook:
    """One POST the mock delivered: the parsed notification, its raw body and whether its signature held."""

    type: int
    notification_id: str
    shop_id: str
    timestamp: int
    data: dict[str, Any]
    body: bytes
    authorization: str
    verified: bool

    @property
    def order_id(self) -> str | None:
        """``data.order_id`` (types 1 and 11), or the first package's order (type 4)."""
        if "order_id" in self.data:
            return str(self.data["order_id"])
        packages = self.data.get("package_list") or []
        return str(packages[0]["order_id_list"][0]) if packages else None


class WebhookCollector(ThreadedServer):
    """Receives the world's webhooks on ``127.0.0.1:<free port>`` and records them, signatures checked.

    :meth:`subscribe` registers the receiver for a shop (the fixture subscribes the test's shop to
    order status, package and cancellation webhooks). Webhooks are delivered synchronously
    in-process: once an API call or ``world.advance`` returns, what it caused has arrived.
    ``statuses`` are answered in turn (then 200), to make the mock retry.
    """

    def __init__(self, world: World, *, app_key: str | None = None) -> None:
        self.world = world
        apps = world.control.credentials()["tiktok"]["apps"]
        self._secrets = {a["app_key"]: a["app_secret"] for a in apps}
        self.app_key = app_key or apps[0]["app_key"]
        self.statuses: list[int] = []
        self._received: list[Webhook] = []
        self._lock = threading.Lock()
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        server.daemon_threads = True
        super().__init__(server, "tts-sim-webhook-collector")
        self.url = f"http://127.0.0.1:{server.server_port}/tts-sim/webhooks"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = collector._record(body, self.headers.get("Authorization") or "")
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the journal records every attempt."""

        return Handler

    def _record(self, body: bytes, authorization: str) -> int:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        secret = self._secrets.get(self.app_key, "")
        expected = webhook_signature(self.app_key, secret, body)
        hook = Webhook(type=int(payload.get("type", 0)), notification_id=str(payload.get("tts_notification_id", "")),
                       shop_id=str(payload.get("shop_id", "")), timestamp=int(payload.get("timestamp", 0)),
                       data=payload.get("data") or {}, body=body, authorization=authorization,
                       verified=hmac.compare_digest(expected, authorization))
        with self._lock:
            self._received.append(hook)
            return self.statuses.pop(0) if self.statuses else 200

    def subscribe(self, shop_id: str, events: Iterable[str] = EVENTS) -> None:
        """Register this receiver for ``events`` of ``shop_id`` (what Update Shop Webhook does)."""
        webhooks = self.world.systems["tiktok"].webhooks
        with self.world.lock:
            for event in events:
                webhooks.subscribe(self.app_key, shop_id, event, self.url, strict=False)

    # -- reading ---------------------------------------------------------------------------------
    def received(self, type: int | None = None, *, order_id: str | None = None) -> list[Webhook]:
        """Webhooks received so far (each retry counts), optionally of one ``type`` / order."""
        with self._lock:
            hooks = list(self._received)
        return [h for h in hooks if (type is None or h.type == type) and (order_id is None or h.order_id == order_id)]

    def order_statuses(self, order_id: str) -> list[str]:
        """The ``order_status`` of every type-1 webhook for ``order_id``, in arrival order."""
        return [h.data["order_status"] for h in self.received(1, order_id=order_id)]

    def assert_verified(self) -> None:
        """AssertionError naming every webhook whose ``Authorization`` is not HMAC(app_key + body)."""
        bad = [h.notification_id for h in self.received() if not h.verified]
        if bad:
            raise AssertionError(f"webhook signature mismatch for notification(s) {', '.join(bad)}")

    def clear(self) -> None:
        """Forget what was received."""
        with self._lock:
            self._received.clear()
