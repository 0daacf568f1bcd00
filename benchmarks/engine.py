"""Engine benchmark: order lifecycles per second under virtual time, and advance cost vs span (issue 2)."""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from simulator.engine import Sku
from simulator.runtime import GC_THRESHOLDS, tune_gc
from simulator.world import World

SHOP = "7495540735365777510"
SKU = "172000000000000001"


def make_world(**overrides: Any) -> World:
    world = World.create(seed=0, systems=[], profile_overrides=overrides or None)
    world.inventory.add(Sku(SKU, "173000000000000001", "Mug", "Blue", "MUG", Decimal("9.99"), "USD", 10**9))
    return world


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def lifecycles(n: int) -> float:
    """Place, hold, ship, collect, deliver and complete ``n`` orders; returns lifecycles per second."""
    world = make_world()
    engine = world.engine

    def run() -> None:
        orders = [engine.place_order(SHOP, [(SKU, 1)], profile="direct") for _ in range(n)]
        world.advance(seconds=3600)
        for order in orders:
            package = order.package_ids[0]
            engine.ship_package(package, tracking_number="1Z", shipping_provider_id="p")
            engine.carrier_collected(package)
            engine.carrier_delivered(package)
        world.advance(seconds=31 * 86400)
        assert all(o.status == "COMPLETED" for o in orders)

    seconds, _ = timed(run)
    return n / seconds


def return_lifecycles(n: int) -> float:
    """Deliver ``n`` orders, then each return: request, approve (label), ship back, received, refunded, completed;
    returns the returns per second (the delivery part not counted)."""
    world = make_world()
    engine = world.engine
    orders = [engine.place_order(SHOP, [(SKU, 1)], profile="direct") for _ in range(n)]
    world.advance(seconds=3600)
    for order in orders:
        package = order.package_ids[0]
        engine.ship_package(package, tracking_number="1Z", shipping_provider_id="p")
        engine.carrier_delivered(package)

    def run() -> None:
        for order in orders:
            ret = engine.request_return(order.id, "RETURN_AND_REFUND")
            engine.approve_return(ret.id)
            engine.ship_return(ret.id)
            engine.return_delivered(ret.id)
            engine.approve_return(ret.id)
        assert all(o.status == "COMPLETED" for o in orders)

    seconds, _ = timed(run)
    return n / seconds


def open_orders_advance(n: int, days: int, overrides: dict[str, Any]) -> tuple[float, int]:
    """Place ``n`` paid orders, then time one advance of ``days``; returns (seconds, timers fired)."""
    world = make_world(**({"direct": overrides} if overrides else {}))
    for _ in range(n):
        world.engine.place_order(SHOP, [(SKU, 1)], profile="direct")
    seconds, fired = timed(lambda: world.advance(seconds=days * 86400))
    return seconds, len(fired)


def memory_per_order(n: int) -> float:
    world = make_world()
    tracemalloc.start()
    base = tracemalloc.take_snapshot()
    for _ in range(n):
        world.engine.place_order(SHOP, [(SKU, 1)], profile="direct")
    world.advance(seconds=3600)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    used = sum(s.size_diff for s in after.compare_to(base, "filename"))
    return used / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lifecycles", type=int, default=20_000)
    args = parser.parse_args()

    default_rate = lifecycles(args.lifecycles)
    previous = tune_gc()  # what `tts-sim serve` / `run` apply (simulator.runtime)
    rate = lifecycles(args.lifecycles)
    print(f"full lifecycles (place→hold→ship→collect→deliver→complete): {rate:,.0f}/s  (target ≥ 20,000/s; "
          f"tts-sim runtime GC thresholds {GC_THRESHOLDS})")
    print(f"  same with CPython's default GC thresholds {previous}: {default_rate:,.0f}/s")
    returns = return_lifecycles(args.lifecycles)
    print(f"returns (request→approve→ship back→received→refund→complete): {returns:,.0f}/s  "
          f"({returns / rate:.2f}x the rate of full order lifecycles)")

    long_s, long_fired = open_orders_advance(args.orders, 30, {})
    # Same number of timers squeezed into one day: deadline and auto-cancel due at hold end.
    short_s, short_fired = open_orders_advance(
        args.orders, 1, {"dispatch_sla_business_days": 0, "auto_cancel": {"calendar_days": 0}}
    )
    empty_s, _ = open_orders_advance(0, 30, {})
    print(f"advance 30 days over {args.orders:,} open orders: {long_s * 1000:,.1f} ms, {long_fired:,} timers fired "
          f"(target < 1,000 ms)")
    print(f"advance  1 day  over {args.orders:,} open orders: {short_s * 1000:,.1f} ms, {short_fired:,} timers fired")
    print(f"30-day / 1-day ratio: {long_s / short_s:.2f}  (target within 1.5x)")
    print(f"advance 30 days with no orders: {empty_s * 1e6:,.0f} µs")
    print(f"memory per open order (engine + journal): {memory_per_order(args.orders) / 1024:,.1f} KiB")


if __name__ == "__main__":
    main()
