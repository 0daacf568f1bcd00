"""Full world vs engine alone: cost per timer, 10k orders over one day, RSS per order, idle long advances (issue 15).

Every figure is a ratio of two runs in this process, or a measurement against its ceiling:

- per timer: one advance of 1 day over ``--orders`` open orders (a third on each profile: direct,
  sfcc, rithum) in a full world (all systems) vs the same orders in an engine-only world, the median
  of ``--rounds`` rounds that alternate which world goes first (target <= 3x);
- 10k orders advanced 1 day in a full world (target < 1 s);
- resident memory per order in a full world after that day (target <= 5 KiB);
- an advance of 30 days vs one of 1 hour over the same few orders: the difference is the idle
  15-minute job runs and sync ticks (skipped by the clock while they have nothing to do), each of
  which must cost microseconds (target <= 50 µs a run;
  benchmarks/scenarios.py compares whole 30-day and 1-hour scenarios);
- with ``--count N``: the Python bytecodes executed and functions called per order in a one-day
  advance over N orders, full world vs engine alone. These counts are the same on every run (no
  timing, no collector), so a change to the code moves them even when the machine's noise hides
  its effect on the timed ratio; they are a guide, not the target.

    .venv/bin/python benchmarks/full_world.py [--orders 10000] [--rounds 5] [--cpu] [--count 1500]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from typing import Any

from simulator.engine import Sku
from simulator.runtime import tune_gc
from simulator.world import World

PROFILES = ("direct", "sfcc", "rithum")
PAGE = os.sysconf("SC_PAGE_SIZE")
# What advances are timed with: wall time, or (--cpu) this process's CPU time, which other work on a
# shared machine disturbs less (it still slows the caches).
CLOCK = [time.perf_counter]


def rss() -> int:
    """Current resident set size in bytes (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * PAGE


def full_world() -> World:
    """Every system installed (TikTok Shop, SFCC and its connector, ChannelAdvisor and its sync)."""
    return World.create(seed=0)


def engine_world(like: World) -> World:
    """Only the engine, with the full world's SKUs (the same orders fire the same engine timers)."""
    world = World.create(seed=0, systems=[])
    for sku in like.inventory.skus.values():
        world.inventory.add(Sku(sku.sku_id, sku.product_id, sku.product_name, sku.sku_name, sku.seller_sku,
                                sku.price, sku.currency, 10**9))
    return world


def place(world: World, shops: list[tuple[str, str, str]], n: int) -> None:
    """``n`` paid orders, round-robin over one shop of each profile."""
    tiktok = world.systems.get("tiktok")
    for i in range(n):
        shop_id, profile, sku = shops[i % len(shops)]
        if tiktok is not None:
            tiktok.place_order(shop_id, [(sku, 1)], profile=profile)
        else:
            world.engine.place_order(shop_id, [(sku, 1)], profile=profile)


def shops_of(world: World) -> list[tuple[str, str, str]]:
    """One (shop, profile, SKU) per profile, from the full world's catalog; stock made unlimited."""
    tiktok = world.systems["tiktok"]
    chosen = []
    for profile in PROFILES:
        shop = tiktok.shop(None, profile)
        sku = next(iter(tiktok.catalog.shop_skus(shop.id)))
        world.inventory.skus[sku.id].available = 10**9
        chosen.append((shop.id, profile, sku.id))
    return chosen


def advance(world: World, seconds: float) -> tuple[float, int]:
    """Time one advance; returns (seconds, timers fired)."""
    gc.collect()
    start = CLOCK[0]()
    fired = world.advance(seconds=seconds)
    return CLOCK[0]() - start, len(fired)


def per_timer(orders: int, days: float, *, engine_first: bool = False) -> tuple[float, float, dict[str, Any]]:
    """(full-world µs per timer, engine µs per timer, details) for one advance over ``orders`` (one round)."""
    full = full_world()
    shops = shops_of(full)
    engine = engine_world(full)
    place(full, shops, orders)
    place(engine, shops, orders)
    if engine_first:
        engine_s, engine_fired = advance(engine, days * 86400)
        full_s, full_fired = advance(full, days * 86400)
    else:
        full_s, full_fired = advance(full, days * 86400)
        engine_s, engine_fired = advance(engine, days * 86400)
    details = {"full_s": full_s, "full_fired": full_fired, "engine_s": engine_s, "engine_fired": engine_fired}
    full.close()
    engine.close()
    return full_s / max(full_fired, 1) * 1e6, engine_s / max(engine_fired, 1) * 1e6, details


def rounds(orders: int, days: float, count: int) -> list[tuple[float, float, dict[str, Any]]]:
    """``count`` rounds of :func:`per_timer`, alternating which world advances first.

    One advance of either world is a fraction of a second, so a single pair is at the mercy of
    whatever else the machine does in that moment (the engine alone read 15-28 µs per timer from one
    run to the next); the ratio is each round's, and the verdict is on their median.
    """
    return [per_timer(orders, days, engine_first=bool(i % 2)) for i in range(count)]


def one_day(orders: int) -> tuple[float, float]:
    """(seconds to advance ``orders`` one day in a full world, resident bytes per order after it)."""
    warm = full_world()  # first use: lazy imports, faker locales, code paths; not the orders' memory
    place(warm, shops_of(warm), 30)
    warm.advance(seconds=86400)
    warm.close()
    del warm
    world = full_world()
    shops = shops_of(world)
    gc.collect()
    before = rss()  # the world itself (mocks, apps' seed data) is not per-order memory
    place(world, shops, orders)
    seconds, _ = advance(world, 86400)
    gc.collect()
    per_order = (rss() - before) / max(orders, 1)
    world.close()
    return seconds, per_order


def idle_span(orders: int) -> tuple[float, float, int]:
    """(seconds for 1 hour, seconds for 30 days, extra timers of the 30 days) over the same few orders."""
    figures, counts = [], []
    for seconds in (3600, 30 * 86400):
        world = full_world()
        place(world, shops_of(world), orders)
        world.advance(seconds=60)  # warm: first runs of every job
        skipped = world.clock.skipped_runs
        took, fired = advance(world, seconds)
        figures.append(took)
        counts.append(fired + world.clock.skipped_runs - skipped)  # runs made and idle runs skipped
        world.close()
    return figures[0], figures[1], counts[1] - counts[0]


def counted(orders: int, engine_only: bool) -> tuple[float, float]:
    """(bytecodes, function calls) per order executed by a one-day advance over ``orders`` (collector off)."""
    world = full_world()
    shops = shops_of(world)
    if engine_only:
        engine = engine_world(world)
        world.close()
        world = engine
    place(world, shops, orders)
    counts = [0, 0]

    def trace(frame: Any, event: str, _arg: Any) -> Any:
        if event == "opcode":
            counts[0] += 1
        elif event == "call":
            frame.f_trace_opcodes = True
            counts[1] += 1
        return trace

    gc.collect()
    gc.disable()
    sys.settrace(trace)
    try:
        world.advance(seconds=86400)
    finally:
        sys.settrace(None)
        gc.enable()
        world.close()
    return counts[0] / max(orders, 1), counts[1] / max(orders, 1)


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def main() -> None:
    """Print every figure with its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000, help="orders of the one-day and per-timer runs")
    parser.add_argument("--idle-orders", type=int, default=30, help="orders of the 1-hour vs 30-day runs")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the per-timer comparison (median)")
    parser.add_argument("--cpu", action="store_true", help="time advances in process CPU time, not wall time")
    parser.add_argument("--count", type=int, default=0, metavar="N",
                        help="also count bytecodes and calls per order of a day over N orders (deterministic)")
    args = parser.parse_args()
    if args.cpu:
        CLOCK[0] = time.process_time
    tune_gc()  # what `tts-sim serve` / `run` apply (simulator.runtime)

    seconds, per_order = one_day(args.orders)  # first: resident memory is read before other worlds come and go
    measured = rounds(args.orders, 1, args.rounds)
    ratios = sorted(full / engine for full, engine, _ in measured)
    ratio = statistics.median(ratios)
    full_us = statistics.median(full for full, _, _ in measured)
    engine_us = statistics.median(engine for _, engine, _ in measured)
    d = measured[0][2]
    print(f"per timer, {args.orders:,} orders x 1 day, median of {args.rounds} rounds: full world {full_us:.1f} µs "
          f"({d['full_fired']:,} timers), engine alone {engine_us:.1f} µs ({d['engine_fired']:,} timers)")
    print(f"  full world / engine per timer: {ratio:.2f}, rounds {ratios[0]:.2f}-{ratios[-1]:.2f}  (target <= 3)  "
          f"{verdict(ratio <= 3)}")
    print(f"{args.orders:,} orders advanced 1 day in a full world: {seconds:.3f} s  (target < 1 s; ratio "
          f"{seconds:.2f})  {verdict(seconds < 1)}")
    print(f"RSS per order in a full world: {per_order / 1024:.2f} KiB  (target <= 5 KiB; ratio "
          f"{per_order / 5120:.2f})  {verdict(per_order <= 5120)}")

    hour, month, runs = idle_span(args.idle_orders)
    per_run = (month - hour) / max(runs, 1) * 1e6
    print(f"{args.idle_orders} orders, 30 days vs 1 hour in a full world: {month * 1000:.1f} ms vs "
          f"{hour * 1000:.1f} ms; {runs:,} more scheduled runs (idle job runs and sync ticks, skipped): {per_run:.2f} µs each "
          f"(target: microseconds, <= 50 µs)  {verdict(per_run <= 50)}")
    if args.count:
        (full_ops, full_calls), (engine_ops, engine_calls) = counted(args.count, False), counted(args.count, True)
        print(f"{args.count:,} orders x 1 day, per order: full world {full_ops:,.0f} bytecodes / {full_calls:,.1f} calls, "
              f"engine alone {engine_ops:,.0f} / {engine_calls:,.1f}: {full_ops / engine_ops:.2f}x / "
              f"{full_calls / engine_calls:.2f}x  (deterministic guide, not a target)")


if __name__ == "__main__":
    main()
