"""Benchmark: signed Get Order Detail over `tts-sim serve` vs /_sim/ping, Prism and WireMock serving the same body.

Usage: .venv/bin/python benchmarks/tiktok_http.py [--seconds 5] [--rounds 3] [--clients 8]
           [--client wrk|python] [--no-peers] [--peers-dir DIR]

Every figure is measured in this run, rounds interleaved (tts-sim, tts-sim without its fast path, ping,
Prism, WireMock, then again), best of the rounds per server and figure. Targets (issue 15): signed detail >= 4x Prism, >= 1x warmed WireMock, p99 <= 5 ms
at 8 connections; each printed PASS/FAIL with its ratio.

Peers are installed from npm into ``--peers-dir`` (default ``~/.cache/tts-sim-bench``) as the script
runs: ``@stoplight/prism-cli`` (a mock from an OpenAPI document whose example is the detail body tts-sim
answered) and ``wiremock`` (the npm package bundling WireMock's jar; needs ``java``), one stub with the
same body. Without npm, java or the registry a peer is skipped with a message. WireMock is warmed up
(its JIT) before it is measured.

The load generator is ``wrk`` when installed (``apt-get install wrk``): a Python client on the same two
cores is itself the bottleneck and under-reports every server. With wrk each round signs a fresh URL;
its timestamp stays inside TikTok's 5-minute window for the round.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
DETAIL = "/order/202309/orders"
TARGETS = {"prism": 4.0, "wiremock": 1.0}
P99_TARGET_MS = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign(secret: str, path: str, query: dict[str, str]) -> str:
    base = path + "".join(f"{k}{query[k]}" for k in sorted(query) if k not in ("sign", "access_token"))
    return hmac.new(secret.encode(), f"{secret}{base}{secret}".encode(), hashlib.sha256).hexdigest()


def wait_up(url: str, seconds: float = 60.0) -> float:
    """Poll ``url`` until it answers 200; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


