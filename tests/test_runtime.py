"""Process GC tuning (simulator.runtime): survivors of full collections are frozen, a closed world is still freed."""

from __future__ import annotations

import gc
import socket
import weakref
from collections.abc import Iterator

import pytest

from simulator.runtime import GC_THRESHOLDS, paused, release, settle, tune_gc, untune_gc
from simulator.world import World


@pytest.fixture
def tuned() -> Iterator[None]:
    previous = tune_gc()
    try:
        yield
    finally:
        untune_gc(previous)


@pytest.mark.usefixtures("tuned")
def test_a_full_collection_freezes_its_survivors() -> None:
    """After a full collection the long-lived heap is frozen: later collections do not scan it again."""
    assert gc.get_threshold() == GC_THRESHOLDS
    keep = [[i] for i in range(1000)]
    gc.collect()
    assert gc.get_freeze_count() >= len(keep)


@pytest.mark.usefixtures("tuned")
def test_a_closed_world_is_freed_although_its_heap_was_frozen() -> None:
    """World.close gives frozen objects back to the collector, so a dropped world does not leak."""
    world = World.create(seed=1)
    world.control.place_order()
    settle()
    gc.collect()
    assert gc.get_freeze_count() > 0
    ref = weakref.ref(world)
    world.close()
    del world
    gc.collect()
    assert ref() is None


def test_release_without_frozen_objects_is_a_no_op() -> None:
    """Untuned processes (tests, in-process users) see no change from World.close."""
    gc.unfreeze()
    release()
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("tuned")
def test_start_up_runs_with_the_collector_paused_and_gives_it_back_also_on_a_refusal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve``'s start-up (arguments, imports, the banner's world) collects nothing; any way out restores it."""
    from simulator import cli, server

    seen: list[bool] = []
    banner = server.banner
    monkeypatch.setattr(server, "banner", lambda *args: seen.append(gc.isenabled()) or banner(*args))
    monkeypatch.setattr(server, "_serve_granian", lambda args: seen.append(gc.isenabled()) or 0)
    assert cli.main(["serve", "--port", "0"]) == 2  # refused before the banner
    assert gc.isenabled()
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 0
    finally:
        gc.unfreeze()  # what serve froze for its worker: this process goes on
    assert seen == [False, True] and gc.isenabled()  # paused for the banner, back on before the worker forks
    with pytest.raises(SystemExit):
        cli.main(["serve", "--no-such-option"])
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a collector paused by someone else stays paused
    finally:
        gc.enable()
