"""Team-server benchmark: cost per acknowledged write (memory vs --data), restart time, memory per world and order.

Usage: .venv/bin/python benchmarks/worlds.py [--orders 10000] [--writes 2000] [--worlds 20]

Everything runs in-process through the full WSGI stack (world router, input layer, vendor app), so the
figures are the server's own cost without sockets (benchmarks/tiktok_http.py measures HTTP):

1. a write (``POST /_sim/buyer/orders``) and a signed read (Get Order Detail, logged too) in memory-only
   mode, with ``--data`` (``synchronous=NORMAL``) and with ``--sync full``; the ratio is the price of durability;
2. restart: a durable world with ``--orders`` orders (placed, held, released, created in SFCC / imported by
   ChannelAdvisor) restored from its log, as ``tts-sim serve --data`` does at start-up;
3. memory (tracemalloc, after a collection): one empty world, and per order of the big world;
4. requests per second one world answers (one thread) for the signed read.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import hmac
import io
import json
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from simulator.app import create_app
from simulator.runtime import tune_gc
from simulator.worlds.params import WorldParams
from simulator.worlds.registry import WorldRegistry
from simulator.worlds.store import Store

SERVE = {"tiktok": {"timestamp_clock": "wall", "webhook_dispatch": "thread"}}
PROFILES = ("direct", "sfcc", "rithum")


class Server:
    """A registry and its app, called through WSGI environ dicts."""

    def __init__(self, data: Path | None, sync: str = "normal") -> None:
        self.registry = WorldRegistry(WorldParams(config=SERVE), store=Store(data, sync=sync) if data else None)
        self.registry.open()
        self.app = create_app(registry=self.registry)
        started = time.perf_counter()
        self.registry.restore()
        self.restore_seconds = time.perf_counter() - started
        creds = self.registry.default.world.control.credentials()["tiktok"]
        self.key, self.secret = creds["apps"][0]["app_key"], creds["apps"][0]["app_secret"]
        self.token = creds["authorizations"][0]["access_token"]
        self.shop = next(s for s in creds["shops"] if s["profile"] == "direct")

    def call(self, method: str, path: str, body: Any = None, query: str = "", **headers: str) -> bytes:
        data = json.dumps(body).encode() if body is not None else b""
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "localhost",
                   "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": "application/json",
                   "CONTENT_LENGTH": str(len(data)), "wsgi.input": io.BytesIO(data), "wsgi.url_scheme": "http",
                   "wsgi.errors": io.StringIO(), "wsgi.multithread": True, "wsgi.multiprocess": False,
                   "wsgi.run_once": False, **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
        status: list[str] = []
        answer = b"".join(self.app.wsgi_app(environ, lambda s, h, e=None: status.append(s)))
        if not status[0].startswith("20"):
            raise SystemExit(f"{method} {path}: {status[0]} {answer[:200]!r}")
        return answer

    def place(self, profile: str = "direct") -> str:
        return str(json.loads(self.call("POST", "/_sim/buyer/orders", {"profile": profile}))["order"]["id"])

    def read(self, order_id: str) -> None:
        path = "/order/202309/orders"
        query = {"app_key": self.key, "timestamp": str(int(time.time())), "shop_cipher": self.shop["cipher"],
                 "ids": order_id}
        base = path + "".join(f"{k}{query[k]}" for k in sorted(query))
        query["sign"] = hmac.new(self.secret.encode(), f"{self.secret}{base}{self.secret}".encode(),
                                 hashlib.sha256).hexdigest()
        body = self.call("GET", path, query=urlencode(query), x_tts_access_token=self.token)
        if not body.startswith(b'{"code":0,'):
            raise SystemExit(f"bad read: {body[:200]!r}")

    def close(self) -> None:
        self.registry.close()


def per_call(run: Callable[[], object], count: int, rounds: int = 3) -> float:
    """Microseconds per call (best of ``rounds``)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(count):
            run()
        best = min(best, (time.perf_counter() - started) / count)
    return best * 1e6


