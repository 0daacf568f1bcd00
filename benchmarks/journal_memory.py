"""Journal memory benchmark: 100,000 signed TikTok requests in-process; retained memory at 10k vs 100k (issue 9).

Usage: .venv/bin/python benchmarks/journal_memory.py [--requests 100000] [--unbounded]

Each request is a correctly signed Get Order Detail through the Flask WSGI app (the full gateway,
journaled as ``tiktok.request``). Memory is what tracemalloc sees still allocated after a
collection. With the request ring (default 10,000 entries) memory after 100k requests equals
memory after 10k (ratio ≈ 1.0, ≈ 0 B per extra request); ``--unbounded`` shows the old behaviour.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import hmac
import io
import time
import tracemalloc
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from simulator.app import create_app
from simulator.world import World

PATH = "/order/202309/orders"


def client_for(world: World) -> Callable[[], None]:
    """One signed Get Order Detail per call, signed the way the API doc says."""
    app = create_app(world).wsgi_app
    creds = world.control.credentials()["tiktok"]
    key, secret = creds["apps"][0]["app_key"], creds["apps"][0]["app_secret"]
    token = creds["authorizations"][0]["access_token"]
    shop = next(s for s in creds["shops"] if s["profile"] == "direct")
    order_id = world.control.place_order(shop_id=shop["id"])["order"]["id"]
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses.append(status)

    def call() -> None:
        query = {"app_key": key, "timestamp": str(world.clock.timestamp()), "shop_cipher": shop["cipher"],
                 "ids": order_id}
        base = PATH + "".join(f"{k}{query[k]}" for k in sorted(query))
        query["sign"] = hmac.new(secret.encode(), f"{secret}{base}{secret}".encode(), hashlib.sha256).hexdigest()
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": PATH, "QUERY_STRING": urlencode(query), "SERVER_NAME": "localhost",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": "application/json",
            "HTTP_X_TTS_ACCESS_TOKEN": token, "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        body = b"".join(app(environ, start_response))
        if statuses.pop() != "200 OK" or not body.startswith(b'{"code":0,'):
            raise SystemExit(f"bad answer: {body[:200]!r}")

    return call


def retained() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def run(requests: int, checkpoint: int, config: dict[str, Any]) -> tuple[int, int, float]:
    """Bytes retained after ``checkpoint`` and after ``requests`` requests, and requests/s (traced)."""
    world = World.create(seed=0, config=config)
    call = client_for(world)
    for _ in range(100):  # warm caches (url map, jinja-free responses, orjson) before measuring
        call()
    tracemalloc.start()
    base = retained()
    start = time.perf_counter()
    at_checkpoint = 0
    for done in range(1, requests + 1):
        call()
        if done == checkpoint:
            at_checkpoint = retained() - base
    elapsed = time.perf_counter() - start
    at_end = retained() - base
    tracemalloc.stop()
    return at_checkpoint, at_end, requests / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--checkpoint", type=int, default=10_000)
    parser.add_argument("--unbounded", action="store_true", help="no request cap (the pre-ring journal)")
    args = parser.parse_args()
    config = {"journal": {"request_entries": None}} if args.unbounded else {}
    early, late, rate = run(args.requests, args.checkpoint, config)
    extra = args.requests - args.checkpoint
    print(f"signed Get Order Detail, {'unbounded journal' if args.unbounded else 'default request ring'} "
          f"({rate:,.0f} req/s under tracemalloc)")
    print(f"  retained after {args.checkpoint:>7,} requests: {early / 1024:8,.0f} KiB  "
          f"({early / args.checkpoint:,.0f} B/request)")
    print(f"  retained after {args.requests:>7,} requests: {late / 1024:8,.0f} KiB  "
          f"({late / args.requests:,.0f} B/request)")
    print(f"  {args.requests:,} / {args.checkpoint:,} retained ratio: {late / early:.2f}  (target ≈ 1.0: bounded)")
    print(f"  marginal cost of requests {args.checkpoint:,}..{args.requests:,}: {(late - early) / extra:,.1f} B/request "
          f"(target ≈ 0)")


if __name__ == "__main__":
    main()
