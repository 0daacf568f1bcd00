"""pytest plugin (pytest11 entry point): a fresh simulated world per test, its app, clients, credentials and time.

Settings come from, in rising precedence: ini keys (``tts_sim_profile`` ...), command-line options
(``--tts-sim-profile`` ...) and the ``@pytest.mark.tts_sim(profile=..., seed=..., start=...)`` marker.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from simulator.clock import ClockError, freezegun_bridge, parse_instant
from simulator.rules import PROFILE_NAMES
from simulator.testing.credentials import Credentials, credentials_for
from simulator.testing.intercept import Interceptor
from simulator.testing.webhooks import WebhookCollector
from simulator.world import World

OPTIONS = {  # name: (help, default)
    "profile": (f"profile of the test's shop and credentials ({', '.join(PROFILE_NAMES)})", "direct"),
    "seed": ("seed of each test's world", "0"),
    "start": ("virtual start instant of each test's world, ISO-8601 (default 2026-11-02T09:00:00Z)", ""),
    "mocks": ("a mocks directory overlaid on the built-in data", ""),
    "timestamp-clock": ("what TikTok's timestamp window is checked against: wall (the process's clock as the code "
                        "under test reads it, frozen by freezegun or not) or world (the world clock)", "wall"),
}
MARKER = ("tts_sim(profile=None, seed=None, start=None, mocks=None, timestamp_clock=None, config=None, "
          "profile_overrides=None): settings of this test's simulated world")


@dataclass(frozen=True)
class SimSettings:
    """The resolved settings of one test's world."""

    profile: str = "direct"
    seed: int = 0
    start: datetime | None = None
    mocks: Path | None = None
    timestamp_clock: str = "wall"
    config: Mapping[str, Any] = field(default_factory=dict)
    profile_overrides: Mapping[str, Mapping[str, Any]] | None = None

    def world_kwargs(self) -> dict[str, Any]:
        """Arguments for :meth:`World.create`."""
        config = {name: dict(value) for name, value in self.config.items()}
        config.setdefault("tiktok", {}).setdefault("timestamp_clock", self.timestamp_clock)
        return {"seed": self.seed, "start": self.start, "mocks_dir": self.mocks, "config": config,
                "profile_overrides": self.profile_overrides}


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--tts-sim-*`` options and the matching ``tts_sim_*`` ini keys."""
    group = parser.getgroup("tts-sim", "tts-sim simulated worlds")
    for name, (help_text, default) in OPTIONS.items():
        group.addoption(f"--tts-sim-{name}", default=None, help=f"{help_text} (default: {default or 'none'})")
        parser.addini(f"tts_sim_{name.replace('-', '_')}", help_text, default=default)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``tts_sim`` marker."""
    config.addinivalue_line("markers", MARKER)


def pytest_report_header(config: pytest.Config) -> str:
    """One header line with the session's defaults."""
    raw = {name: _setting(config, name) for name in OPTIONS}
    return (f"tts-sim: profile {raw['profile']}, seed {raw['seed']}, timestamps checked against the "
            f"{raw['timestamp-clock']} clock")


def _setting(config: pytest.Config, name: str) -> str:
    option = config.getoption(f"--tts-sim-{name}")
    return str(option if option is not None else config.getini(f"tts_sim_{name.replace('-', '_')}"))


def resolve_settings(config: pytest.Config, marker: pytest.Mark | None) -> SimSettings:
    """Ini, then command line, then the test's ``tts_sim`` marker; refuses bad values with one line."""
    values: dict[str, Any] = {name.replace("-", "_"): _setting(config, name) for name in OPTIONS}
    extra: dict[str, Any] = {}
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("@pytest.mark.tts_sim takes keyword arguments only")
        unknown = set(marker.kwargs) - set(values) - {"config", "profile_overrides"}
        if unknown:
            raise pytest.UsageError(f"@pytest.mark.tts_sim: unknown argument(s) {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in marker.kwargs.items() if k in values and v is not None})
        extra = {k: marker.kwargs[k] for k in ("config", "profile_overrides") if marker.kwargs.get(k) is not None}
    profile = str(values["profile"])
    if profile not in PROFILE_NAMES:
        raise pytest.UsageError(f"tts-sim profile {profile!r}: one of {', '.join(PROFILE_NAMES)}")
    if values["timestamp_clock"] not in ("wall", "world"):
        raise pytest.UsageError(f"tts-sim timestamp clock {values['timestamp_clock']!r}: wall or world")
    try:
        seed = int(values["seed"])
    except ValueError:
        raise pytest.UsageError(f"tts-sim seed {values['seed']!r}: an integer") from None
    start = values["start"]
    try:
        start_at = (start if isinstance(start, datetime) else parse_instant(str(start))) if start else None
    except ClockError as exc:
        raise pytest.UsageError(f"tts-sim start: {exc}") from None
    mocks = Path(values["mocks"]) if values["mocks"] else None
    return SimSettings(profile=profile, seed=seed, start=start_at, mocks=mocks,
                       timestamp_clock=str(values["timestamp_clock"]), **extra)


@pytest.fixture
def sim_settings(request: pytest.FixtureRequest) -> SimSettings:
    """This test's world settings (profile, seed, start, mocks, timestamp clock)."""
    return resolve_settings(request.config, request.node.get_closest_marker("tts_sim"))


@pytest.fixture
def sim_world(sim_settings: SimSettings) -> Iterator[World]:
    """A fresh, seeded world per test (all systems installed)."""
    world = World.create(**sim_settings.world_kwargs())
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
    """``requests`` to the real vendor hosts are served by the mocks while the test runs; calls are recorded."""
    with Interceptor(sim_app) as interceptor:
        yield interceptor


@pytest.fixture
def sim_frozen_time(sim_world: World) -> Iterator[World]:
    """freezegun follows the world clock: wall-clock reads in code under test agree with the simulation."""
    with freezegun_bridge(sim_world.clock):
        yield sim_world


@pytest.fixture
def sim_credentials(sim_world: World, sim_settings: SimSettings) -> Credentials:
    """Credentials of the first US shop of the test's profile: TikTok app/shop/tokens, SFCC or ChannelAdvisor."""
    return credentials_for(sim_world, sim_settings.profile)


@pytest.fixture
def sim_webhooks(sim_world: World, sim_credentials: Credentials) -> Iterator[WebhookCollector]:
    """A loopback receiver subscribed to the test's shop (order status, package, cancellation webhooks).

    Every received signature is checked; a mismatch fails the test at teardown.
    """
    with WebhookCollector(sim_world, app_key=sim_credentials.tiktok.app_key) as collector:
        collector.subscribe(sim_credentials.tiktok.shop_id)
        yield collector
    collector.assert_verified()
