"""Process GC tuning (simulator.runtime): survivors of full collections are frozen, a closed world is still freed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from simulator.runtime import GC_THRESHOLDS, release, settle, tune_gc, untune_gc
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
