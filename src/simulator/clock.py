"""The world clock: the only source of "now" in the simulator, with a timer queue fired in time order."""

from __future__ import annotations

import heapq
import itertools
import threading
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

DEFAULT_START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday: business-day maths reads naturally


class ClockError(Exception):
    """A clock operation that would break time's arrow (moving backwards, naive datetimes)."""


def wall_time() -> float:
    """Seconds since the epoch from the machine's clock.

    Only transport freshness checks use it (a partner process signs requests with its real
    ``time.time()`` under ``tts-sim serve``); business time always comes from a :class:`Clock`.
    """
    return _time.time()


# Held in a tuple so freezegun, which swaps module attributes that are time functions, leaves it alone.
_REAL_MONOTONIC = (_time.monotonic,)


def wall_monotonic() -> float:
    """A monotonic reading of real elapsed time (deadlines, the realtime ticker, benchmarks).

    Never frozen: freezegun decides per call (by the caller's stack) whether to fake ``monotonic``,
    so a deadline started in a sender thread and checked deeper in it would mix two clocks, and a
    frozen clock would let a hanging receiver hold a delivery forever.
    """
    return _REAL_MONOTONIC[0]()


def wall_sleep(seconds: float) -> None:
    """Wait ``seconds`` of real time (an injected ``latency`` fault; never simulation time)."""
    if seconds > 0:
        _time.sleep(seconds)


def ensure_aware(value: datetime) -> datetime:
    """Return ``value`` in UTC, refusing naive datetimes (ambiguous in a simulation)."""
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        raise ClockError(f"naive datetime {value.isoformat()} (give a timezone, e.g. 2026-11-02T09:00:00Z)")
    return value.astimezone(UTC)


def clock_settings(settings: Any) -> dict[str, bool]:
    """The keyword arguments of a world's :class:`Clock` from its ``config["clock"]`` (checked, never guessed)."""
    settings = {} if settings is None else settings
    if not isinstance(settings, dict):
        raise ValueError(f"clock settings must be a mapping, not {settings!r}")
    unknown = set(settings) - {"skip_idle_runs"}
    if unknown:
        raise ValueError(f"unknown clock setting(s): {', '.join(sorted(map(str, unknown)))}")
    skip = settings.get("skip_idle_runs", True)
    if not isinstance(skip, bool):
        raise ValueError(f"clock skip_idle_runs must be true or false, not {skip!r}")
    return {"skip_idle": skip}


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant; a trailing ``Z`` means UTC."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ClockError(f"not an ISO-8601 instant: {text!r}") from exc
    return ensure_aware(parsed)


class Timer:
    """A callback due at a virtual instant; equal due times fire in scheduling order (``seq``).

    A one-shot timer (an order's deadlines: thousands live at once) has six slots; :meth:`Clock.every`
    makes a :class:`RecurringTimer`, which adds the interval, the ``idle`` predicate and the count of
    skipped runs (on a one-shot timer they read as ``None``, ``None`` and 0).
    """

    __slots__ = ("due", "seq", "kind", "callback", "key", "cancelled")
    every: timedelta | None = None  # a recurring timer: rescheduled ``every`` after each run
    idle: Callable[[], bool] | None = None  # True: a run now would do nothing
    skipped: int = 0  # runs not made because ``idle`` said there was nothing to do

    def __init__(self, due: datetime, seq: int, kind: str, callback: Callable[[], Any], key: str | None = None) -> None:
        self.due, self.seq, self.kind, self.callback, self.key, self.cancelled = due, seq, kind, callback, key, False

    def cancel(self) -> None:
        """Cancel the timer; it stays in the heap but never fires (lazy deletion keeps cancel O(1))."""
        self.cancelled = True

    def __repr__(self) -> str:
        every = f", every={self.every!r}, skipped={self.skipped}" if self.every is not None else ""
        return (f"{type(self).__name__}(due={self.due!r}, seq={self.seq}, kind={self.kind!r}, key={self.key!r}, "
                f"cancelled={self.cancelled}{every})")


class RecurringTimer(Timer):
    """A timer made by :meth:`Clock.every`: its interval, ``idle`` predicate and skipped runs."""

    __slots__ = ("every", "idle", "skipped")  # instance slots over the one-shot class defaults
    every: timedelta

    def __init__(self, due: datetime, seq: int, kind: str, callback: Callable[[], Any], key: str | None,
                 every: timedelta, idle: Callable[[], bool] | None) -> None:
        super().__init__(due, seq, kind, callback, key)
        self.every, self.idle, self.skipped = every, idle, 0


@dataclass(frozen=True)
class Fired:
    """One timer that fired during an advance."""

    at: datetime
    kind: str
    key: str | None


Listener = Callable[[datetime], None]


