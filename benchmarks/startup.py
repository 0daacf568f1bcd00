"""Benchmark: start-up costs: `World.create` first vs after in one process, and `tts-sim serve` start to first answer.

Usage: .venv/bin/python benchmarks/startup.py [--worlds 20] [--starts 5]

1. In a fresh process: import time, the first ``World.create()`` (imports the systems, parses the mocks
   YAML) and the median of the next ``--worlds`` (mocks data parsed once per process, simulator.yamlfiles).
   Target: after the first <= 10 ms.
2. ``tts-sim serve`` from ``Popen`` to the first 200 from ``/_sim/ping`` (polled every 2 ms), median of
   ``--starts``. Target: <= 0.4 s. Measured with bytecode caches written (as an installed wheel has them:
   an editable checkout run under PYTHONDONTWRITEBYTECODE recompiles every module at each start) and
   the parsed-data cache filled (simulator.yamlfiles). Also printed: the time to the banner (the parent's
   share; the worker starts after it) and the CPU time the server and its worker spent by the first
   answer (all threads, from /proc: what start-up costs, unlike wall time, barely moves with the load).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CREATE_TARGET_MS = 10.0
FIRST_ANSWER_TARGET_S = 0.4
CHILD = """
import json, sys, time
t0 = time.perf_counter()
from simulator.world import World
t1 = time.perf_counter()
World.create()
t2 = time.perf_counter()
after = []
for seed in range(int(sys.argv[1])):
    t = time.perf_counter()
    World.create(seed=seed)
    after.append(time.perf_counter() - t)
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "after": sorted(after)}))
"""


def env() -> dict[str, str]:
    """This environment without PYTHONDONTWRITEBYTECODE (see the module docstring)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Start:
    """One ``tts-sim serve`` start: seconds to the banner line and to the first answer, CPU seconds spent by then."""

    banner: float
    answer: float
    cpu: float


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid``, its threads and its child processes' threads so far (Linux schedstat, ns resolution).

    Robust to a busy machine where wall time is not: another process's share of the CPU is not counted.
    """
    total = 0.0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                total += int(stat.read().split()[0]) / 1e9
            with open(f"/proc/{pid}/task/{task}/children") as children:
                total += sum(cpu_seconds(int(child)) for child in children.read().split())
        except OSError:  # a thread that just ended
            continue
    return total


def first_answer() -> Start:
    """Start ``tts-sim serve``; time its banner on stdout and its first 200 on ``/_sim/ping`` from ``Popen``."""
    port = free_port()
    banner: list[float] = []
    started = time.perf_counter()
    proc = subprocess.Popen([str(ROOT / ".venv/bin/tts-sim"), "serve", "--port", str(port)], env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def read() -> None:  # the banner's first line is printed (flushed) right before granian starts its worker
        assert proc.stdout is not None
        if proc.stdout.readline():
            banner.append(time.perf_counter() - started)
        proc.stdout.read()  # drained to the end, so the server never blocks on a full pipe

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while time.perf_counter() - started < 60:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/_sim/ping")
                if conn.getresponse().status == 200:
                    answered = time.perf_counter() - started
                    cpu = cpu_seconds(proc.pid)
                    break
            except OSError:
                time.sleep(0.002)
        else:
            raise SystemExit("tts-sim serve did not answer within 60 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        reader.join(timeout=5)
    return Start(banner[0] if banner else float("nan"), answered, cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worlds", type=int, default=20)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    run = subprocess.run([sys.executable, "-c", CHILD, str(args.worlds)], env=env(), capture_output=True, text=True,
                         check=True)  # the first run also writes bytecode caches for the ones below
    run = subprocess.run([sys.executable, "-c", CHILD, str(args.worlds)], env=env(), capture_output=True, text=True,
                         check=True)
    got = json.loads(run.stdout.strip().splitlines()[-1])
    after_ms = statistics.median(got["after"]) * 1e3
    print(f"World.create in a fresh process: import {got['import'] * 1e3:.0f} ms, first {got['first'] * 1e3:.1f} ms, "
          f"after the first: median {after_ms:.2f} ms (min {got['after'][0] * 1e3:.2f}, max {got['after'][-1] * 1e3:.2f}) "
          f"over {args.worlds}; first / after {got['first'] * 1e3 / after_ms:.0f}x")
    print(f"{'PASS' if after_ms <= CREATE_TARGET_MS else 'FAIL'} World.create after the first: {after_ms:.2f} ms = "
          f"{after_ms / CREATE_TARGET_MS:.2f}x the target (<= {CREATE_TARGET_MS:g} ms)")
    first_answer()  # warm: bytecode caches, the page cache, the parsed-data cache
    runs = [first_answer() for _ in range(args.starts)]
    starts = sorted(r.answer for r in runs)
    median = statistics.median(starts)
    print(f"tts-sim serve start to first answer: median {median:.3f} s over {args.starts} "
          f"(min {starts[0]:.3f}, max {starts[-1]:.3f}); to the banner: median "
          f"{statistics.median(r.banner for r in runs):.3f} s; CPU by the first answer (server and worker): "
          f"median {statistics.median(r.cpu for r in runs):.3f} s")
    print(f"{'PASS' if median <= FIRST_ANSWER_TARGET_S else 'FAIL'} serve first answer: {median:.3f} s = "
          f"{median / FIRST_ANSWER_TARGET_S:.2f}x the target (<= {FIRST_ANSWER_TARGET_S:g} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
