"""Webhook faults at the sender: drop, duplicate, delay (virtual seconds) or reorder a notification before it goes out.

Sits where the dispatcher routes every new notification (``WebhookDispatcher.route``); retries of a
notification are not routed again, so a fault hits its first delivery only. A rule's ``match.path``
is matched against the receiver's address, ``match.shop_id`` against the notification's shop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.clock import Timer
    from simulator.tiktok_shop.webhooks import Delivery, WebhookDispatcher

REORDER_WAIT = timedelta(seconds=60)  # a held notification goes out then if no later one overtook it


class WebhookFaults:
    """``route(delivery)`` for a dispatcher: hand it over, or apply the first webhook fault that fires."""

    def __init__(self, dispatcher: WebhookDispatcher, hand_over: Callable[[Delivery], None]) -> None:
        self.dispatcher = dispatcher
        self.hand_over = hand_over
        self._held: list[tuple[Delivery, Timer]] = []

    def __call__(self, delivery: Delivery) -> None:
        world = self.dispatcher.world
        rule = world.faults.decide("tiktok", "POST", delivery.address, delivery.shop_id, webhook=True) \
            if world.faults.active("tiktok") else None
        kind = rule.type if rule is not None else None
        if kind == "webhook_drop":
            world.journal.record("webhook.dropped", notification_id=delivery.notification_id, type=delivery.type,
                                 order_id=delivery.order_id, shop_id=delivery.shop_id, address=delivery.address,
                                 attempts=0, next_attempt_at=None, reason="fault")
        elif kind == "webhook_delay":
            assert rule is not None
            world.clock.schedule_in(timedelta(seconds=rule.fault["seconds"]), lambda: self.hand_over(delivery),
                                    kind="fault.webhook_delay", key=delivery.notification_id)
        elif kind == "webhook_reorder":
            timer = world.clock.schedule_in(REORDER_WAIT, lambda: self._release(delivery), kind="fault.webhook_reorder",
                                            key=delivery.notification_id)
            self._held.append((delivery, timer))
            return  # a held notification does not release earlier held ones: they keep their order
        else:
            self.hand_over(delivery)
            if kind == "webhook_duplicate":
                self.hand_over(dataclasses.replace(delivery))  # the same notification id, as a real duplicate has
        self._release_all()

    def _release(self, delivery: Delivery) -> None:
        for held in [h for h in self._held if h[0] is delivery]:
            self._held.remove(held)
            self.hand_over(delivery)

    def _release_all(self) -> None:
        """Notifications held for reordering go out after the one that just overtook them."""
        held, self._held = self._held, []
        for delivery, timer in held:
            self.dispatcher.world.clock.cancel(timer)
            self.hand_over(delivery)