def write_cost(writes: int) -> None:
    """The three modes side by side, rounds interleaved so drift (world size, caches) hits each alike."""
    print(f"1. cost per acknowledged call ({writes} per round, best of 3 interleaved rounds):")
    modes = (("memory only", False, "normal"), ("--data (sync normal)", True, "normal"),
             ("--data --sync full", True, "full"))
    with tempfile.TemporaryDirectory() as tmp:
        servers = [Server(Path(tmp) / str(i) if data else None, sync) for i, (_, data, sync) in enumerate(modes)]
        orders = [server.place() for server in servers]
        best = [[float("inf"), float("inf")] for _ in modes]
        for _ in range(3):
            for index, server in enumerate(servers):
                gc.collect()
                best[index][0] = min(best[index][0], per_call(server.place, writes, rounds=1))
                best[index][1] = min(best[index][1], per_call(lambda s=server, o=orders[index]: s.read(o), writes,
                                                              rounds=1))
        for server in servers:
            server.close()
    (base_write, base_read) = best[0]
    for (label, _, _), (write, read) in zip(modes, best, strict=True):
        print(f"   {label:<22} write {write:8.1f} us ({write / base_write:4.2f}x)   "
              f"signed read {read:7.1f} us ({read / base_read:4.2f}x)")


def restart(orders: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp))
        started = time.perf_counter()
        for index in range(orders):
            server.place(PROFILES[index % 3])
            if index % 500 == 499:  # time passes while orders come in: holds end, syncs and creates run
                server.call("POST", "/_sim/clock/advance", {"seconds": 600})
        server.call("POST", "/_sim/clock/advance", {"seconds": 3600})
        built = time.perf_counter() - started
        journal = len(server.registry.default.world.journal)
        commands = server.registry.default.recorder.log.last_seq  # type: ignore[union-attr]
        server.close()
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*.sqlite3*"))
        again = Server(Path(tmp))
        restored = again.restore_seconds
        assert len(again.registry.default.world.journal) == journal
        again.close()
    print(f"2. restart: a world with {orders} orders ({commands} commands, {journal} journal entries, "
          f"{size / 1e6:.1f} MB on disk; built live in {built:.1f} s)")
    print(f"   restored in {restored:.2f} s = {restored / orders * 1e3:.3f} ms per order "
          f"({restored / built:.2f}x the time the orders took to arrive)")


def memory(orders: int, worlds: int) -> None:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    server = Server(None)
    for _ in range(worlds):
        server.call("POST", "/_sim/worlds", {})
    gc.collect()
    per_world = (tracemalloc.get_traced_memory()[0] - base) / (worlds + 1)
    before = tracemalloc.get_traced_memory()[0]
    for index in range(orders):
        server.place(PROFILES[index % 3])
    server.call("POST", "/_sim/clock/advance", {"seconds": 3600})
    gc.collect()
    per_order = (tracemalloc.get_traced_memory()[0] - before) / orders
    tracemalloc.stop()
    server.close()
    print(f"3. memory: {per_world / 1e6:.1f} MB per empty world (app included, {worlds + 1} worlds), "
          f"{per_order / 1e3:.1f} KB per order across the three systems")
    print(f"   so 1 GB holds about {1e9 / per_world:.0f} empty worlds, or {1e9 / per_order:,.0f} orders")


def throughput(reads: int) -> None:
    for label, data in (("memory only", False), ("--data", True)):
        with tempfile.TemporaryDirectory() as tmp:
            server = Server(Path(tmp) if data else None)
            order = server.place()
            started = time.perf_counter()
            for _ in range(reads):
                server.read(order)
            rate = reads / (time.perf_counter() - started)
            server.close()
        print(f"4. one world, one thread, {label:<12}: {rate:8.0f} signed Get Order Detail/s (no sockets)")


def main() -> None:
    tune_gc()  # as tts-sim serve does
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--worlds", type=int, default=20)
    args = parser.parse_args()
    write_cost(args.writes)
    restart(args.orders)
    memory(min(args.orders, 3000), args.worlds)
    throughput(args.writes)


if __name__ == "__main__":
    main()