# -- load generators --------------------------------------------------------------------------------------
def python_load(url: str, headers: dict[str, str], clients: int, seconds: float) -> tuple[float, float, float]:
    """req/s, p50 ms, p99 ms from ``clients`` threads with keep-alive sessions."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    stop = time.monotonic() + seconds
    barrier = threading.Barrier(clients)

    def worker(i: int) -> None:
        session = requests.Session()
        barrier.wait()
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            r = session.get(url, headers=headers, timeout=10)
            latencies[i].append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise SystemExit(f"bad answer from {url}: {r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    flat = sorted(x for xs in latencies for x in xs)
    return len(flat) / elapsed, flat[len(flat) // 2] * 1e3, flat[min(len(flat) - 1, int(0.99 * len(flat)))] * 1e3


def wrk_load(url: str, headers: dict[str, str], clients: int, seconds: float) -> tuple[float, float, float]:
    """req/s, p50 ms, p99 ms from one wrk run."""
    cmd = ["wrk", "-t2", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--latency"]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors from {url}:\n{out}")

    def ms(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out)
        assert match, out
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rps, out
    return float(rps.group(1)), ms("50%"), ms("99%")


# -- servers ----------------------------------------------------------------------------------------------
class Served:
    """One server under test: how to build its URL and headers for a round, and its process."""

    def __init__(self, name: str, proc: subprocess.Popen[bytes], url: Callable[[], str],
                 headers: dict[str, str] | None = None) -> None:
        self.name, self.proc, self.url, self.headers = name, proc, url, headers or {}
        self.best: tuple[float, float, float] | None = None

    def record(self, result: tuple[float, float, float]) -> None:
        """Best of the rounds, each figure on its own: the highest req/s, the lowest p50 and p99 (a round
        another process on the machine interrupted shows in one figure, not in all three)."""
        if self.best is None:
            self.best = result
        else:
            self.best = (max(self.best[0], result[0]), min(self.best[1], result[1]), min(self.best[2], result[2]))

    def stop(self) -> None:
        """Stop the server and everything it started: each runs in its own session (``spawn``), so the
        group is signalled, not only the launcher (npm's ``wiremock`` script leaves its JVM behind)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=15)
                return
            except subprocess.TimeoutExpired:
                continue


def spawn(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A server process in a session of its own (see :meth:`Served.stop`)."""
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def start_tts_sim(fast: bool = True) -> tuple[Served, Served, bytes]:
    """``tts-sim serve`` with 20 orders past their hold; its signed-detail and ping servers, and one detail body.

    ``fast=False``: with ``TTS_SIM_FAST_PATH=0`` (every route through Flask), for the fast path's own ratio.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = spawn([str(ROOT / ".venv/bin/tts-sim"), "serve", "--port", str(port)],
                 env={**os.environ, "TTS_SIM_FAST_PATH": "1" if fast else "0"})
    wait_up(f"{base}/_sim/ping")
    creds = requests.get(f"{base}/_sim/credentials", timeout=5).json()["tiktok"]
    app, auth = creds["apps"][0], creds["authorizations"][0]
    shop = next(s for s in creds["shops"] if s["profile"] == "direct")
    ids = [requests.post(f"{base}/_sim/buyer/orders", json={"shop_id": shop["id"]}, timeout=5).json()["order"]["id"]
           for _ in range(20)]
    requests.post(f"{base}/_sim/clock/advance", json={"seconds": 3600}, timeout=5)
    counter = iter(range(10**9))

    def detail_url() -> str:
        q = {"app_key": app["app_key"], "timestamp": str(int(time.time())), "shop_cipher": shop["cipher"],
             "ids": ids[next(counter) % len(ids)]}
        q["sign"] = sign(app["app_secret"], DETAIL, q)
        return base + DETAIL + "?" + "&".join(f"{k}={v}" for k, v in q.items())

    headers = {"x-tts-access-token": auth["access_token"], "content-type": "application/json"}
    body = requests.get(detail_url(), headers=headers, timeout=5).content
    assert json.loads(body)["code"] == 0, body[:200]
    detail = Served("tts-sim signed Get Order Detail" if fast else "  same, Flask only (FAST_PATH=0)", proc,
                    detail_url, headers)
    ping = Served("tts-sim /_sim/ping (ceiling)", proc, lambda: f"{base}/_sim/ping")
    return detail, ping, body


def npm_install(peers: Path, package: str, binary: str) -> Path | None:
    """``npm install package`` into ``peers`` (once); the binary's path, or None with a message."""
    exe = peers / "node_modules" / ".bin" / binary
    if exe.exists():
        return exe
    if shutil.which("npm") is None:
        print(f"skip {package}: npm is not installed")
        return None
    peers.mkdir(parents=True, exist_ok=True)
    print(f"installing {package} from npm into {peers} ...", flush=True)
    done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(peers), package],
                          capture_output=True, text=True)
    if done.returncode != 0 or not exe.exists():
        print(f"skip {package}: npm install failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
        return None
    return exe


def start_prism(peers: Path, work: Path, body: bytes) -> Served | None:
    exe = npm_install(peers, "@stoplight/prism-cli", "prism")
    if exe is None:
        return None
    spec = {"openapi": "3.0.3", "info": {"title": "Get Order Detail, static", "version": "1"},
            "paths": {DETAIL: {"get": {"responses": {"200": {"description": "the body tts-sim answered",
                                                             "content": {"application/json": {
                                                                 "example": json.loads(body)}}}}}}}}
    path = work / "prism.json"
    path.write_text(json.dumps(spec))
    port = free_port()
    proc = spawn([str(exe), "mock", "-h", "127.0.0.1", "-p", str(port), "--errors", "false", str(path)])
    url = f"http://127.0.0.1:{port}{DETAIL}"
    wait_up(url)
    return Served("Prism (static example)", proc, lambda: url)


def start_wiremock(peers: Path, work: Path, body: bytes) -> Served | None:
    if shutil.which("java") is None:
        print("skip wiremock: java is not installed")
        return None
    exe = npm_install(peers, "wiremock", "wiremock")
    if exe is None:
        return None
    root = work / "wiremock"
    (root / "mappings").mkdir(parents=True)
    (root / "mappings" / "detail.json").write_text(json.dumps({
        "request": {"method": "GET", "urlPath": DETAIL},
        "response": {"status": 200, "body": body.decode(), "headers": {"Content-Type": "application/json"}}}))
    port = free_port()
    proc = spawn([str(exe), "--port", str(port), "--root-dir", str(root), "--disable-banner", "--no-request-journal"])
    url = f"http://127.0.0.1:{port}{DETAIL}"
    wait_up(url)
    return Served("WireMock (static stub, warmed)", proc, lambda: url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="per server per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--no-peers", action="store_true", help="only tts-sim (no Prism, no WireMock)")
    parser.add_argument("--peers-dir", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tts-sim-bench")
    args = parser.parse_args()
    load = wrk_load if args.client == "wrk" else python_load
    print(f"load generator: {args.client} ({'wrk -t2' if args.client == 'wrk' else 'Python threads'}), "
          f"{args.clients} connections, {args.rounds} interleaved round(s) of {args.seconds:g} s per server; "
          f"tts-sim on granian (1 worker, 1 thread)")
    servers: list[Served] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            detail, ping, body = start_tts_sim()
            flask_only = start_tts_sim(fast=False)[0]
            servers += [detail, flask_only, ping]
            peers: dict[str, Served] = {}
            if not args.no_peers:
                for key, start in (("prism", start_prism), ("wiremock", start_wiremock)):
                    served = start(args.peers_dir, Path(tmp), body)
                    if served is not None:
                        servers.append(served)
                        peers[key] = served
            for served in servers:  # warm-up: caches, and WireMock's JIT
                load(served.url(), served.headers, args.clients, args.seconds * (3 if served in peers.values() else 1))
            for _ in range(args.rounds):
                for served in servers:
                    served.record(load(served.url(), served.headers, args.clients, args.seconds))
        finally:
            for served in {id(s.proc): s for s in servers}.values():
                served.stop()
    for served in servers:
        assert served.best is not None
        rps, p50, p99 = served.best
        print(f"  {served.name:<34} {rps:9,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
    assert detail.best is not None and ping.best is not None
    assert flask_only.best is not None
    print(f"  detail / ping: {detail.best[0] / ping.best[0]:.2f}; fast path / Flask only: "
          f"{detail.best[0] / flask_only.best[0]:.2f}")
    for key, target in TARGETS.items():
        peer = peers.get(key)
        if peer is None or peer.best is None:
            print(f"SKIP signed detail vs {key}: not measured")
            continue
        ratio = detail.best[0] / peer.best[0]
        print(f"{'PASS' if ratio >= target else 'FAIL'} signed detail vs {key}: {ratio:.2f}x (target >= {target:g}x)")
    p99 = detail.best[2]
    print(f"{'PASS' if p99 <= P99_TARGET_MS else 'FAIL'} signed detail p99 at {args.clients} connections: "
          f"{p99:.2f} ms = {p99 / P99_TARGET_MS:.2f}x the target (<= {P99_TARGET_MS:g} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
