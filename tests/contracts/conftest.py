"""A mock world behind a real socket for the contract runs: orders in every profile, wall-clock TikTok timestamps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from simulator.app import create_app
from simulator.testing.live import LiveServer
from simulator.world import World

PROFILES = ("direct", "direct", "rithum", "rithum", "sfcc")


@contextmanager
def serving(wrap: Callable[[Any], Any] | None = None) -> Iterator[tuple[str, World]]:
    """``(base_url, world)``: orders placed in each profile and past their hold; ``wrap`` wraps the WSGI app."""
    # The signer stamps the wall clock, as a partner's client does against `tts-sim serve`.
    world = World.create(seed=0, config={"tiktok": {"timestamp_clock": "wall"}})
    try:
        for profile in PROFILES:
            world.control.place_order(profile=profile)
        world.advance(seconds=3600)
        app = create_app(world)
        with LiveServer(wrap(app) if wrap else app) as server:
            yield server.url, world
    finally:
        world.close()
