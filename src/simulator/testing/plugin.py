"""pytest plugin (pytest11 entry point): fixtures giving each test a fresh simulated world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.world import World


@pytest.fixture
def sim_world() -> Iterator[World]:
    """A fresh, seeded world per test (seed 0, clock at the default start)."""
    world = World.create(seed=0)
    yield world
    world.close()
