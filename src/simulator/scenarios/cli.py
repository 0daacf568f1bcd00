"""``tts-sim run`` and ``tts-sim validate``: replay or check scenario files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.scenarios.loader import Scenario, ScenarioError, discover, load_scenario
from simulator.scenarios.report import html_report, junit, terminal
from simulator.scenarios.runner import run_scenario


def _load_all(paths: list[str]) -> list[Scenario]:
    errors, scenarios = [], []
    for path in discover([Path(p) for p in paths]):
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            errors.append(str(exc))
    if errors:
        raise ScenarioError("\n".join(errors))
    return scenarios


def cmd_run(args: argparse.Namespace) -> int:
    """Replay scenarios and print the report; exit 1 when any fails."""
    try:
        scenarios = _load_all(args.paths)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not scenarios:
        print("no scenarios found", file=sys.stderr)
        return 2
    kwargs = {"mocks_dir": Path(args.mocks)} if args.mocks else {}
    results = []
    for scenario in scenarios:
        results.append(run_scenario(scenario, seed=args.seed, world_kwargs=kwargs))
        if not args.quiet:
            mark = "." if results[-1].passed else "F"
            print(mark, end="", flush=True)
    if not args.quiet:
        print()
    print(terminal(results))
    if args.junit:
        junit(results, Path(args.junit))
    if args.html:
        html_report(results, Path(args.html))
    return 0 if all(r.passed for r in results) else 1


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario files without running them."""
    try:
        scenarios = _load_all(args.paths)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{len(scenarios)} scenario(s) valid")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``run`` and ``validate`` to the CLI."""
    run = sub.add_parser("run", help="replay scenario files under virtual time and print the report")
    run.add_argument("paths", nargs="*", default=["scenarios"], help="files or directories (default: scenarios/)")
    run.add_argument("--seed", type=int, default=None, help="override every scenario's seed")
    run.add_argument("--mocks", help="mocks directory for the worlds")
    run.add_argument("--junit", help="write JUnit XML here")
    run.add_argument("--html", help="write an HTML report with timelines here")
    run.add_argument("--quiet", action="store_true", help="no progress dots")
    run.set_defaults(func=cmd_run)
    validate = sub.add_parser("validate", help="check scenario files (schema, actions, file:line errors)")
    validate.add_argument("paths", nargs="*", default=["scenarios"])
    validate.set_defaults(func=cmd_validate)
