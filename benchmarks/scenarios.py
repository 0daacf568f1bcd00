"""Scenario runner speed: the library's wall time and per-scenario median; 30 virtual days vs 1 hour, same steps.

Targets (2-core machine): the library (>= 60 scenarios) in < 10 s; a 30-virtual-day scenario within 1.5x
of a 1-hour one with the same steps. Each figure is the median of several runs in one process (the
first run pays imports and is reported apart); the two spans run interleaved, 15 times each.

    .venv/bin/python benchmarks/scenarios.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from simulator.scenarios.library import library_dir, load_all, load_scenario
from simulator.scenarios.runner import run_scenario

# The same eight steps; only the clock advances differ (1 h 25 m in all vs 30 days in all).
SPAN = """name: {profile} over {label}
rules: [LIFE-1]
steps:
  - buyer.place: {{as: o, profile: {profile}}}
  - clock.advance: {a1}
  - seller.ship: {{order: o, via: {via}, tracking_number: "BENCH-1"}}
  - clock.advance: {a2}
  - carrier.collected: o
  - carrier.delivered: o
  - clock.advance: {a3}
  - expect: {{order: o, status: DELIVERED, proves: [LIFE-1]}}
"""
SPANS = {"1 hour": ("1h", "15m", "10m"), "30 days": ("1h", "10d", "19d 23h")}
VIAS = {"direct": "tiktok_api", "sfcc": "sfcc", "rithum": "channeladvisor"}


def _library(rounds: int) -> None:
    started = time.perf_counter()
    scenarios, invalid = load_all([library_dir()])
    load = time.perf_counter() - started
    assert not invalid, invalid
    walls: list[float] = []
    per: dict[str, list[float]] = {}
    for _ in range(rounds):
        began = time.perf_counter()
        for scenario in scenarios:
            result = run_scenario(scenario)
            assert result.passed, (scenario.path, result.failures)
            per.setdefault(str(scenario.path), []).append(result.wall_seconds)
        walls.append(time.perf_counter() - began)
    medians = sorted(statistics.median(v) for v in per.values())
    print(f"library: {len(scenarios)} scenarios, loaded and checked in {load:.2f} s")
    print(f"  run, first round (imports, first apps): {walls[0]:.2f} s; later rounds: "
          + ", ".join(f"{w:.2f} s" for w in walls[1:]))
    print(f"  per scenario: median {statistics.median(medians) * 1000:.1f} ms, p90 "
          f"{medians[int(len(medians) * 0.9)] * 1000:.1f} ms, max {medians[-1] * 1000:.1f} ms")
    print(f"  target: >= 60 scenarios in < 10 s -> {'met' if len(scenarios) >= 60 and walls[0] + load < 10 else 'MISSED'}"
          f" ({walls[0] + load:.2f} s with loading)")


def _spans(rounds: int) -> None:
    print("30 virtual days vs 1 hour, same steps (median wall per scenario, world creation included):")
    with tempfile.TemporaryDirectory() as folder:
        for profile, via in VIAS.items():
            scenarios = {}
            for label, (a1, a2, a3) in SPANS.items():
                path = Path(folder) / f"{profile}-{label.replace(' ', '')}.yaml"
                path.write_text(SPAN.format(profile=profile, label=label, via=via, a1=a1, a2=a2, a3=a3), encoding="utf-8")
                scenarios[label] = load_scenario(path)
                run_scenario(scenarios[label])  # warm: imports, the app pool
            walls: dict[str, list[float]] = {label: [] for label in SPANS}
            for _ in range(max(rounds * 5, 15)):  # interleaved: a burst of other work hits both alike
                for label, scenario in scenarios.items():
                    result = run_scenario(scenario)
                    assert result.passed, result.failures
                    walls[label].append(result.wall_seconds)
            figures = {label: statistics.median(values) for label, values in walls.items()}
            ratio = figures["30 days"] / figures["1 hour"]
            print(f"  {profile:<7} 1 hour {figures['1 hour'] * 1000:6.1f} ms   30 days {figures['30 days'] * 1000:6.1f} ms"
                  f"   ratio {ratio:.2f} ({'within' if ratio <= 1.5 else 'OVER'} 1.5x)")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    _library(args.rounds)
    _spans(args.rounds)


if __name__ == "__main__":
    main()
