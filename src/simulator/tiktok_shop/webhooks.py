"""Seller webhooks (types 1, 4, 11, 12): subscriptions, signed notifications, and delivery in virtual time (NOTE-2).

A notification is queued under the world lock and handed at once to the sender of its address
(:class:`simulator.delivery.Lanes`: one thread per receiver, so receivers never wait for each
other). Each attempt has one total deadline (connect + whole answer, the profile's
``webhook_timeout_seconds``); a non-200, an error or the deadline is retried on the profile's
``webhook_retry_schedule``, counted from the virtual instant of the attempt.

Attempts happen at their own virtual instants whatever the advance granularity: the world's
advance stops at every instant that has deliveries in flight and waits for them (outside the
lock) before time moves on (:meth:`WebhookDispatcher.settle`). Results are journaled in the order
the deliveries were handed over, never in the order receivers answered, so a seeded world's
journal stays the same run after run. ``dispatch: sync`` (in-process) also makes each request
wait for the deliveries it queued (:meth:`WebhookDispatcher.drain`); ``dispatch: thread``
(``tts-sim serve``) answers at once. Closing the world journals every delivery it drops.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from simulator import delivery as outbound
from simulator.engine.events import (
    CancellationChanged,
    EngineEvent,
    OrderPlaced,
    OrderStatusChanged,
    PackagesChanged,
    ReturnChanged,
)
from simulator.engine.states import CancelStatus
from simulator.faults.webhooks import WebhookFaults
from simulator.tiktok_shop.errors import InvalidParameter
from simulator.tiktok_shop.signing import webhook_signature

if TYPE_CHECKING:
    from simulator.clock import Timer
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


@dataclass(eq=False)
class Delivery:
    """A signed notification for one address; ``attempts`` counts POSTs settled so far.

    While handed over: ``due`` is the virtual instant of the current attempt, ``batch`` the
    operation that queued it, ``awaited`` whether that operation waits for it (sync mode, and only
    when no other operation's delivery is ahead of it at the same receiver), ``result`` the
    attempt's ``(status, error)`` once the receiver answered.
    """

    notification_id: str
    type: int
    shop_id: str
    order_id: str
    app_key: str
    address: str
    body: bytes
    signature: str
    timeout: float
    profile: str
    attempts: int = 0
    due: datetime | None = None
    batch: int = 0
    awaited: bool = False
    result: tuple[int, str] | None = field(default=None, repr=False)


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
    """Builds notifications from engine events and delivers them through per-receiver senders."""

    def __init__(self, backend: TikTokBackend, *, mode: str = "sync") -> None:
        self.backend = backend
        self.world = backend.world
        self.mode = mode
        self.subscriptions: dict[tuple[str, str, str], Subscription] = {}
        self._handed: deque[Delivery] = deque()  # handed to a sender, not yet journaled (handover order)
        self._retries: dict[str, tuple[Delivery, Timer]] = {}
        self._answered = threading.Condition(self.world.lock)
        self._lanes: outbound.Lanes[Delivery] | _HeldLanes = outbound.Lanes(self._send, name="tts-sim-webhooks")
        self._live_lanes: outbound.Lanes[Delivery] | _HeldLanes | None = None
        self.post = outbound.post  # the transport: tests may answer without a network
        self.route: Callable[[Delivery], None] = WebhookFaults(self, self._hand_over)  # every new notification
        self._batches = itertools.count(1)
        self._local = threading.local()
        self._closed = False
        self.world.add_outbox(self.pending, self.settle)
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
        """Turn order (1), split package (4), cancellation (11) and return (12) events into queued deliveries."""
        if not self.subscriptions:  # no receiver: nothing to build (most worlds, most of the time)
            return
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
                        # The status of this change, not the cancellation's latest: events are flushed after
                        # the operation, and an approval moves PENDING -> SUCCESS -> COMPLETE in one.
                        "cancel_status": self.backend.serializer.cancel_status(CancelStatus(event.new)),
                        "cancel_id": event.cancel_id, "create_time": int(cancellation.create_time.timestamp())}
        if isinstance(event, ReturnChanged):  # RET-5: the status of this change, as for type 11
            ret = self.backend.engine.returns[event.return_id]
            return 12, {"order_id": event.order_id, "return_role": event.role, "return_type": event.return_type,
                        "return_status": event.new, "return_id": event.return_id,
                        "create_time": int(ret.create_time.timestamp()), "update_time": when}
        if isinstance(event, PackagesChanged):  # PKG-1 split, CAN-L1 units cancelled out of packages
            return 4, {"sc_type": event.sc_type, "role_type": f"ROLE_{'USER' if event.role == 'BUYER' else event.role}",
                       "update_time": when,
                       "package_list": [{"package_id": p, "order_id_list": self._package_orders(p, event.order_id)}
                                        for p in event.package_ids]}
        if isinstance(event, OrderPlaced):
            order = self.backend.engine.orders[event.order_id]
            if len(order.package_ids) > 1:  # the platform split the order into packages
                return 4, {"sc_type": "SPLIT", "role_type": "ROLE_SYSTEM", "update_time": when,
                           "package_list": [{"package_id": p, "order_id_list": [order.id]}
                                            for p in order.package_ids]}
        return None

    def _package_orders(self, package_id: str, order_id: str) -> list[str]:
        """The orders a package holds units of (several once combined, PKG-2)."""
        package = self.backend.engine.packages.get(package_id)
        return list(package.order_ids) if package is not None else [order_id]

    def _enqueue(self, app_key: str, address: str, kind: int, shop_id: str, order_id: str, profile: str,
                 data: dict[str, Any]) -> None:
        app = self.backend.catalog.apps[app_key]
        notification_id = self.world.ids.next("notification")
        envelope = {"type": kind, "tts_notification_id": notification_id, "shop_id": shop_id,
                    "timestamp": self.world.clock.timestamp(), "data": data}
        body = json.dumps(envelope, separators=(",", ":")).encode()
        delivery = Delivery(notification_id, kind, shop_id, order_id, app_key, address, body,
                            webhook_signature(app_key, app.app_secret, body),
                            self.world.rules[profile].webhook_timeout_seconds, profile)
        self.world.journal.record("webhook.queued", notification_id=notification_id, type=kind,
                                  order_id=order_id, address=address)
        self.route(delivery)

    # -- sending ---------------------------------------------------------------------------------
    def _hand_over(self, delivery: Delivery) -> None:
        """Start an attempt at the current virtual instant (callers hold the lock; re-entered to be sure)."""
        with self.world.lock:  # the sender journals under it, so appending after submit is safe
            if self._closed:
                self._drop(delivery, None)
                return
            delivery.due, delivery.result = self.world.clock.now(), None
            delivery.batch = self._batch()
            try:
                ahead = self._lanes.submit(delivery.address, delivery)
            except RuntimeError as exc:  # no sender thread: a failed attempt, retried on the schedule
                delivery.result = (0, type(exc).__name__)
                ahead = []
            self._handed.append(delivery)
            delivery.awaited = self.mode == "sync" and all(d.batch == delivery.batch for d in ahead)
            if delivery.result is not None:
                self._settle_answered()

    def _send(self, delivery: Delivery) -> None:
        """One POST (a sender thread, outside the lock); the answer is journaled in handover order."""
        try:
            result = self.post(delivery.address, delivery.body,
                                   {"Content-Type": "application/json", "Authorization": delivery.signature},
                                   delivery.timeout)
        except Exception as exc:  # never leave a handed-over delivery without a result (advances wait for it)
            result = (0, type(exc).__name__)
        with self._answered:
            self.answer(delivery, result)

    def answer(self, delivery: Delivery, result: tuple[int, str]) -> None:
        """Settle one attempt's answer (under the lock): the seam a durable world records and replays."""
        delivery.result = result
        self._settle_answered()

    def _settle_answered(self) -> None:
        while self._handed and self._handed[0].result is not None:
            self._settle(self._handed.popleft())
        self._answered.notify_all()

    def _settle(self, delivery: Delivery) -> None:
        assert delivery.result is not None and delivery.due is not None
        status, error = delivery.result
        delivery.attempts += 1
        ok = status == 200
        self.world.journal.record(
            "webhook.attempt", notification_id=delivery.notification_id, type=delivery.type,
            order_id=delivery.order_id, shop_id=delivery.shop_id, address=delivery.address,
            attempt=delivery.attempts, status=status, ok=ok, error=error or None,
        )
        if ok:
            return
        schedule = self.world.rules[delivery.profile].webhook_retry_schedule
        if delivery.attempts > len(schedule):
            self.world.journal.record("webhook.gave_up", notification_id=delivery.notification_id,
                                      order_id=delivery.order_id, attempts=delivery.attempts)
            return
        # Counted from the attempt's own instant: the clock has not moved since (advances wait).
        due = delivery.due + schedule[delivery.attempts - 1]
        if self._closed:
            self._drop(delivery, due)
            return
        timer = self.world.clock.schedule(due, lambda: self._retry(delivery), kind="webhook.retry",
                                          key=delivery.notification_id)
        self._retries[delivery.notification_id] = (delivery, timer)

    def _retry(self, delivery: Delivery) -> None:
        self._retries.pop(delivery.notification_id, None)
        self._hand_over(delivery)

    def _batch(self) -> int:
        batch: int | None = getattr(self._local, "batch", None)
        if batch is None:
            batch = self._local.batch = next(self._batches)
        return batch

    # -- replaying a durable world (simulator.worlds.recorder) -------------------------------------
    def hold(self) -> None:
        """Send nothing: handed deliveries wait for answers given through :meth:`answer` (a replayed log)."""
        if self._live_lanes is None:
            self._live_lanes, self._lanes = self._lanes, _HeldLanes()

    def release(self) -> None:
        """Send again; deliveries still unanswered (in flight when the process died) are sent now, in order."""
        if self._live_lanes is None:
            return
        with self.world.lock:
            self._lanes, self._live_lanes = self._live_lanes, None
            for delivery in [d for d in self._handed if d.result is None]:
                self._lanes.submit(delivery.address, delivery)

    def in_flight(self, notification_id: str, attempts: int) -> Delivery | None:
        """The handed, unanswered delivery of a notification after ``attempts`` settled attempts."""
        return next((d for d in self._handed if d.notification_id == notification_id and d.attempts == attempts
                     and d.result is None), None)

    # -- waiting (outside the lock) --------------------------------------------------------------
    def pending(self) -> bool:
        """True while a delivery is in flight or not yet journaled (asked under the lock)."""
        return bool(self._handed)

    def drain(self) -> None:
        """After an operation: in sync mode wait for the deliveries it queued; in thread mode return at once.

        A delivery queued behind another operation's delivery to the same receiver is not waited
        for (that receiver may be the caller, answering a webhook by calling this API); it is still
        sent before virtual time moves on.
        """
        if self.world.holds_lock():
            return
        if self.mode != "sync":  # nothing to wait for: the operation's batch (if it queued any) just ends
            self._local.batch = None
            return
        batch = self._batch()
        self._local.batch = None
        with self._answered:
            self._answered.wait_for(lambda: not any(
                d.batch == batch and d.awaited and d.result is None for d in self._handed))

    def settle(self) -> None:
        """Wait until every handed-over delivery is answered and journaled (an advance, at each instant)."""
        if self.world.holds_lock():
            return
        self._local.batch = None
        with self._answered:
            self._answered.wait_for(lambda: not self._handed)

    # -- shutdown --------------------------------------------------------------------------------
    def stop(self) -> None:
        """Deliver nothing more: journal every queued delivery and scheduled retry as dropped.

        Attempts already in flight finish (each within its deadline) and are journaled; a failed
        one is dropped instead of retried.
        """
        with self.world.lock:
            if self._closed:
                return
            self._closed = True
            for delivery, timer in sorted(self._retries.values(), key=lambda pair: pair[1].due):
                self.world.clock.cancel(timer)
                self._drop(delivery, timer.due)
            self._retries.clear()
            queued = set(map(id, self._lanes.cancel_queued()))
            for delivery in [d for d in self._handed if id(d) in queued]:
                self._handed.remove(delivery)
                self._drop(delivery, delivery.due)
            self._settle_answered()

    def _drop(self, delivery: Delivery, due: datetime | None) -> None:
        self.world.journal.record(
            "webhook.dropped", notification_id=delivery.notification_id, type=delivery.type,
            order_id=delivery.order_id, shop_id=delivery.shop_id, address=delivery.address,
            attempts=delivery.attempts, next_attempt_at=due, reason="shutdown",
        )


class _HeldLanes:
    """Lanes that send nothing (replay: every answer comes from the log)."""

    def submit(self, key: str, job: Delivery) -> list[Delivery]:
        return []

    def cancel_queued(self) -> list[Delivery]:
        return []
