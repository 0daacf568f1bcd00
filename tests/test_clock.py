"""The virtual clock: ordered timers, re-entrant scheduling, cancellation, no going back, freezegun bridge."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import clock as clock_module
from simulator.clock import Clock, ClockError, RealtimeTicker, freezegun_bridge, parse_instant

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_timers_fire_in_due_order_and_equal_times_in_scheduling_order() -> None:
    clock = Clock(START)
    fired: list[str] = []
    clock.schedule(START + timedelta(hours=2), lambda: fired.append("c"), kind="t")
    clock.schedule(START + timedelta(hours=1), lambda: fired.append("a"), kind="t")
    clock.schedule(START + timedelta(hours=1), lambda: fired.append("b"), kind="t")
    result = clock.advance_by(timedelta(hours=3))
    assert fired == ["a", "b", "c"]
    assert [f.at for f in result] == [START + timedelta(hours=1)] * 2 + [START + timedelta(hours=2)]
    assert clock.now() == START + timedelta(hours=3)


def test_each_timer_sees_its_own_due_time_as_now() -> None:
    clock = Clock(START)
    seen: list[datetime] = []
    for minutes in (15, 30, 45):
        clock.schedule(START + timedelta(minutes=minutes), lambda: seen.append(clock.now()), kind="t")
    clock.advance_to(START + timedelta(days=1))
    assert seen == [START + timedelta(minutes=m) for m in (15, 30, 45)]


def test_timers_scheduled_by_timers_fire_in_the_same_advance_when_due() -> None:
    clock = Clock(START)
    ticks: list[datetime] = []

    def tick() -> None:
        ticks.append(clock.now())
        clock.schedule_in(timedelta(minutes=15), tick, kind="sync")

    clock.schedule(START, tick, kind="sync")
    clock.advance_by(timedelta(hours=1))
    assert ticks == [START + timedelta(minutes=15 * i) for i in range(5)]
    assert clock.pending_count() == 1  # the 5th reschedule is due after the target


def test_cancelled_timer_never_fires_and_pending_count_stays_exact() -> None:
    clock = Clock(START)
    fired: list[str] = []
    keep = clock.schedule_in(timedelta(minutes=1), lambda: fired.append("keep"), kind="t")
    drop = clock.schedule_in(timedelta(minutes=1), lambda: fired.append("drop"), kind="t")
    clock.cancel(drop)
    clock.cancel(drop)  # idempotent
    assert clock.pending_count() == 1
    assert clock.pending() == [keep]
    clock.advance_by(timedelta(minutes=5))
    clock.cancel(keep)  # already fired: no effect on the count
    assert fired == ["keep"]
    assert clock.pending_count() == 0


def test_moving_backwards_and_naive_datetimes_are_refused() -> None:
    clock = Clock(START)
    clock.advance_by(timedelta(hours=1))
    with pytest.raises(ClockError, match="backwards"):
        clock.advance_to(START)
    with pytest.raises(ClockError, match="backwards"):
        clock.advance_by(timedelta(seconds=-1))
    with pytest.raises(ClockError, match="naive"):
        clock.advance_to(datetime(2026, 12, 1))  # noqa: DTZ001
    assert clock.now() == START + timedelta(hours=1)


def test_parse_instant_accepts_z_and_offsets() -> None:
    assert parse_instant("2026-11-02T09:00:00Z") == START
    assert parse_instant("2026-11-02T10:00:00+01:00") == START
    with pytest.raises(ClockError):
        parse_instant("yesterday")


def test_advancing_15_days_costs_the_timers_not_the_span() -> None:
    clock = Clock(START)
    calls = []
    clock.schedule(START + timedelta(days=15), lambda: calls.append(1), kind="t")
    fired = clock.advance_by(timedelta(days=15))
    assert len(fired) == 1 and calls == [1]  # one callback, no per-minute loop


def test_freezegun_bridge_keeps_datetime_now_equal_to_the_world_clock() -> None:
    clock = Clock(START)
    seen_in_timer: list[datetime] = []
    clock.schedule(START + timedelta(hours=1), lambda: seen_in_timer.append(datetime.now(UTC)), kind="t")
    with freezegun_bridge(clock):
        assert datetime.now(UTC) == START
        clock.advance_by(timedelta(days=2))
        assert datetime.now(UTC) == START + timedelta(days=2)
        assert time.time() == (START + timedelta(days=2)).timestamp()
    assert seen_in_timer == [START + timedelta(hours=1)]
    assert datetime.now(UTC).year >= 2026  # real time again outside the bridge


def test_realtime_ticker_moves_speed_times_faster_and_reanchors_after_manual_jumps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wall = [1000.0]
    monkeypatch.setattr(clock_module, "wall_monotonic", lambda: wall[0])
    clock = Clock(START)
    ticker = RealtimeTicker(clock, clock.advance_to, speed=60)
    wall[0] += 60  # one real minute at speed 60 = one virtual hour
    ticker.tick()
    assert clock.now() == START + timedelta(hours=1)
    clock.advance_by(timedelta(days=1))  # a manual jump ahead of the wall-derived target
    ticker.tick()  # re-anchors instead of trying to go back
    wall[0] += 1
    ticker.tick()
    assert clock.now() == START + timedelta(days=1, hours=1, minutes=1)
    with pytest.raises(ClockError):
        RealtimeTicker(clock, clock.advance_to, speed=0)


# -- recurring timers that sleep while idle -------------------------------------------------------------

_PROGRAM = st.fixed_dictionaries({
    "jobs": st.lists(st.tuples(st.sampled_from([5, 15, 60]), st.integers(0, 59)), min_size=1, max_size=3),
    "shots": st.lists(st.tuples(st.integers(0, 600), st.integers(0, 2), st.sampled_from([None, 0, 5, 15, 45])),
                      max_size=12),
    "advances": st.lists(st.tuples(st.integers(0, 400), st.lists(st.integers(0, 2), max_size=2)),
                         min_size=1, max_size=6),
})


def _play(program: dict, *, skip_idle: bool) -> tuple[list[tuple[datetime, str]], list[datetime], int, int]:
    """Run one program of recurring jobs (idle while they have no work) and one-shots that hand them work."""
    clock = Clock(START, skip_idle=skip_idle)
    work = [0] * len(program["jobs"])
    log: list[tuple[datetime, str]] = []
    idle_runs = [0]
    outbox: list[int] = []  # work to do outside the clock (as webhooks are): the advance stops for it

    def run(i: int) -> None:
        if not work[i]:  # only reached when idle runs are not skipped: the run finds nothing
            idle_runs[0] += 1
            return
        log.append((clock.now(), f"job{i}"))
        work[i] = 0

    def shot(n: int, target: int, then: int | None) -> None:
        log.append((clock.now(), f"shot{n}"))
        work[target % len(work)] += 1
        if n % 3 == 0:
            outbox.append(n)
        if then is not None:  # a timer that schedules another, possibly at this very instant
            clock.schedule_in(timedelta(minutes=then), lambda: shot(n + 100, target + 1, None), kind="shot")

    timers = [clock.every(timedelta(minutes=every), lambda i=i: run(i), kind=f"job{i}",
                          first=START + timedelta(minutes=offset), idle=lambda i=i: not work[i])
              for i, (every, offset) in enumerate(program["jobs"])]
    for n, (minute, target, then) in enumerate(program["shots"]):
        clock.schedule(START + timedelta(minutes=minute), lambda n=n, t=target, th=then: shot(n, t, th), kind="shot")
    for minutes, pokes in program["advances"]:
        target = clock.now() + timedelta(minutes=minutes)
        while True:  # as World.advance_to: stop at an instant with outbox work, drain it, go on
            clock.advance_to(target, stop=lambda: bool(outbox))
            log.extend((clock.now(), f"drained{n}") for n in outbox)
            outbox.clear()
            if clock.now() >= target:
                break
        for target in pokes:  # work handed over between advances (an API call at rest)
            work[target % len(work)] += 1
    return log, [t.due for t in timers], sum(t.skipped for t in timers), idle_runs[0]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_PROGRAM)
def test_idle_recurring_timers_sleep_without_changing_any_run(program: dict) -> None:
    awake = _play(program, skip_idle=False)
    asleep = _play(program, skip_idle=True)
    assert asleep[0] == awake[0]  # every real run and one-shot at the same instant, in the same order
    assert asleep[1] == awake[1]  # each job's next run is where the always-running schedule has it
    assert asleep[2] == awake[3] and asleep[3] == 0  # every idle run counted as skipped, none made


def test_a_sleeping_job_wakes_at_its_next_cadence_instant_and_counts_what_it_skipped() -> None:
    clock = Clock(START)
    work: list[str] = []
    runs: list[datetime] = []
    job = clock.every(timedelta(minutes=15), lambda: (runs.append(clock.now()), work.clear()), kind="job",
                      idle=lambda: not work)
    clock.schedule(START + timedelta(days=10, minutes=7), lambda: work.append("x"), kind="t")
    fired = clock.advance_by(timedelta(days=30))
    assert runs == [START + timedelta(days=10, minutes=15)]  # the first cadence instant after the work came
    assert [f.kind for f in fired] == ["t", "job"]  # 2,880 instants, two callbacks
    assert job.skipped == clock.skipped_runs == 30 * 96 - 1
    assert job.due == START + timedelta(days=30, minutes=15) and clock.pending_count() == 1


def test_a_recurring_timer_needs_a_positive_interval() -> None:
    with pytest.raises(ClockError):
        Clock(START).every(timedelta(0), lambda: None, kind="job")
