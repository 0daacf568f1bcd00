"""The benchmarks run at tiny sizes and print their verdicts (never asserting timings)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VERDICT = re.compile(r"^(PASS|FAIL|SKIP) .+", re.MULTILINE)


def run(script: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TTS_SIM_FAST_PATH"}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True, text=True,
                          timeout=300, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_pauses_prints_p99_per_size_and_the_ratio() -> None:
    out = run("pauses.py", "--sizes", "5,20", "--requests", "200")
    assert "p99" in out and len(VERDICT.findall(out)) == 1 and "p99 at 20 orders / p99 at 5" in out


@pytest.mark.skipif(not (ROOT / ".venv/bin/tts-sim").exists(), reason="needs the project's .venv (tts-sim serve)")
def test_startup_prints_world_create_and_first_answer() -> None:
    out = run("startup.py", "--worlds", "2", "--starts", "1")
    assert "World.create after the first" in out and "serve first answer" in out
    assert len(VERDICT.findall(out)) == 2


@pytest.mark.skipif(not (ROOT / ".venv/bin/tts-sim").exists(), reason="needs the project's .venv (tts-sim serve)")
def test_http_benchmark_prints_every_target_without_peers() -> None:
    out = run("tiktok_http.py", "--seconds", "0.5", "--rounds", "1", "--no-peers", "--client", "python")
    assert "tts-sim signed Get Order Detail" in out and "load generator: python" in out
    assert "SKIP signed detail vs prism" in out and "SKIP signed detail vs wiremock" in out
    assert "signed detail p99 at 8 connections" in out


def test_lists_prints_each_endpoint_with_its_ratio_and_verdict() -> None:
    out = run("lists.py", "--sizes", "0,6,12", "--seconds", "0.01", "--rounds", "1")
    rows = [line for line in out.splitlines() if line.rstrip().endswith(("PASS", "FAIL"))]
    names = ("Get Order List", "Search Package", "Search Cancellations", "Search Returns", "/v1/Orders", "order_search")
    assert len(rows) == 11 and all(any(n in row for row in rows) for n in names), out


def test_full_world_prints_every_target() -> None:
    out = run("full_world.py", "--orders", "9", "--idle-orders", "3")
    for figure in ("full world / engine per timer", "advanced 1 day", "RSS per order", "30 days vs 1 hour"):
        line = next(line for line in out.splitlines() if figure in line)
        assert line.rstrip().endswith(("PASS", "FAIL")), line


def test_full_world_counts_are_the_same_on_every_run() -> None:
    """The ``--count`` guide is deterministic: the same bytecodes and calls per order in every run of a day."""
    out = [run("full_world.py", "--orders", "6", "--idle-orders", "2", "--count", "12") for _ in range(2)]
    lines = [next(line for line in o.splitlines() if "bytecodes" in line) for o in out]
    assert lines[0] == lines[1], lines
    full, engine = (float(n.replace(",", "")) for n in re.findall(r"(?:full world|engine alone) ([\d,]+)", lines[0]))
    assert full > engine > 0, lines[0]
