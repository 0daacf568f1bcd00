"""Benchmark: signed Get Order Detail vs the bare /_sim/ping over HTTP against `tts-sim serve` (granian).

Usage: .venv/bin/python benchmarks/tiktok_http.py [--seconds 5] [--clients 8] [--client wrk|python]
Prints req/s and p50/p99 latency for both endpoints and their ratio (target >= 0.5).

The load generator is `wrk` when installed (`apt-get install wrk`): a Python client on the same two
cores is itself the bottleneck and under-reports the server. With wrk one signed URL is reused; its
timestamp stays inside TikTok's 5-minute window for runs shorter than that.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign(secret: str, path: str, query: dict[str, str]) -> str:
    base = path + "".join(f"{k}{query[k]}" for k in sorted(query) if k not in ("sign", "access_token"))
    return hmac.new(secret.encode(), f"{secret}{base}{secret}".encode(), hashlib.sha256).hexdigest()


def load(url_for: callable, headers: dict[str, str], clients: int, seconds: float) -> tuple[float, list[float]]:  # type: ignore[valid-type]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    stop = time.monotonic() + seconds
    barrier = threading.Barrier(clients)

    def worker(i: int) -> None:
        session = requests.Session()
        barrier.wait()
        while time.monotonic() < stop:
            url = url_for()
            t0 = time.perf_counter()
            r = session.get(url, headers=headers, timeout=10)
            latencies[i].append(time.perf_counter() - t0)
            if r.status_code != 200 or (r.json().get("code", 0) != 0):
                raise SystemExit(f"bad answer: {r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    flat = sorted(x for xs in latencies for x in xs)
    return len(flat) / elapsed, flat


def wrk(url: str, headers: dict[str, str], clients: int, seconds: float) -> tuple[float, float, float]:
    """req/s, p50 ms, p99 ms from one wrk run."""
    cmd = ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--latency"]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")

    def ms(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        assert match, out
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rps, out
    return float(rps.group(1)), ms("50%"), ms("99%")


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(ROOT / ".venv/bin/tts-sim"), "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/_sim/ping", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        creds = requests.get(f"{base}/_sim/credentials", timeout=5).json()["tiktok"]
        app, auth = creds["apps"][0], creds["authorizations"][0]
        shop = next(s for s in creds["shops"] if s["profile"] == "direct")
        ids = [requests.post(f"{base}/_sim/buyer/orders", json={"shop_id": shop["id"]}, timeout=5).json()["order"]["id"]
               for _ in range(20)]
        requests.post(f"{base}/_sim/clock/advance", json={"seconds": 3600}, timeout=5)
        path = "/order/202309/orders"
        counter = iter(range(10**9))

        def detail_url() -> str:
            q = {"app_key": app["app_key"], "timestamp": str(int(time.time())), "shop_cipher": shop["cipher"],
                 "ids": ids[next(counter) % len(ids)]}
            q["sign"] = sign(app["app_secret"], path, q)
            return base + path + "?" + "&".join(f"{k}={v}" for k, v in q.items())

        headers = {"x-tts-access-token": auth["access_token"], "content-type": "application/json"}
        print(f"client={args.client} clients={args.clients} seconds={args.seconds} server=granian (1 worker, 1 thread)")
        if args.client == "wrk":
            wrk(detail_url(), headers, args.clients, 2)  # warm-up
            d_rps, d50, d99 = wrk(detail_url(), headers, args.clients, args.seconds)
            p_rps, p50, p99 = wrk(f"{base}/_sim/ping", {}, args.clients, args.seconds)
        else:
            load(detail_url, headers, args.clients, 1.0)  # warm-up
            d_rps, d_lat = load(detail_url, headers, args.clients, args.seconds)
            p_rps, p_lat = load(lambda: f"{base}/_sim/ping", {}, args.clients, args.seconds)
            d50, d99, p50, p99 = pct(d_lat, .5), pct(d_lat, .99), pct(p_lat, .5), pct(p_lat, .99)
            print(f"mean latency detail {statistics.mean(d_lat) * 1000:.2f} ms")
        print(f"signed Get Order Detail : {d_rps:8.0f} req/s  p50 {d50:6.2f} ms  p99 {d99:6.2f} ms")
        print(f"bare /_sim/ping (ceiling): {p_rps:8.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
        print(f"ratio detail/ping        : {d_rps / p_rps:.2f}  (target >= 0.5)")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
