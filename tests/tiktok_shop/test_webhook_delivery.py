"""Webhook delivery under serve-like driving (NOTE-2): own virtual instants, independent receivers, a total deadline.

Each test runs a world configured as ``tts-sim serve`` configures it (``simulator.server.settings``:
wall-clock timestamps, ``dispatch: thread``) or the in-process ``sync`` mode, behind a real socket,
with real local receivers, and drives it over HTTP as a partner does: one large
``/_sim/clock/advance``, or the realtime clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import requests

from simulator.app import create_app
from simulator.clock import RealtimeTicker
from simulator.server import ENV, settings
from simulator.testing.live import LiveServer
from simulator.world import World
from tests.fixtures.receivers import HookReceiver, answer, hold_until, trickle
from tests.fixtures.serve import Served, assert_each_attempt_at_its_own_instant

pytestmark = pytest.mark.live


@contextmanager
def serving(dispatch: str = "thread", webhook_timeout: float | None = None) -> Iterator[tuple[Served, World]]:
    kwargs = settings({ENV["webhook_timeout"]: str(webhook_timeout)} if webhook_timeout else {})
    kwargs["config"]["tiktok"]["webhook_dispatch"] = dispatch
    world = World.create(**kwargs)
    try:
        with LiveServer(create_app(world)) as server:
            yield Served(server.url), world
    finally:
        world.close()


@pytest.mark.parametrize("dispatch", ["thread", "sync"])
def test_note_2_one_20_hour_advance_makes_every_attempt_at_its_own_instant_and_a_trickle_fails_at_the_deadline(
    dispatch: str,
) -> None:
    with HookReceiver(trickle()) as slow, serving(dispatch, webhook_timeout=0.1) as (sim, world):
        shop = sim.direct[0]
        sim.subscribe(shop, slow.url)
        sim.sim("POST", "buyer/orders", {"shop_id": shop})
        sim.sim("POST", "clock/advance", {"seconds": 20 * 3600})  # one step, as a partner's test does
        assert_each_attempt_at_its_own_instant(sim, slow.received, error="deadline")


@pytest.mark.parametrize("dispatch", ["thread", "sync"])
def test_note_2_a_slow_receiver_does_not_delay_another_shops_webhooks(dispatch: str) -> None:
    fast_got_it = threading.Event()

    def awaiting(payload: dict[str, object]) -> bool:
        return payload["data"]["order_status"] == "AWAITING_SHIPMENT"  # type: ignore[index]

    def on_fast(payload: dict[str, object]) -> None:
        if awaiting(payload):
            fast_got_it.set()

    # The slow receiver answers AWAITING_SHIPMENT only once the fast one has received its own: with
    # one sender for both, it would wait out the 2 s deadline and its attempt would fail.
    with HookReceiver(hold_until(fast_got_it, awaiting)) as slow, \
            HookReceiver(answer(200), on_receive=on_fast) as fast, \
            serving(dispatch, webhook_timeout=2) as (sim, world):
        us, uk = sim.direct
        sim.subscribe(us, slow.url)
        sim.subscribe(uk, fast.url)
        us_order = sim.sim("POST", "buyer/orders", {"shop_id": us})["order"]["id"]
        uk_order = sim.sim("POST", "buyer/orders", {"shop_id": uk})["order"]["id"]
        sim.sim("POST", "clock/advance", {"seconds": 3600})  # both holds end at 10:00: one instant
        attempts = sim.sim("GET", "journal", kind="webhook.attempt")["entries"]
        # all delivered, journaled in the order they were queued (deterministic), not the order answered
        assert [(e["data"]["order_id"], e["at"][11:16], e["data"]["ok"]) for e in attempts] == [
            (us_order, "09:00", True), (uk_order, "09:00", True), (us_order, "10:00", True), (uk_order, "10:00", True)]


@pytest.mark.parametrize("dispatch", ["thread", "sync"])
def test_note_2_a_receiver_may_call_the_api_while_answering_a_webhook(dispatch: str) -> None:
    base: list[str] = []

    def cancel_on_hold(receiver: HookReceiver, payload: dict[str, Any], handler: BaseHTTPRequestHandler) -> None:
        data = payload["data"]
        if data.get("order_status") == "ON_HOLD":  # an OMS reacting inside its webhook handler
            requests.post(f"{base[0]}/_sim/buyer/orders/{data['order_id']}/cancel", json={}, timeout=10)
        answer(200)(receiver, payload, handler)

    # The cancel's own webhooks go to the receiver that is still answering: waiting for them there
    # would hold the 2 s deadline and fail the first attempt.
    with HookReceiver(cancel_on_hold) as oms, serving(dispatch, webhook_timeout=2) as (sim, world):
        base.append(sim.base)
        shop = sim.direct[0]
        sim.subscribe(shop, oms.url)
        sim.subscribe(shop, oms.url, "CANCELLATION_STATUS_CHANGE")
        sim.sim("POST", "buyer/orders", {"shop_id": shop})
        sim.sim("POST", "clock/advance", {"seconds": 1})
        attempts = sim.attempts()
    assert len(attempts) >= 3 and all(a[3] for a in attempts), attempts
    assert [p["data"].get("order_status") for p in oms.payloads() if p["type"] == 1] == ["ON_HOLD", "CANCEL"]


def test_note_2_realtime_clock_attempts_each_retry_at_its_own_instant() -> None:
    with HookReceiver(answer(500)) as failing, serving("thread") as (sim, world):
        shop = sim.direct[0]
        sim.subscribe(shop, failing.url)
        sim.sim("POST", "buyer/orders", {"shop_id": shop})
        ticker = RealtimeTicker(world.clock, world.advance_to, speed=14400)  # 4 virtual hours a second
        ticker.start()
        try:
            deadline = time.monotonic() + 15
            while len(sim.attempts()) < 7 and time.monotonic() < deadline:  # up to 12:32 (~0.9 s)
                time.sleep(0.05)
        finally:
            ticker.stop()
        attempts = sim.attempts()[:7]
    assert [a[2] for a in attempts] == ["02T09:00", "02T09:02", "02T09:32", "02T10:00", "02T10:02", "02T10:32",
                                        "02T12:32"]
    assert all(a[4] is None and not a[3] for a in attempts)  # answered 500 in time: a plain failure


def test_note_2_closing_the_world_journals_each_dropped_webhook_and_finishes_attempts_in_flight() -> None:
    release = threading.Event()
    with HookReceiver(hold_until(release, lambda payload: True)) as slow, HookReceiver(answer(500)) as failing, \
            serving("thread", webhook_timeout=5) as (sim, world):
        us, uk = sim.direct
        sim.subscribe(us, slow.url)
        sim.subscribe(uk, failing.url)
        sim.sim("POST", "buyer/orders", {"shop_id": uk})  # fails: a retry is due at 09:02
        while len(sim.attempts()) < 1:
            time.sleep(0.01)
        sim.sim("POST", "buyer/orders", {"shop_id": us})  # held by the slow receiver
        sim.sim("POST", "buyer/orders", {"shop_id": us})  # queued behind it (same receiver)
        queued = [e["data"]["notification_id"] for e in sim.sim("GET", "journal", kind="webhook.queued")["entries"]]
        while len(slow.received) < 1:
            time.sleep(0.01)
        closing = threading.Thread(target=world.close)
        closing.start()
        time.sleep(0.1)
        release.set()  # the in-flight attempt is answered and journaled, not dropped
        closing.join(10)
        assert not closing.is_alive()
        entries = world.control.journal(kind="webhook")["entries"]
    dropped = [(e["data"]["notification_id"], e["data"]["attempts"], e["data"]["next_attempt_at"][11:16])
               for e in entries if e["kind"] == "webhook.dropped"]
    assert dropped == [(queued[0], 1, "09:02"), (queued[2], 0, "09:00")]
    assert [(e["data"]["notification_id"], e["data"]["ok"]) for e in entries if e["kind"] == "webhook.attempt"] == [
        (queued[0], False), (queued[1], True)]
