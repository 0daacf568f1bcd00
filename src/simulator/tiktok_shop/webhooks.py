"""Seller webhooks (types 1, 4, 11): subscriptions, signed notifications and an out-of-lock dispatcher (NOTE-2).

Deliveries are queued under the world lock and POSTed outside it: by a background thread under
``tts-sim serve`` (``dispatch: thread``), or synchronously by :meth:`WebhookDispatcher.drain` right
after an operation releases the lock (in-process, ``dispatch: sync``). A failed attempt (non-200,
timeout, connection error) is retried on the profile's ``webhook_retry_schedule`` as a timer on
the world clock; every attempt is journaled as ``webhook.attempt``.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from simulator.engine.events import CancellationChanged, EngineEvent, OrderPlaced, OrderStatusChanged
from simulator.tiktok_shop.errors import InvalidParameter
from simulator.tiktok_shop.signing import webhook_signature

if TYPE_CHECKING:
    from simulator.tiktok_shop.backend import TikTokBackend

EVENT_TYPES = {  # Update Shop Webhook event_type name -> webhook type number (API doc section 6)
    "ORDER_STATUS_CHANGE": 1, "REVERSE_STATUS_UPDATE": 2, "RECIPIENT_ADDRESS_UPDATE": 3, "PACKAGE_UPDATE": 4,
    "PRODUCT_STATUS_CHANGE": 5, "SELLER_DEAUTHORIZATION": 6, "UPCOMING_AUTHORIZATION_EXPIRATION": 7,
    "CANCELLATION_STATUS_CHANGE": 11, "RETURN_STATUS_CHANGE": 12, "NEW_CONVERSATION": 13, "NEW_MESSAGE": 14,
    "PRODUCT_INFORMATION_CHANGE": 15, "PRODUCT_CREATION": 16, "INVOICE_STATUS_CHANGE": 36,
}


@dataclass
class Subscription:
    """One (app, shop, event_type) -> address registration."""

    app_key: str
    shop_id: str
    event_type: str
    address: str
    create_time: datetime
    update_time: datetime


@dataclass
class Delivery:
    """A signed notification for one address; ``attempts`` counts POSTs made so far."""

    notification_id: str
    type: int
    shop_id: str
    order_id: str
    app_key: str
    address: str
    body: bytes
    signature: str
    timeout: float
    attempts: int = 0


def check_address(address: str, *, strict: bool) -> None:
    """Default: any http(s) URL with a host. Strict: TikTok's rule, an HTTPS domain without IP or port."""
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameter("Invalid request parameter. 'address' must be an http(s) URL.")
    if strict:
        host = parts.hostname
        is_ip = host.replace(".", "").isdigit() or ":" in host
        if parts.scheme != "https" or is_ip or parts.port is not None:
            raise InvalidParameter("Invalid request parameter. 'address' must be an HTTPS domain URL "
                                   "without IP address or port.")