class Clock:
    """Virtual time for one world.

    Time only moves forward, through :meth:`advance_by` / :meth:`advance_to` (or the realtime
    ticker, which calls :meth:`advance_to`). Timers scheduled while advancing (a timer that
    schedules another) fire in the same advance if they are due by its target. The cost of an
    advance is the number of timers fired, never the length of the span.
    """

    def __init__(self, start: datetime = DEFAULT_START, *, skip_idle: bool = True) -> None:
        self._now = ensure_aware(start)
        self.skip_idle = skip_idle  # False: recurring timers run even when idle (every empty run happens)
        # (due, seq, timer) tuples: ordering is done by C tuple comparison, never by Timer itself.
        self._heap: list[tuple[datetime, int, Timer]] = []
        self._seq = itertools.count()
        self._listeners: list[Listener] = []
        self._live = 0
        self.skipped_runs = 0  # runs of recurring timers skipped as idle, all timers together

    # -- reading -------------------------------------------------------------------------------
    def now(self) -> datetime:
        """The current virtual instant (UTC, timezone-aware)."""
        return self._now

    def timestamp(self) -> int:
        """The current virtual instant as Unix seconds (TikTok's timestamp unit)."""
        return int(self._now.timestamp())

    # -- timers --------------------------------------------------------------------------------
    def schedule(
        self, due: datetime, callback: Callable[[], Any], *, kind: str, key: str | None = None
    ) -> Timer:
        """Schedule ``callback`` at ``due``; a due time in the past fires at the next advance."""
        due = ensure_aware(due)
        timer = Timer(due, next(self._seq), kind, callback, key)
        heapq.heappush(self._heap, (due, timer.seq, timer))
        self._live += 1
        return timer

    def schedule_in(
        self, delay: timedelta, callback: Callable[[], Any], *, kind: str, key: str | None = None
    ) -> Timer:
        """Schedule ``callback`` ``delay`` after now."""
        return self.schedule(self._now + delay, callback, kind=kind, key=key)

    def every(
        self,
        interval: timedelta,
        callback: Callable[[], Any],
        *,
        kind: str,
        key: str | None = None,
        idle: Callable[[], bool] | None = None,
        first: datetime | None = None,
    ) -> RecurringTimer:
        """Run ``callback`` every ``interval`` (first at ``first``, default one interval from now) until cancelled.

        ``idle`` makes a quiet schedule cost nothing: when it answers True at a run's instant, the
        run is skipped (counted in ``Timer.skipped``, not fired) and the timer sleeps until another
        timer fires or the advance ends, then wakes at the next instant of its cadence. Nothing else
        runs while it sleeps, so ``idle`` would have kept answering True; runs that do happen keep
        the instants and same-instant order an always-running schedule has (see ``advance_to``).
        ``idle`` must only read state.
        """
        if interval <= timedelta(0):
            raise ClockError(f"a recurring timer needs a positive interval (got {interval})")
        due = ensure_aware(first) if first is not None else self._now + interval
        timer = RecurringTimer(due, next(self._seq), kind, callback, key, interval, idle)
        heapq.heappush(self._heap, (due, timer.seq, timer))
        self._live += 1
        return timer

    def cancel(self, timer: Timer | None) -> None:
        """Cancel a timer (no-op for ``None`` or an already fired/cancelled timer)."""
        if timer is not None and not timer.cancelled:
            timer.cancel()
            self._live -= 1

    def pending(self) -> list[Timer]:
        """Live timers in firing order."""
        return [t for _, _, t in sorted(self._heap) if not t.cancelled]

    def pending_count(self) -> int:
        """Number of live timers (O(1))."""
        return self._live

    def next_due(self) -> datetime | None:
        """Due time of the next live timer, if any."""
        self._drop_cancelled_head()
        return self._heap[0][0] if self._heap else None

    # -- moving --------------------------------------------------------------------------------
    def advance_by(self, delta: timedelta) -> list[Fired]:
        """Move ``delta`` forward, firing due timers in time order."""
        if delta < timedelta(0):
            raise ClockError(f"cannot move the clock backwards (advance by {delta})")
        return self.advance_to(self._now + delta)

    def advance_to(self, target: datetime, stop: Callable[[], bool] | None = None) -> list[Fired]:
        """Move to ``target``, firing every timer due at or before it, in (due, scheduling) order.

        ``stop`` is asked after each instant's timers have fired; when it answers True the clock
        stays at that instant and returns early (the caller does out-of-lock work, e.g. sending
        webhooks, at the virtual instant it was produced, then advances again).
        """
        target = ensure_aware(target)
        if target < self._now:
            raise ClockError(
                f"cannot move the clock backwards from {self._now.isoformat()} to {target.isoformat()}"
            )
        fired: list[Fired] = []
        asleep: list[RecurringTimer] = []  # idle recurring timers popped since the last run (see ``every``)
        stopping = False  # ``stop`` answered True after this instant's last run
        try:
            while True:
                self._drop_cancelled_head()
                if stopping and (not self._heap or self._heap[0][0] > self._now):
                    return fired
                if not self._heap or self._heap[0][0] > target:
                    break
                due, _, timer = heapq.heappop(self._heap)
                if timer.idle is not None and self.skip_idle and timer.idle():
                    assert isinstance(timer, RecurringTimer)  # only Clock.every sets ``idle``
                    asleep.append(timer)
                    continue
                if asleep:
                    # Woken before this run's callback, with fresh sequence numbers: a sleeper due at
                    # this very instant runs after it, and before anything the callback schedules,
                    # exactly as the always-running schedule (rescheduled one interval ago) would.
                    self._wake(asleep, due, inclusive=True)
                if timer.every is not None:
                    # The next run is scheduled first, so a failing run never stops the cadence.
                    timer.due = due + timer.every
                    timer.seq = next(self._seq)
                    heapq.heappush(self._heap, (timer.due, timer.seq, timer))
                else:
                    self._live -= 1
                    timer.cancelled = True  # fired: a later cancel() must not decrement again
                if due > self._now:
                    self._set_now(due)
                timer.callback()
                fired.append(Fired(self._now, timer.kind, timer.key))
                stopping = stop is not None and bool(stop())
            if target > self._now:
                self._set_now(target)
            return fired
        finally:
            if asleep:  # every instant up to now has been seen: wake at the first one after it
                self._wake(asleep, self._now, inclusive=False)

    def _wake(self, asleep: list[RecurringTimer], instant: datetime, *, inclusive: bool) -> None:
        """Put sleeping recurring timers back at their first cadence instant after the one they skipped.

        That instant is at or after ``instant`` (``inclusive``) or strictly after it; the runs in
        between were idle and are counted as skipped. Sleepers due at the same instant get sequence
        numbers in the order an always-running schedule would have given them: rescheduled earlier
        first (a longer interval), then, on one cadence, the one that went to sleep later (its last
        real scheduling came after the other's skipped runs began), then the older.
        """
        woken = []
        for timer in asleep:
            every = timer.every
            span = instant - timer.due
            steps = max(-(-span // every) if inclusive else span // every + 1, 1)  # ceil / floor + 1, exact
            timer.skipped += steps
            self.skipped_runs += steps
            due = timer.due + every * steps
            woken.append(((due, due - every, span, timer.seq), due, timer))  # on one cadence: later asleep first
        woken.sort(key=lambda item: item[0])
        for _, due, timer in woken:
            timer.due = due
            timer.seq = next(self._seq)
            heapq.heappush(self._heap, (due, timer.seq, timer))
        asleep.clear()

    def _drop_cancelled_head(self) -> None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)

    def _set_now(self, value: datetime) -> None:
        self._now = value
        for listener in self._listeners:
            listener(value)

    # -- observers -----------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(now)`` whenever time moves (used by the freezegun bridge)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        self._listeners.remove(listener)


class RealtimeTicker:
    """Moves a clock forward with the wall clock, ``speed`` virtual seconds per real second.

    Used by ``tts-sim serve --clock realtime --speed N``. The ticker calls ``advance`` (which must
    take the world's lock) every ``interval`` real seconds; manual advances in between simply
    move the anchor, so both modes compose.
    """

    def __init__(
        self,
        clock: Clock,
        advance: Callable[[datetime], object],
        *,
        speed: float = 1.0,
        interval: float = 0.05,
    ) -> None:
        if speed <= 0:
            raise ClockError("speed must be positive")
        self.clock = clock
        self.speed = speed
        self.interval = interval
        self._advance = advance
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._anchor_wall = wall_monotonic()
        self._anchor_virtual = clock.now()

    def target(self) -> datetime:
        """The virtual instant the wall clock has reached."""
        elapsed = (wall_monotonic() - self._anchor_wall) * self.speed
        return self._anchor_virtual + timedelta(seconds=elapsed)

    def tick(self) -> None:
        """Advance to the wall-derived target, re-anchoring if the clock was moved manually past it."""
        target = self.target()
        now = self.clock.now()
        if now > target:
            self._anchor_wall, self._anchor_virtual = wall_monotonic(), now
            return
        self._advance(target)

    def start(self) -> None:
        """Start ticking in a daemon thread."""
        self._anchor_wall, self._anchor_virtual = wall_monotonic(), self.clock.now()
        self._thread = threading.Thread(target=self._run, name="tts-sim-clock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop ticking and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()


@contextmanager
def freezegun_bridge(clock: Clock) -> Iterator[None]:
    """Keep freezegun's frozen time equal to ``clock`` while the block runs.

    Code under test that calls ``datetime.now()`` / ``time.time()`` then agrees with the
    simulation, including inside timer callbacks fired during an advance.
    """
    import freezegun

    freezer = freezegun.freeze_time(clock.now())
    frozen = freezer.start()

    def follow(now: datetime) -> None:
        frozen.move_to(now)

    clock.add_listener(follow)
    try:
        yield
    finally:
        clock.remove_listener(follow)
        freezer.stop()
