"""One World: clock + ids + journal + engine + the three system backends and connectors; no globals."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator import mocksdata, yamlfiles
from simulator.calendar import BusinessCalendar
from simulator.clock import DEFAULT_START, Clock, ClockError, Fired, clock_settings, ensure_aware
from simulator.engine import Inventory, OrderEngine
from simulator.faults.book import FaultBook
from simulator.ids import IdFactory
from simulator.journal import Journal
from simulator.rules import RuleBook
from simulator.runtime import release
from simulator.systems import install_all

if TYPE_CHECKING:
    from simulator.control.api import ControlAPI


def default_mocks_dir() -> Path:
    """The packaged mocks (wheel installs) or the repository's ``mocks/`` (source checkouts)."""
    return mocksdata.builtin_dir()


def load_calendars(path: Path) -> dict[str, BusinessCalendar]:
    """Calendars by market from ``calendar.yaml`` (``default`` always present)."""
    calendars: dict[str, BusinessCalendar] = {"default": BusinessCalendar()}
    if path.is_file():
        data = yamlfiles.load(path) or {}
        for region, body in (data.get("markets") or {}).items():
            calendars[str(region).upper() if region != "default" else "default"] = BusinessCalendar.from_dict(body)
    return calendars


def _nothing_pending() -> bool:
    return False


class World:
    """A complete, isolated simulation. Everything that changes state goes through ``world.lock``.

    Args:
        seed: drives ids and faker data; the same seed replays identically.
        start: the virtual start instant (timezone-aware).
        mocks_dir: a folder of mocks files overlaid on the built-in ``mocks/`` (default: only those).
        profile_overrides: ``{profile: {quantity: value}}`` replacing rules.md defaults.
        systems: install only systems whose installer path contains one of these names.
        config: free-form per-system settings (e.g. ``{"tiktok": {"timestamp_clock": "wall"}}``;
            ``{"journal": {"request_entries": n}}`` caps the journal's request ring;
            ``{"clock": {"skip_idle_runs": False}}`` runs every scheduled job run, even empty ones).
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
        self.config: dict[str, Any] = {k: dict(v) if isinstance(v, Mapping) else v for k, v in (config or {}).items()}
        self.clock = Clock(self.start, **clock_settings(self.config.get("clock")))
        self.lock = threading.RLock()
        self.mocks_dir = mocksdata.resolve(mocks_dir)  # a user's folder: their files overlaid on the built-in
        self.rules = RuleBook.load(overrides=profile_overrides)
        self.calendars = load_calendars(self.mocks_dir / "calendar.yaml")
        self.ids = IdFactory(seed)
        self.journal = Journal(self.clock, self.config.get("journal"))
        self.inventory = Inventory()
        self.engine = OrderEngine(self.clock, self.rules, self.calendars, self.ids, self.inventory)
        self.engine.subscribe(self.journal.record_event)
        self.systems: dict[str, Any] = {}
        self._fakers: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []
        self._outboxes: list[tuple[Callable[[], bool], Callable[[], object]]] = []
        self._outbox_pending: Callable[[], bool] = _nothing_pending  # True while some outbox has work (add_outbox)
        self.faults = FaultBook(self)  # injected faults (/_sim/faults): none until a rule is added
        install_all(self, systems)

    @classmethod
    def create(cls, **kwargs: Any) -> World:
        """Build a world (same arguments as the constructor)."""
        return cls(**kwargs)

    # -- time ------------------------------------------------------------------------------------
    def advance(self, *, seconds: float | None = None, to: datetime | None = None) -> list[Fired]:
        """Move virtual time forward by ``seconds`` or to ``to``, firing every timer due on the way.

        When a system has out-of-lock work pending (webhooks in flight), time stops at that
        instant until the work is done outside the lock, then the advance continues: a webhook and
        each of its retries happen at their own virtual instants however large the step (NOTE-2).
        """
        if (seconds is None) == (to is None):
            raise ValueError("give exactly one of seconds= or to=")
        with self.lock:
            if to is None:
                if float(seconds or 0) < 0:
                    raise ClockError(f"cannot move the clock backwards (advance by {seconds} s)")
                to = self.clock.now() + timedelta(seconds=float(seconds or 0))
        return self.advance_to(to)

    def advance_to(self, target: datetime) -> list[Fired]:
        """Lock-taking advance to ``target`` (also the realtime ticker's callback)."""
        target = ensure_aware(target)
        if target < self.clock.now():
            raise ClockError(f"cannot move the clock backwards from {self.clock.now().isoformat()} "
                             f"to {target.isoformat()}")
        if not self._outboxes or self.holds_lock():
            with self.lock:  # nested in a caller's operation: its own exit delivers the outboxes
                return self.clock.advance_to(target)
        fired: list[Fired] = []
        while True:
            self.drain_outboxes()  # work already pending at this instant (e.g. a request's webhooks)
            with self.lock:
                if self._outbox_pending():
                    continue  # more work arrived at this instant meanwhile: finish it before moving on
                fired += self.clock.advance_to(max(target, self.clock.now()), stop=self._outbox_pending)
                if self.clock.now() >= target and not self._outbox_pending():
                    return fired

    @contextmanager
    def operation(self) -> Iterator[World]:
        """Hold the world lock for a group of changes; out-of-lock work (webhooks) runs after it."""
        outermost = not self.holds_lock()
        with self.lock:
            yield self
        if outermost:
            self.drain_outboxes()

    def holds_lock(self) -> bool:
        """True when the calling thread holds ``lock`` (out-of-lock work must then wait)."""
        # threading.RLock is _thread.RLock, whose _is_owned() answers for the calling thread.
        return bool(self.lock._is_owned())  # type: ignore[attr-defined]

    # -- out-of-lock work ------------------------------------------------------------------------
    def add_outbox(self, pending: Callable[[], bool], drain: Callable[[], object]) -> None:
        """Register work a system must do outside the lock (``pending()`` under it, ``drain()`` after)."""
        self._outboxes.append((pending, drain))
        pendings = tuple(p for p, _ in self._outboxes)
        # Asked after every timer an advance fires: one system's own check, called directly, when it is the only one.
        self._outbox_pending = pendings[0] if len(pendings) == 1 else lambda: any(p() for p in pendings)

    def outbox_pending(self) -> bool:
        """True while some system has out-of-lock work pending (asked under the lock; a replayed step stops on it)."""
        return self._outbox_pending()

    def drain_outboxes(self) -> None:
        """Run every system's out-of-lock work now (a no-op while this thread holds the lock)."""
        if self.holds_lock():
            return
        for _, drain in self._outboxes:
            drain()

    @property
    def control(self) -> ControlAPI:
        """The control-plane operations (``/_sim/``) as a Python API on this world."""
        from simulator.control.api import ControlAPI

        return ControlAPI(self)

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
        """Stop background work the systems started (they journal what they drop).

        Outside the lock this also waits for out-of-lock work already in flight (each webhook
        attempt ends within its deadline); inside it (a reset) that work finishes on its own.
        """
        while self._closers:
            self._closers.pop()()
        self.drain_outboxes()
        release()  # a frozen heap (simulator.runtime) would keep this world's objects alive