class WebhookDispatcher:
    """Builds notifications from engine events and delivers them outside the world lock."""

    def __init__(self, backend: TikTokBackend, *, mode: str = "sync") -> None:
        self.backend = backend
        self.world = backend.world
        self.mode = mode
        self.subscriptions: dict[tuple[str, str, str], Subscription] = {}
        self.outbox: deque[Delivery] = deque()
        self.session = requests.Session()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if mode == "thread":
            self._thread = threading.Thread(target=self._run, name="tts-sim-webhooks", daemon=True)
            self._thread.start()
            self.world.on_close(self.stop)

    # -- subscriptions (called under the world lock) ---------------------------------------------
    def subscribe(self, app_key: str, shop_id: str, event_type: str, address: str, *, strict: bool) -> None:
        """Update Shop Webhook: create or replace the address of one event type."""
        if event_type not in EVENT_TYPES:
            raise InvalidParameter(f"Invalid request parameter. Unknown 'event_type' {event_type!r}.")
        check_address(address, strict=strict)
        now = self.world.clock.now()
        key = (app_key, shop_id, event_type)
        old = self.subscriptions.get(key)
        self.subscriptions[key] = Subscription(app_key, shop_id, event_type, address,
                                               old.create_time if old else now, now)

    def unsubscribe(self, app_key: str, shop_id: str, event_type: str) -> None:
        """Delete Shop Webhook (always succeeds)."""
        self.subscriptions.pop((app_key, shop_id, event_type), None)

    def listed(self, app_key: str, shop_id: str) -> list[Subscription]:
        """Get Shop Webhooks."""
        return [s for (a, shop, _), s in self.subscriptions.items() if a == app_key and shop == shop_id]

    # -- building (engine subscriber, under the lock) --------------------------------------------
    def on_event(self, event: EngineEvent) -> None:
        """Turn order (1), split package (4) and cancellation (11) events into queued deliveries."""
        built = self._payload(event)
        if built is None:
            return
        kind, data = built
        order = self.backend.engine.orders.get(event.order_id)
        if order is None:
            return
        name = next(n for n, number in EVENT_TYPES.items() if number == kind)
        for (app_key, shop_id, event_type), sub in self.subscriptions.items():
            if shop_id == order.shop_id and event_type == name:
                self._enqueue(app_key, sub.address, kind, order.shop_id, order.id, order.profile, data)

    def _payload(self, event: EngineEvent) -> tuple[int, dict[str, Any]] | None:
        when = int(event.at.timestamp())
        if isinstance(event, OrderStatusChanged):
            status = event.new
            if status == "CANCELLED":  # the webhook doc lists CANCEL (UNCERTAIN); configurable
                status = self.backend.settings["webhook_cancelled_status"]
            order = self.backend.engine.orders[event.order_id]
            return 1, {"order_id": event.order_id, "order_status": status,
                       "is_on_hold_order": order.is_on_hold_order, "update_time": when}
        if isinstance(event, CancellationChanged):
            cancellation = self.backend.engine.cancellations[event.cancel_id]
            return 11, {"order_id": event.order_id, "cancellations_role": event.role,
                        "cancel_status": self.backend.serializer.cancel_status(cancellation.status),
                        "cancel_id": event.cancel_id, "create_time": int(cancellation.create_time.timestamp())}
        if isinstance(event, OrderPlaced):
            order = self.backend.engine.orders[event.order_id]
            if len(order.package_ids) > 1:  # the platform split the order into packages
                return 4, {"sc_type": "SPLIT", "role_type": "ROLE_SYSTEM", "update_time": when,
                           "package_list": [{"package_id": p, "order_id_list": [order.id]}
                                            for p in order.package_ids]}
        return None

    def _enqueue(self, app_key: str, address: str, kind: int, shop_id: str, order_id: str, profile: str,
                 data: dict[str, Any]) -> None:
        app = self.backend.catalog.apps[app_key]
        notification_id = self.world.ids.next("notification")
        envelope = {"type": kind, "tts_notification_id": notification_id, "shop_id": shop_id,
                    "timestamp": self.world.clock.timestamp(), "data": data}
        body = json.dumps(envelope, separators=(",", ":")).encode()
        delivery = Delivery(notification_id, kind, shop_id, order_id, app_key, address, body,
                            webhook_signature(app_key, app.app_secret, body),
                            self.world.rules[profile].webhook_timeout_seconds)
        self.world.journal.record("webhook.queued", notification_id=notification_id, type=kind,
                                  order_id=order_id, address=address)
        self.outbox.append(delivery)
        self._wake.set()

    # -- sending (outside the lock) --------------------------------------------------------------
    def drain(self) -> int:
        """Send every queued delivery now (sync mode); a no-op inside the world lock or in thread mode."""
        if not self.outbox or self.mode != "sync" or self.world.holds_lock():
            return 0  # the unlocked emptiness check is only a fast path; the loop re-checks under the lock
        sent = 0
        while True:
            with self.world.lock:
                if not self.outbox:
                    return sent
                delivery = self.outbox.popleft()
            self._attempt(delivery)
            sent += 1

    def _attempt(self, delivery: Delivery) -> None:
        status, error = 0, ""
        try:
            answer = self.session.post(
                delivery.address, data=delivery.body, timeout=delivery.timeout,
                headers={"Content-Type": "application/json", "Authorization": delivery.signature},
            )
            status = answer.status_code
        except requests.RequestException as exc:
            error = type(exc).__name__
        with self.world.lock:
            self._settle(delivery, status, error)

    def _settle(self, delivery: Delivery, status: int, error: str) -> None:
        delivery.attempts += 1
        ok = status == 200
        self.world.journal.record(
            "webhook.attempt", notification_id=delivery.notification_id, type=delivery.type,
            order_id=delivery.order_id, shop_id=delivery.shop_id, address=delivery.address,
            attempt=delivery.attempts, status=status, ok=ok, error=error or None,
        )
        if ok:
            return
        order = self.backend.engine.orders.get(delivery.order_id)
        schedule = self.world.rules[order.profile if order else "direct"].webhook_retry_schedule
        if delivery.attempts > len(schedule):
            self.world.journal.record("webhook.gave_up", notification_id=delivery.notification_id,
                                      order_id=delivery.order_id, attempts=delivery.attempts)
            return
        self.world.clock.schedule_in(schedule[delivery.attempts - 1], lambda: self._retry(delivery),
                                     kind="webhook.retry", key=delivery.notification_id)

    def _retry(self, delivery: Delivery) -> None:
        self.outbox.append(delivery)
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.5)
            self._wake.clear()
            while not self._stop.is_set():
                with self.world.lock:
                    delivery = self.outbox.popleft() if self.outbox else None
                if delivery is None:
                    break
                self._attempt(delivery)

    def stop(self) -> None:
        """Stop the background sender (thread mode)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.session.close()

