"""Authenticated fuzz of every route of every mock and /_sim: no 5xx, vendor envelopes, no half-applied change."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from simulator.app import create_app
from simulator.world import World
from tests.fuzz.families import FAMILIES, Drawn, drawn
from tests.fuzz.harness import Harness, Stats
from tests.fuzz.routes import ROUTES, Route

# Cases per route (default 40, spread over the families); TTS_SIM_FUZZ_REPORT=1 prints the counts (cases
# per route, refusals by code) when the module finishes. Each (route, family) runs from a fixed hypothesis
# seed, so every run is the same.
EXAMPLES = int(os.environ.get("TTS_SIM_FUZZ_EXAMPLES", "40"))
PER_FAMILY = max(1, EXAMPLES // len(FAMILIES))
STATS = Stats()


class Pool:
    """Each write route gets a fresh world (its accepted writes must not use up the next route's orders);
    read-only routes of one vendor share one."""

    def __init__(self) -> None:
        self.shared: dict[str, Harness] = {}

    def harness(self, route: Route) -> Harness:
        if route.write or route.isolated:
            return Harness(STATS)
        group = "sim" if route.envelope == "sim" else route.auth.split("_")[0]
        if group not in self.shared:
            self.shared[group] = Harness(STATS)
        return self.shared[group]


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    yield Pool()
    if os.environ.get("TTS_SIM_FUZZ_REPORT"):
        print("\n" + STATS.report())  # noqa: T201 - the requested summary


def test_every_route_has_fuzz_coverage() -> None:
    """Adding a route without a fuzz template fails here (the table is tests/fuzz/routes.py)."""
    world = World.create(seed=0)
    app = create_app(world)
    served = {f"{m} {r.rule}" for r in app.url_map.iter_rules() for m in (r.methods or set()) - {"HEAD", "OPTIONS"}}
    world.close()
    covered = [r.key for r in ROUTES]
    assert sorted(served - set(covered)) == []
    assert sorted(set(covered) - served) == []
    assert len(covered) == len(set(covered))


@pytest.mark.parametrize("route", ROUTES, ids=[r.key for r in ROUTES])
def test_fuzz_route(pool: Pool, route: Route) -> None:
    """Every family on this route, each from its own fixed seed (the run is the same on every machine)."""
    harness = pool.harness(route)
    examples = max(1, round(PER_FAMILY * route.weight))
    for family in FAMILIES:

        @seed(zlib.crc32(f"{route.key} {family}".encode()))
        @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(drawn(family))
        def case(one: Drawn) -> None:
            harness.run(route, one)

        case()
    assert STATS.cases[route.key] >= examples * len(FAMILIES)
