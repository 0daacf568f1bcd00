"""``tts-sim run``, ``tts-sim validate`` and ``tts-sim rules --explain``: replay, check, and explain.

The scenario stack is imported by the commands, not by this module: ``tts-sim serve`` starts without it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time as _perf
from pathlib import Path


def _paths(args: argparse.Namespace) -> list[Path]:
    from simulator.scenarios.library import library_dir

    return [Path(p) for p in args.paths] if args.paths else [library_dir()]


def cmd_run(args: argparse.Namespace) -> int:
    """Replay scenarios and write the reports; exit 1 on any failure, invalid file or (library) unproven rule."""
    from rich.console import Console
    from rich.markup import escape

    from simulator.scenarios.library import library_dir, load_all
    from simulator.scenarios.report import Run, RunInfo, short_path, uncovered
    from simulator.scenarios.report_html import html_report
    from simulator.scenarios.report_junit import junit
    from simulator.scenarios.report_text import progress, render
    from simulator.scenarios.runner import run_scenario

    # Logs (CI) are wider than rich's 80-column default for a non-terminal.
    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 132
    console = Console(highlight=False, no_color=True if args.no_color else None, width=width)
    started = _perf.perf_counter()
    mocks = Path(args.mocks) if args.mocks else None
    scenarios, invalid = load_all(_paths(args), mocks)
    if not scenarios and not invalid:
        print("no scenarios found", file=sys.stderr)
        return 2
    info = RunInfo(seed=args.seed, paths=tuple(args.paths), mocks=args.mocks)
    where = ", ".join(args.paths) if args.paths else f"the packaged library ({short_path(library_dir())})"
    console.print(f"[bold]tts-sim {info.version}[/] · {len(scenarios)} scenario(s) from {escape(where)} · seed: "
                  f"{'each scenario' + chr(39) + 's own' if args.seed is None else args.seed}"
                  + (f" · [red]{len(invalid)} invalid file(s)[/]" if invalid else ""))
    run = Run([], invalid, info)
    kwargs = {"mocks_dir": mocks} if mocks else {}
    with progress(console, scenarios) as update:
        for scenario in scenarios:
            update(scenario, None)
            result = run_scenario(scenario, seed=args.seed, world_kwargs=kwargs)
            run.results.append(result)
            update(scenario, result)
    info.wall_seconds = _perf.perf_counter() - started
    render(console, run, lines=False)
    if args.junit:
        junit(run, Path(args.junit))
    if args.html:
        html_report(run, Path(args.html))
    unproven = uncovered(run.results) if (args.require_coverage or not args.paths) else []
    if unproven:
        console.print(f"[bold red]coverage required: {len(unproven)} rule(s) unproven[/]")
    return 0 if run.ok and not unproven else 1


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario files without running them: every check ``run`` makes before the first step."""
    from simulator.scenarios.library import load_all
    from simulator.scenarios.report import coverage, short_path

    scenarios, invalid = load_all(_paths(args), Path(args.mocks) if args.mocks else None)
    for error in invalid:
        for problem in error.problems:
            print(f"{short_path(error.path)}:{problem.line}: {problem.message}", file=sys.stderr)
    proven = {rule for s in scenarios for step in s.steps for rule in step.proves}
    known = coverage([])
    print(f"{len(scenarios)} scenario(s) valid, {len(invalid)} invalid; their expectations prove "
          f"{len(proven & set(known))}/{len(known)} rules")
    return 1 if invalid else 0


def explain_rules(args: argparse.Namespace) -> int:
    """``tts-sim rules --explain ID`` (with the library's proving scenarios) or ``--markdown``."""
    from simulator.rule_docs import explain, markdown
    from simulator.scenarios.library import library_dir, load_all
    from simulator.scenarios.report import short_path

    if args.markdown:
        print(markdown(), end="")
        return 0
    try:
        text = explain(args.explain)
    except KeyError as exc:
        print(f"tts-sim rules: {exc.args[0]}", file=sys.stderr)
        return 2
    rule = text.split(":", 1)[0]
    scenarios, _ = load_all([library_dir()])
    proving = [(s, [st.line for st in s.steps if rule in st.proves]) for s in scenarios]
    lines = [f"  {short_path(s.path)}:{','.join(map(str, where))}  {s.name}" for s, where in proving if where]
    print(text)
    print("\nproven by (scenario library):")
    print("\n".join(lines) if lines else "  no scenario proves it yet")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``run`` and ``validate`` to the CLI."""
    run = sub.add_parser("run", help="replay scenario files under virtual time and print the report")
    run.add_argument("paths", nargs="*", help="files or directories (default: the packaged scenario library)")
    run.add_argument("--seed", type=int, default=None, help="override every scenario's seed")
    run.add_argument("--mocks", help="mocks directory for the worlds")
    run.add_argument("--junit", help="write JUnit XML here")
    run.add_argument("--html", help="write the HTML report (sequence diagrams, steps, coverage) here")
    run.add_argument("--require-coverage", action="store_true",
                     help="exit 1 when a rule ID is proven by no expectation (always on for the packaged library)")
    run.add_argument("--no-color", action="store_true", help="no colour even on a terminal")
    run.set_defaults(func=cmd_run)
    validate = sub.add_parser("validate", help="check scenario files: schema, durations, aliases, enums, rule IDs, "
                                               "paths per profile (file:line errors)")
    validate.add_argument("paths", nargs="*", help="files or directories (default: the packaged scenario library)")
    validate.add_argument("--mocks", help="mocks directory the scenarios place orders from")
    validate.set_defaults(func=cmd_validate)
