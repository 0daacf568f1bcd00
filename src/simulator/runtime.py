"""Process-level tuning for long-running simulations (``tts-sim serve`` / ``run``)."""

from __future__ import annotations

import gc

# A world keeps every order, event and journal entry alive, so CPython's default thresholds
# (700, 10, 10) re-scan a large, ever-growing heap; measured in benchmarks/engine.py this costs
# ~40 % of engine throughput. Larger generations keep full collections rare.
GC_THRESHOLDS = (50_000, 50, 100)


def tune_gc() -> tuple[int, int, int]:
    """Apply :data:`GC_THRESHOLDS`; returns the previous thresholds."""
    previous = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    return previous
