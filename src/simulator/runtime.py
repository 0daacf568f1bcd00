"""Process-level tuning for long-running simulations (``tts-sim serve`` / ``run``): GC thresholds and frozen heaps."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# A world keeps every order, event and journal entry alive, so CPython's default thresholds
# (700, 10, 10) re-scan a large, ever-growing heap; measured in benchmarks/engine.py this costs
# ~40 % of engine throughput. Larger generations keep full collections rare.
GC_THRESHOLDS = (50_000, 50, 100)


def tune_gc() -> tuple[int, int, int]:
    """Apply :data:`GC_THRESHOLDS` and freeze what survives each full collection; returns the previous thresholds.

    A world's objects live as long as the world, so a full collection that scanned them once need not
    scan them again: after each one the survivors move to the permanent generation (``gc.freeze``), and
    the next full collection scans only what was promoted since. A pause then grows with what changed,
    not with the world's size (benchmarks/pauses.py: p99 at 50k orders vs 1k). :func:`release` gives
    the collector a dropped world back.
    """
    previous = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)
    return previous


def untune_gc(previous: tuple[int, int, int]) -> None:
    """Undo :func:`tune_gc` (tests, benchmarks comparing settings)."""
    gc.set_threshold(*previous)
    if _freeze_survivors in gc.callbacks:
        gc.callbacks.remove(_freeze_survivors)
    gc.unfreeze()


@contextmanager
def paused() -> Iterator[None]:
    """No collection while start-up imports modules and builds what lives as long as the process.

    Nearly everything allocated then survives, so each young collection (up to 50,000 objects at
    :data:`GC_THRESHOLDS`) scans and promotes objects that :func:`settle` freezes anyway: about a tenth
    of ``serve``'s CPU before its banner. The price: the few thousand objects start-up leaves as cyclic
    garbage (the banner's closed world among them) stay with the frozen heap. The collector's previous
    state is restored on leaving, also on an error.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settle() -> None:
    """After building a large heap (start-up, worlds restored from ``--data``): freeze it, so no collection scans it.

    No collection first: it would stand between ``serve``'s start and its first answer (tens of ms), and
    what start-up leaves as garbage is small and bounded.
    """
    gc.freeze()


def release() -> None:
    """A world was dropped: frozen objects become collectable again (the next full collection frees the world).

    A no-op unless something was frozen (:func:`tune_gc`, :func:`settle`)."""
    if gc.get_freeze_count():
        gc.unfreeze()


def _freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()
