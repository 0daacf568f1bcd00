"""Finding and loading scenario files: the packaged library, one file, or many (invalid ones kept apart)."""

from __future__ import annotations

from pathlib import Path

from simulator.scenarios.checks import check_scenario
from simulator.scenarios.loader import Problem, Scenario, ScenarioError, discover, parse_scenario


def library_dir() -> Path:
    """The scenario library: inside the package (wheel installs) or the repository's ``scenarios/``."""
    packaged = Path(__file__).resolve().parents[1] / "_scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "scenarios"


def load_scenario(path: Path, mocks_dir: Path | None = None) -> Scenario:
    """Parse and statically check one file (every check ``run`` makes before the first step).

    Raises:
        ScenarioError: with every problem found, each as ``file:line: message``.
    """
    return check_scenario(parse_scenario(path), mocks_dir)


def load_all(paths: list[Path], mocks_dir: Path | None = None) -> tuple[list[Scenario], list[ScenarioError]]:
    """Every scenario under ``paths``; files that cannot be used are returned apart, never stopping the rest."""
    scenarios: list[Scenario] = []
    invalid: list[ScenarioError] = []
    for path in paths:
        try:
            files = discover([path])
        except FileNotFoundError as exc:
            invalid.append(ScenarioError(path, [Problem(1, str(exc).split(": ", 1)[-1])]))
            continue
        for file in files:
            try:
                scenarios.append(load_scenario(file, mocks_dir))
            except ScenarioError as exc:
                invalid.append(exc)
    return scenarios, invalid
