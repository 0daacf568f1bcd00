"""What every report shows: the run (results, invalid files, metadata), the coverage matrix and failure context."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from simulator.clock import wall_time
from simulator.rule_docs import rule_ids, rule_set
from simulator.rules import format_duration
from simulator.scenarios.library import library_dir
from simulator.scenarios.loader import ScenarioError
from simulator.scenarios.runner import Failure, ScenarioResult

TAIL_HIDDEN = ("tiktok.request",)  # HTTP plumbing: the calls themselves are in the steps and the diagram


def tts_version() -> str:
    """The installed tts-sim version."""
    try:
        return version("tts-sim")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "unknown"


@dataclass
class RunInfo:
    """Run metadata every report prints."""

    version: str = field(default_factory=tts_version)
    seed: int | None = None  # the --seed override; None: each scenario's own
    started: str = field(default_factory=lambda: datetime.fromtimestamp(wall_time(), UTC).isoformat(timespec="seconds"))
    paths: tuple[str, ...] = ()
    mocks: str | None = None
    wall_seconds: float = 0.0


@dataclass
class Run:
    """One ``tts-sim run``: results in file order, the files that could not be used, metadata."""

    results: list[ScenarioResult]
    invalid: list[ScenarioError] = field(default_factory=list)
    info: RunInfo = field(default_factory=RunInfo)

    @property
    def passed(self) -> int:
        """Scenarios that passed."""
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        """Scenarios that failed."""
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        """Every file valid and every scenario passed."""
        return not self.invalid and not self.failed

    def summary(self) -> str:
        """``N passed, M failed`` (``, K invalid`` when files could not be used)."""
        text = f"{self.passed} passed, {self.failed} failed"
        return text + (f", {len(self.invalid)} invalid" if self.invalid else "")

    def ordered(self) -> list[ScenarioResult]:
        """Failures first, then scenarios with warnings, then the rest (file order within each)."""
        return sorted(self.results, key=lambda r: (r.passed, not r.warnings))


def coverage(results: Sequence[ScenarioResult]) -> dict[str, list[ScenarioResult]]:
    """Rule ID -> the scenarios in which an expectation proving it held (every known rule, in document order)."""
    matrix: dict[str, list[ScenarioResult]] = {rule: [] for rule in rule_ids()}
    for result in results:
        for rule in result.proven:
            matrix.setdefault(rule, []).append(result)
    return matrix


def uncovered(results: Sequence[ScenarioResult]) -> list[str]:
    """Known rule IDs no expectation proved in this run."""
    return [rule for rule, proving in coverage(results).items() if not proving]


def rule_title(rule: str) -> str:
    """A rule's short title (empty for an unknown ID)."""
    found = rule_set().rules.get(rule)
    return found.title if found else ""


def name_of(result: ScenarioResult) -> str:
    """A scenario's file, shown relative to the library or the working directory when possible."""
    return short_path(result.scenario.path)


def short_path(path: Path) -> str:
    """``path`` relative to the library or the working directory when inside one."""
    for base in (library_dir(), Path.cwd()):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


def span(result: ScenarioResult) -> str:
    """Virtual time the scenario covered."""
    if result.virtual_start is None or result.virtual_end is None:
        return "0s"
    return format_duration(result.virtual_end - result.virtual_start)


def held(result: ScenarioResult) -> str:
    """``invariants held after N/M steps``."""
    return f"invariants held after {result.invariants_held}/{result.steps_run} steps"


def failed_step_seq(result: ScenarioResult, failure: Failure) -> int:
    """The journal position at the end of the failing step."""
    return next((s.seq_end for s in result.steps if s.failure is failure), len(result.timeline))


def journal_tail(result: ScenarioResult, failure: Failure, count: int = 8) -> list[dict[str, Any]]:
    """The business journal entries just before (and during) the failing step, of its order when it names one."""
    end = failed_step_seq(result, failure)
    entries = [e for e in result.timeline if e["seq"] <= end and e["kind"] not in TAIL_HIDDEN]
    step = next((s.step for s in result.steps if s.failure is failure), None)
    alias = None
    if step is not None:
        alias = step.args if isinstance(step.args, str) else step.args.get("order") if isinstance(step.args, dict) else None
    order_id = result.orders.get(str(alias)) if alias else None
    if order_id is not None:
        entries = [e for e in entries if e["data"].get("order_id") == order_id]
    return entries[-count:]


def entry_text(entry: dict[str, Any], aliases: dict[str, str]) -> str:
    """One journal entry on one line: time, kind, the order's alias, its data as JSON."""
    data = dict(entry["data"])
    order = data.pop("order_id", None)
    who = f" [{aliases.get(order, order)}]" if order else ""
    if {"old", "new"} <= data.keys():
        change = f"{data.pop('old')} → {data.pop('new')}"
        rest = f" {json_text(data)}" if data else ""
        return f"{entry['at'][11:19]}  {entry['kind']}{who}  {change}{rest}"
    return f"{entry['at'][11:19]}  {entry['kind']}{who}  {json_text(data)}"


def json_text(value: Any) -> str:
    """Compact JSON (never a Python repr)."""
    return json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))


def aliases_by_id(result: ScenarioResult) -> dict[str, str]:
    """Order id -> the scenario's alias."""
    return {order_id: alias for alias, order_id in result.orders.items()}
