"""One World: clock + ids + journal + engine + the three system backends and connectors; no globals."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from simulator.calendar import BusinessCalendar
from simulator.clock import DEFAULT_START, Clock, Fired, ensure_aware
from simulator.engine import Inventory, OrderEngine
from simulator.ids import IdFactory
from simulator.journal import Journal
from simulator.rules import RuleBook
from simulator.systems import install_all


def default_mocks_dir() -> Path:
    """The packaged mocks (wheel installs) or the repository's ``mocks/`` (source checkouts)."""
    packaged = Path(__file__).parent / "_mocks"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "mocks"


def load_calendars(path: Path) -> dict[str, BusinessCalendar]:
    """Calendars by market from ``calendar.yaml`` (``default`` always present)."""
    calendars: dict[str, BusinessCalendar] = {"default": BusinessCalendar()}
    if path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for region, body in (data.get("markets") or {}).items():
            calendars[str(region).upper() if region != "default" else "default"] = BusinessCalendar.from_dict(body)
    return calendars


class World:
    """A complete, isolated simulation. Everything that changes state goes through ``world.lock``.

    Args:
        seed: drives ids and faker data; the same seed replays identically.
        start: the virtual start instant (timezone-aware).
        mocks_dir: the data a new world starts with (default: the built-in ``mocks/``).
        profile_overrides: ``{profile: {quantity: value}}`` replacing rules.md defaults.
        systems: install only systems whose installer path contains one of these names.
        config: free-form per-system settings (e.g. ``{"tiktok": {"timestamp_clock": "wall"}}``).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        start: datetime | None = None,
        mocks_dir: Path | None = None,
        profile_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        systems: list[str] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        self.seed = seed
        self.start = ensure_aware(start or DEFAULT_START)
        self.clock = Clock(self.start)
        self.lock = threading.RLock()
        self.mocks_dir = Path(mocks_dir) if mocks_dir else default_mocks_dir()
        self.config: dict[str, Any] = {k: dict(v) if isinstance(v, Mapping) else v for k, v in (config or {}).items()}
        self.rules = RuleBook.load(overrides=profile_overrides)
        self.calendars = load_calendars(self.mocks_dir / "calendar.yaml")
        self.ids = IdFactory(seed)
        self.journal = Journal(self.clock)
        self.inventory = Inventory()
        self.engine = OrderEngine(self.clock, self.rules, self.calendars, self.ids, self.inventory)
        self.engine.subscribe(self.journal.record_event)
        self.systems: dict[str, Any] = {}
        self._fakers: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []
        install_all(self, systems)

    @classmethod
    def create(cls, **kwargs: Any) -> World:
        """Build a world (same arguments as the constructor)."""
        return cls(**kwargs)

    # -- time ------------------------------------------------------------------------------------
    def advance(self, *, seconds: float | None = None, to: datetime | None = None) -> list[Fired]:
        """Move virtual time forward by ``seconds`` or to ``to``, firing every timer due on the way."""
        if (seconds is None) == (to is None):
            raise ValueError("give exactly one of seconds= or to=")
        with self.lock:
            if to is not None:
                fired = self.clock.advance_to(to)
            else:
                fired = self.clock.advance_by(timedelta(seconds=float(seconds or 0)))
        return fired

    def advance_to(self, target: datetime) -> list[Fired]:
        """Lock-taking ``advance_to`` (the realtime ticker's callback)."""
        with self.lock:
            return self.clock.advance_to(target)

    # -- helpers for systems ---------------------------------------------------------------------
    def faker(self, locale: str = "en_US") -> Any:
        """A faker for ``locale``, seeded from the world seed (deterministic buyer data)."""
        if locale not in self._fakers:
            from faker import Faker

            fake = Faker(locale)
            fake.seed_instance(f"{self.seed}:{locale}")
            self._fakers[locale] = fake
        return self._fakers[locale]

    def on_close(self, closer: Callable[[], None]) -> None:
        """Register cleanup (threads, temp dirs) to run at :meth:`close`."""
        self._closers.append(closer)

    def close(self) -> None:
        """Stop background work the systems started."""
        while self._closers:
            self._closers.pop()()
