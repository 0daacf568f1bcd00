"""The performance benchmarks run and print every figure with its verdict (at tiny sizes: no timing is asserted)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(script: str, args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setattr(sys, "argv", [script, *args])
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    runpy.run_path(str(BENCHMARKS / script), run_name="__main__")
    return capsys.readouterr().out


def test_lists_benchmark_prints_each_endpoint_with_a_verdict(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = _run("lists.py", ["--sizes", "0,6,12", "--seconds", "0.01", "--rounds", "1"], monkeypatch, capsys)
    rows = [line for line in out.splitlines() if line.rstrip().endswith(("PASS", "FAIL"))]
    names = ("Get Order List", "Search Package", "Search Cancellations", "/v1/Orders", "order_search")
    assert len(rows) == 10 and all(any(n in row for row in rows) for n in names), out


def test_full_world_benchmark_prints_every_target(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = _run("full_world.py", ["--orders", "9", "--idle-orders", "3"], monkeypatch, capsys)
    for figure in ("full world / engine per timer", "advanced 1 day", "RSS per order", "30 days vs 1 hour"):
        line = next(line for line in out.splitlines() if figure in line)
        assert line.rstrip().endswith(("PASS", "FAIL")), line
