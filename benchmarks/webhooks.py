"""Benchmark: webhook deliveries per second to a local receiver, and what a slow receiver costs another shop.

Prints, per dispatch mode, the deliveries/s of N order placements (type 1 ON_HOLD each) and of the
advance that releases their holds; then how long a fast receiver waits for its webhooks of one
instant alone and next to a receiver that answers each after 0.5 s (ratio ~1: not waited for), and
how long that advance takes in all (the slow receiver's own deliveries go in series).
"""

from __future__ import annotations

import argparse
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from simulator.world import World

US, UK = "7495540735365777510", "7495540735365777511"


class Receiver:
    def __init__(self, delay: float = 0.0) -> None:
        self.count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if delay:
                    time.sleep(delay)
                receiver.count += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()


def world(mode: str, subscriptions: dict[str, str]) -> World:
    w = World.create(seed=0, config={"tiktok": {"webhook_dispatch": mode}})
    tiktok = w.systems["tiktok"]
    app_key = next(iter(tiktok.catalog.apps))
    with w.lock:
        for shop, url in subscriptions.items():
            tiktok.webhooks.subscribe(app_key, shop, "ORDER_STATUS_CHANGE", url, strict=False)
    return w


def throughput(mode: str, orders: int) -> tuple[float, float]:
    receiver = Receiver()
    w = world(mode, {US: receiver.url})
    start = time.perf_counter()
    for _ in range(orders):
        w.control.place_order(shop_id=US)
    w.drain_outboxes()  # thread mode: the placements did not wait
    placed = orders / (time.perf_counter() - start)
    start = time.perf_counter()
    w.control.advance(seconds=3600)  # every hold ends at one instant: N deliveries in one stop
    released = orders / (time.perf_counter() - start)
    assert receiver.count == 2 * orders, receiver.count
    w.close()
    return placed, released


def beside_slow(orders: int, slow: bool) -> tuple[float, float]:
    """(seconds until the fast receiver has this instant's webhooks, seconds the whole advance took)."""
    fast = Receiver()
    subscriptions = {UK: fast.url}
    if slow:
        subscriptions[US] = Receiver(delay=0.5).url
    w = world("thread", subscriptions)
    for _ in range(orders):
        if slow:
            w.control.place_order(shop_id=US)  # queued first at the same instant: ahead of the fast shop
        w.control.place_order(shop_id=UK)
    w.drain_outboxes()
    start = time.perf_counter()
    advance = threading.Thread(target=w.control.advance, kwargs={"seconds": 3600})
    advance.start()
    while fast.count < 2 * orders:
        time.sleep(0.001)
    fast_done = time.perf_counter() - start
    advance.join()
    total = time.perf_counter() - start
    w.close()
    return fast_done, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=300)
    args = parser.parse_args()
    for mode in ("sync", "thread"):
        placed, released = throughput(mode, args.orders)
        print(f"dispatch={mode:<6} placements with a delivery each: {placed:7.0f}/s   "
              f"one advance releasing {args.orders} holds: {released:7.0f} deliveries/s")
    (alone, _), (shared, total) = beside_slow(10, slow=False), beside_slow(10, slow=True)
    print(f"fast receiver's 10 webhooks of one instant: alone {alone:.3f} s, beside a 0.5 s receiver "
          f"{shared:.3f} s (ratio {shared / alone:.1f}); that advance took {total:.1f} s "
          f"(the slow receiver's 10 in series)")


if __name__ == "__main__":
    main()
