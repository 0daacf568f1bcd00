"""A mock world behind a real socket for the contract runs: orders in every profile, wall-clock TikTok timestamps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from simulator.app import create_app
from simulator.testing.live import LiveServer
from simulator.world import World

PROFILES = ("direct", "direct", "rithum", "rithum", "sfcc")


def _returns(world: World, order_ids: list[str]) -> None:
    """Delivered direct orders with returns (RET-1): pending of each type, and one whose goods came back (RET-3)."""
    engine = world.engine
    for order_id, kind in zip(order_ids, ("RETURN_AND_REFUND", "REFUND", "RETURN_AND_REFUND"), strict=True):
        package = engine.orders[order_id].package_ids[0]
        engine.ship_package(package, tracking_number=f"1ZCONTRACT{package[-6:]}", shipping_provider_id="engine")
        engine.carrier_delivered(package)
        ret = engine.request_return(order_id, kind)
    engine.approve_return(ret.id)
    engine.ship_return(ret.id)
    engine.return_delivered(ret.id)


@contextmanager
def serving(wrap: Callable[[Any], Any] | None = None) -> Iterator[tuple[str, World]]:
    """``(base_url, world)``: orders placed in each profile and past their hold; ``wrap`` wraps the WSGI app."""
    # The signer stamps the wall clock, as a partner's client does against `tts-sim serve`.
    world = World.create(seed=0, config={"tiktok": {"timestamp_clock": "wall"}})
    try:
        for profile in PROFILES:
            world.control.place_order(profile=profile)
        returned = [world.control.place_order(profile="direct")["order"]["id"] for _ in range(3)]
        world.advance(seconds=3600)
        _returns(world, returned)
        app = create_app(world)
        with LiveServer(wrap(app) if wrap else app) as server:
            yield server.url, world
    finally:
        world.close()
