"""Rendered orders reused across requests: never stale, whatever changed (tiktok_shop/rendered.py)."""

from __future__ import annotations

import random
from typing import Any

import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from simulator.app import create_app
from simulator.invariants import check
from simulator.world import World
from tests.fixtures.tiktok import TikTokClient
from tests.tiktok_shop.histories import ACTIONS, act

DETAIL = "/order/202309/orders"


def _fresh(world: World) -> dict[tuple[str, bool], bytes]:
    ser, packages = world.systems["tiktok"].serializer, world.engine.packages
    return {(o.id, detail): orjson.dumps(ser.order(o, packages, detail=detail))
            for o in world.engine.orders.values() for detail in (True, False)}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(history=st.randoms(use_true_random=False), length=st.integers(20, 150))
def test_every_change_an_answer_shows_moves_the_revision(history: random.Random, length: int) -> None:
    """After each random step (placing, time, shipping, tracking corrections, cancels, returns), every order
    whose Get Order Detail or List rendering changed moved the engine's revision, and every reused
    rendering is byte for byte a fresh one (LIFE-1, FUL-1, CAN-B4, RET-3)."""
    world = World.create(seed=1, systems=["tiktok"])
    try:
        backend, engine = world.systems["tiktok"], world.engine
        shops = [s.id for s in backend.catalog.shops.values() if s.profile == "direct"]
        before = _fresh(world)
        for _ in range(length):
            for order in engine.orders.values():  # read between changes: each step starts from a full table
                backend.rendered.order(order)
                backend.rendered.order(order, detail=False)
            revision = engine.revision
            act(world, shops, history.choice(ACTIONS), history.randint(0, 50), history.randint(60, 7200))
            after = _fresh(world)
            changed = sorted(key for key, value in before.items() if after[key] != value)
            assert not changed or engine.revision != revision, f"changed without a new revision: {changed}"
            for (order_id, detail), fresh in after.items():
                assert orjson.dumps(backend.rendered.order(engine.orders[order_id], detail=detail)) == fresh
            before = after
        assert check(world) == []
    finally:
        world.close()


def test_a_polled_order_answers_each_change_at_once() -> None:
    """Get Order Detail polled over HTTP between changes, as a partner's OMS does: each answer is the order
    as it is at that moment, including a tracking correction no event announces (HOLD-1, HOLD-2, FUL-1)."""
    world = World.create(seed=2, systems=["tiktok"])
    try:
        client = TikTokClient(create_app(world).test_client(), world)
        order_id = world.systems["tiktok"].place_order(client.shop_id).id

        def detail() -> dict[str, Any]:
            orders: list[dict[str, Any]] = client.ok("GET", DETAIL, {"ids": order_id})["orders"]
            return orders[0]

        first = detail()
        assert first["status"] == "ON_HOLD" and "recipient_address" not in first and detail() == first
        world.advance(seconds=3600)
        released = detail()
        assert released["status"] == "AWAITING_SHIPMENT" and "recipient_address" in released
        package = released["packages"][0]["id"]
        world.engine.ship_package(package, tracking_number="TRK1", shipping_provider_id="p1")
        assert (detail()["status"], detail()["tracking_number"]) == ("AWAITING_COLLECTION", "TRK1")
        world.advance(seconds=60)
        world.engine.update_shipping_info(package, tracking_number="TRK2", shipping_provider_id="p1")
        assert detail()["tracking_number"] == "TRK2"
        assert check(world) == []
    finally:
        world.close()
