"""The terminal report (rich): a progress bar while running, one line per scenario, then a recap of every failure."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from simulator.scenarios.loader import Scenario
from simulator.scenarios.report import (
    Run,
    aliases_by_id,
    coverage,
    entry_text,
    journal_tail,
    json_text,
    name_of,
    short_path,
    span,
    uncovered,
)
from simulator.scenarios.runner import ScenarioResult

_MARK = {True: ("PASS", "green"), False: ("FAIL", "bold red")}


def result_line(result: ScenarioResult) -> Table:
    """One scenario on one line, fitted to the console width (the name gives way first)."""
    mark, style = _MARK[result.passed]
    grid = Table.grid(padding=(0, 2), expand=True)
    grid.add_column(width=4, no_wrap=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, justify="right")
    steps = f"{result.steps_run}/{len(result.scenario.steps)} steps"
    details = (f"{steps} · {span(result)} virtual · {result.wall_seconds * 1000:.0f} ms · "
               f"invariants {result.invariants_held}/{result.steps_run}")
    warn = Text(f"  ⚠ {len(result.warnings)} warning(s)", style="yellow") if result.warnings else Text("")
    grid.add_row(Text(mark, style=style), Text.assemble(Text(name_of(result), style="bold"), "  ",
                                                          Text(result.scenario.name, style="dim"), warn),
                 Text(details, style="dim"))
    return grid


def _recap(console: Console, run: Run) -> None:
    failing = [r for r in run.results if not r.passed]
    if run.invalid:
        console.print()
        console.rule(Text(f"Invalid files ({len(run.invalid)})", style="bold red"), align="left")
        for error in run.invalid:
            for problem in error.problems:
                console.print(Text.assemble(("ERROR ", "bold red"), f"{short_path(error.path)}:{problem.line}: ",
                                            problem.message))
    if failing:
        console.print()
        console.rule(Text(f"Failures ({sum(len(r.failures) for r in failing)})", style="bold red"), align="left")
    number = 0
    for result in failing:
        aliases = aliases_by_id(result)
        for failure in result.failures:
            number += 1
            console.print()
            console.print(Text.assemble((f"{number}) ", "bold"), (f"{name_of(result)}:{failure.line}", "bold red"),
                                        f"  {failure.action}  ", (result.scenario.name, "dim")))
            if failure.mismatches:
                table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2), expand=False)
                table.add_column("field", style="bold", overflow="fold")
                table.add_column("expected", style="green", overflow="fold")
                table.add_column("actual", style="red", overflow="fold")
                for mismatch in failure.mismatches:
                    table.add_row(mismatch.label, json_text(mismatch.wanted), json_text(mismatch.got))
                console.print(table)
            else:
                console.print(Text(f"   {failure.message}", style="red"), overflow="fold")
            tail = journal_tail(result, failure)
            if tail:
                console.print(Text("   journal tail:", style="dim"))
                for entry in tail:
                    console.print(Text("     " + entry_text(entry, aliases), style="dim"), no_wrap=True,
                                  overflow="ellipsis")
    flagged = [r for r in run.results if r.warnings]
    if flagged:
        console.print()
        console.rule(Text(f"Warnings ({sum(len(r.warnings) for r in flagged)})", style="bold yellow"), align="left")
        for result in flagged:
            for warning in result.warnings:
                console.print(Text.assemble(("WARN  ", "yellow"), f"{name_of(result)}: ", warning))


def _coverage(console: Console, run: Run) -> None:
    matrix = coverage(run.results)
    missing = uncovered(run.results)
    console.print()
    proven = len(matrix) - len(missing)
    line = Text.assemble(("rules proven ", "bold"), f"{proven}/{len(matrix)}: ")
    line.append(", ".join(f"{rule} ({len(found)})" for rule, found in matrix.items() if found), style="dim")
    console.print(line)
    if missing:
        console.print(Text.assemble(("rules not proven by any expectation: ", "bold red"), (", ".join(missing), "red")))


def render(console: Console, run: Run, *, lines: bool = True, timing: bool = True) -> None:
    """The whole report after the run (per-scenario lines unless they were printed live)."""
    if lines:
        for result in run.results:
            console.print(result_line(result))
    _recap(console, run)
    _coverage(console, run)
    console.print()
    style = "bold green" if run.ok else "bold red"
    took = Text(f"  ({run.info.wall_seconds:.1f} s)", style="dim") if timing else ""
    console.print(Text(run.summary(), style=style), took, sep="", soft_wrap=True)


def text_report(run: Run, width: int = 120) -> str:
    """The report as plain text (no colour), e.g. for tests and logs; the last line is :meth:`Run.summary`."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, highlight=False)
    render(console, run, timing=False)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


@contextmanager
def progress(console: Console, scenarios: Sequence[Scenario]) -> Iterator[Callable[[Scenario, ScenarioResult | None], None]]:
    """A progress bar on a TTY (each finished scenario printed above it); elsewhere one line per scenario.

    Yields ``update(scenario, result)``: ``result`` None when the scenario starts.
    """
    if not console.is_terminal:
        def plain(scenario: Scenario, result: ScenarioResult | None) -> None:
            if result is not None:
                console.print(result_line(result))

        yield plain
        return
    bar = Progress(TextColumn("[bold]scenarios"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.description}", style="dim"), console=console, transient=True)
    with bar:
        task = bar.add_task("", total=len(scenarios))

        def update(scenario: Scenario, result: ScenarioResult | None) -> None:
            if result is None:
                bar.update(task, description=escape(short_path(scenario.path)))
                return
            bar.console.print(result_line(result))
            bar.advance(task)

        yield update
