"""Replay scenarios: a fresh seeded world per scenario, steps in order, expectations and invariants checked."""

from __future__ import annotations

import re
import time as _perf
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.clock import parse_instant
from simulator.engine import EngineError
from simulator.invariants import check as check_invariants
from simulator.scenarios.actors import ACTORS, advance
from simulator.scenarios.clients import Call, Refused
from simulator.scenarios.context import APPS, Context, StepFailed
from simulator.scenarios.expect import Mismatch, check, instant_text
from simulator.scenarios.loader import Scenario, Step
from simulator.world import World

__all__ = ["Context", "Failure", "ScenarioResult", "StepFailed", "StepResult", "run_scenario"]

_RULE = re.compile(r"\(([A-Z]+-[A-Z0-9]+)\)")  # vendor messages quote the engine's rule ID, e.g. "(HOLD-2)"


@dataclass(frozen=True)
class Failure:
    """A failed step: where it is written, why, and each wanted-vs-got difference."""

    line: int
    action: str
    message: str
    mismatches: tuple[Mismatch, ...] = ()


@dataclass
class StepResult:
    """One step as it ran: ``passed``, ``failed`` or ``skipped`` (after a failed action), with its journal span."""

    step: Step
    status: str
    at: str
    seq_start: int
    seq_end: int
    failure: Failure | None = None
    invariants: bool | None = None


@dataclass
class ScenarioResult:
    """The outcome of one scenario run."""

    scenario: Scenario
    failures: list[Failure] = field(default_factory=list)
    steps: list[StepResult] = field(default_factory=list)
    steps_run: int = 0
    seed: int = 0
    virtual_start: datetime | None = None
    virtual_end: datetime | None = None
    wall_seconds: float = 0.0
    timeline: list[dict[str, Any]] = field(default_factory=list)
    idle_runs: int = 0  # scheduled job runs (SFCC jobs, the ChannelAdvisor sync) skipped with nothing to do
    calls: list[Call] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    invariants_held: int = 0  # steps after which every cross-system invariant held
    proven: dict[str, list[int]] = field(default_factory=dict)  # rule -> lines of the expectations that held

    @property
    def passed(self) -> bool:
        """True when every step ran and every expectation held."""
        return not self.failures


def _expect(ctx: Context, args: dict[str, Any]) -> None:
    alias = args.get("order") or (list(ctx.aliases)[-1] if ctx.aliases else None)
    order = ctx.order(alias) if alias is not None else None
    problems = check(ctx, order, args)
    if problems:
        raise StepFailed("; ".join(map(str, problems)), tuple(problems))


def run_scenario(scenario: Scenario, *, seed: int | None = None, world_kwargs: dict[str, Any] | None = None) -> ScenarioResult:
    """Run one scenario in a fresh world and return its result (never raises for a failing step)."""
    kwargs: dict[str, Any] = {"seed": scenario.seed if seed is None else seed, **(world_kwargs or {})}
    if scenario.start:
        kwargs["start"] = parse_instant(scenario.start)
    if scenario.profile_overrides:
        kwargs["profile_overrides"] = scenario.profile_overrides
    if scenario.config:
        kwargs["config"] = {**kwargs.get("config", {}), **scenario.config}
    if scenario.systems:
        kwargs.setdefault("systems", scenario.systems)
    started = _perf.perf_counter()  # the world's creation is part of what a scenario costs
    world = World.create(**kwargs)
    result = ScenarioResult(scenario, seed=kwargs["seed"], virtual_start=world.clock.now())
    ctx = Context(world, APPS)
    try:
        for index, step in enumerate(scenario.steps):
            record = StepResult(step, "passed", instant_text(world.clock.now()) or "", len(world.journal), 0)
            failure = _run_step(ctx, step)
            if failure is None:
                failure = _invariants(ctx, step)
                record.invariants = failure is None
                result.invariants_held += failure is None
            record.seq_end = len(world.journal)
            result.steps.append(record)
            result.steps_run += 1
            if failure is not None:
                record.status, record.failure = "failed", failure
                result.failures.append(failure)
                if step.action != "expect":  # later steps would act on a state the scenario did not intend
                    result.steps += [StepResult(s, "skipped", "", record.seq_end, record.seq_end)
                                     for s in scenario.steps[index + 1:]]
                    break
            else:
                for rule in step.proves:
                    result.proven.setdefault(rule, []).append(step.line)
    finally:
        result.wall_seconds = _perf.perf_counter() - started
        result.virtual_end = world.clock.now()
        result.timeline = [entry.as_dict() for entry in world.journal]  # plain data only for the reports
        result.idle_runs = world.clock.skipped_runs
        result.calls = ctx.calls
        result.orders = dict(ctx.aliases)
        result.warnings = safeguard_warnings(world)
        world.close()
        ctx.close()
    return result


def safeguard_warnings(world: World) -> list[str]:
    """SFCC-3: captures and emails a safeguarded (non-production) instance let out, and unsafe settings."""
    sfcc = world.systems.get("sfcc")
    if sfcc is None:
        return []
    report = sfcc.safeguard_report()
    env = report["environment"]
    warnings = [f"SFCC-3: a {env} instance let out {r['kind']} for SFCC order {r['order_no']}"
                for r in report["violations"]]
    warnings += [f"SFCC-3: {env} site {i['site_id']} has {i['setting']} unsafe" for i in report["config_issues"]]
    return warnings


def _invariants(ctx: Context, step: Step) -> Failure | None:
    """After every step the systems must tell one story (simulator.invariants); a violation fails the step."""
    with ctx.world.lock:
        violations = check_invariants(ctx.world)
    if not violations:
        return None
    return Failure(step.line, step.action, "invariant violated: " + "; ".join(str(v) for v in violations),
                   tuple(Mismatch(f"invariant {v.rule}", "the systems agree", str(v)) for v in violations))


def _refusal(step: Step, got: dict[str, Any], detail: str) -> Failure | None:
    wanted = step.expect_error
    if wanted is None:
        return Failure(step.line, step.action, f"refused: {detail}",
                       (Mismatch(step.action, "accepted", {k: v for k, v in got.items() if v is not None}),))
    mismatched = [Mismatch(f"expect_error.{k}", v, got.get(k)) for k, v in wanted.items() if got.get(k) != v]
    if mismatched:
        return Failure(step.line, step.action, f"refused with {got} ({detail}), wanted {wanted}", tuple(mismatched))
    return None


def _run_step(ctx: Context, step: Step) -> Failure | None:
    try:
        if step.action == "clock.advance":  # takes the lock per instant, delivering webhooks between
            advance(ctx, step.args)
        else:
            with ctx.world.operation():
                if step.action == "expect":
                    _expect(ctx, step.args)
                else:
                    ACTORS[step.action](ctx, step.args)
    except StepFailed as exc:
        return Failure(step.line, step.action, str(exc), exc.mismatches)
    except EngineError as exc:
        return _refusal(step, {"reason": exc.reason, "rule": exc.rule}, exc.message)
    except Refused as exc:
        rule = _RULE.search(exc.message)
        return _refusal(step, {"via": exc.via, "code": exc.code, "rule": rule.group(1) if rule else None}, exc.message)
    except (KeyError, ValueError) as exc:
        return Failure(step.line, step.action, f"error: {exc}")
    if step.expect_error is not None:
        return Failure(step.line, step.action, f"succeeded, wanted a refusal {step.expect_error}",
                       (Mismatch(step.action, {"refused": step.expect_error}, "accepted"),))
    return None
