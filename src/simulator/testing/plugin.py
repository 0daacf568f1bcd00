"""pytest plugin (pytest11 entry point): a fresh simulated world per test, its app, clients and time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulator.clock import freezegun_bridge
from simulator.testing.intercept import Interceptor
from simulator.world import World


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--tts-sim-seed`` and ``--tts-sim-mocks`` for the fixtures below."""
    group = parser.getgroup("tts-sim")
    group.addoption("--tts-sim-seed", type=int, default=0, help="seed of the simulated world (default 0)")
    group.addoption("--tts-sim-mocks", default=None, help="mocks directory to seed worlds from")


@pytest.fixture
def sim_world(request: pytest.FixtureRequest) -> Iterator[World]:
    """A fresh, seeded world per test (all systems installed)."""
    mocks = request.config.getoption("--tts-sim-mocks")
    world = World.create(seed=request.config.getoption("--tts-sim-seed"), mocks_dir=mocks)
    yield world
    world.close()


@pytest.fixture
def sim_app(sim_world: World) -> Any:
    """The Flask app serving ``sim_world`` (all vendor APIs and ``/_sim``)."""
    from simulator.app import create_app

    return create_app(sim_world)


@pytest.fixture
def sim_client(sim_app: Any) -> Any:
    """Flask test client for ``sim_app``."""
    return sim_app.test_client()


@pytest.fixture
def sim_requests(sim_app: Any) -> Iterator[Interceptor]:
    """``requests`` to the real vendor hosts are served by the mocks while the test runs."""
    with Interceptor(sim_app) as interceptor:
        yield interceptor


@pytest.fixture
def sim_frozen_time(sim_world: World) -> Iterator[World]:
    """freezegun follows the world clock: wall-clock reads in code under test agree with the simulation."""
    with freezegun_bridge(sim_world.clock):
        yield sim_world
