"""The scenario library: at least 60 scenarios, all green, whose expectations prove every rule ID; tests name theirs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from simulator.rule_docs import rule_ids
from simulator.scenarios.library import library_dir, load_all, load_scenario
from simulator.scenarios.loader import discover
from simulator.scenarios.report import coverage, uncovered
from simulator.scenarios.runner import ScenarioResult, run_scenario

LIBRARY = library_dir()
FILES = discover([LIBRARY])
KNOWN_BUGS = sorted((Path(__file__).parent / "known_bugs").glob("*.yaml"))
TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results() -> dict[Path, ScenarioResult]:
    """Every library scenario, replayed once."""
    scenarios, invalid = load_all([LIBRARY])
    assert not invalid, "\n".join(map(str, invalid))
    return {s.path: run_scenario(s) for s in scenarios}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(LIBRARY).as_posix())
def test_scenario_replays_green(path: Path, results: dict[Path, ScenarioResult]) -> None:
    """Every scenario in the library passes against the built-in mocks, invariants held after every step."""
    result = results[path]
    assert result.passed, "\n".join(f"{path}:{f.line}: {f.action}: {f.message}" for f in result.failures)
    assert result.invariants_held == result.steps_run == len(result.scenario.steps)
    assert sorted(result.proven) == sorted(result.scenario.rules)  # rules: is what the expectations proved


def test_the_library_is_grouped_by_profile_and_proves_every_rule(results: dict[Path, ScenarioResult]) -> None:
    """The coverage matrix is built from the expectations that held; a rule no expectation proves fails the build."""
    assert len(results) >= 60
    assert {p.relative_to(LIBRARY).parts[0] for p in results} == {"all", "direct", "rithum", "sfcc"}
    assert uncovered(list(results.values())) == []
    matrix = coverage(list(results.values()))
    assert list(matrix) == list(rule_ids()) and all(matrix.values())


@pytest.mark.parametrize(
    ("rule", "folders"),
    [("FUL-4", {"sfcc"}), ("CAN-S1", {"sfcc"}), ("FUL-5", {"rithum", "sfcc"}), ("CAN-B3", {"rithum", "all"}),
     ("CAN-B4", {"direct", "sfcc", "all"}), ("SLA-5", {"direct", "sfcc", "rithum", "all"})],
)
def test_workflows_are_proven_on_the_profiles_their_documents_name(
        rule: str, folders: set[str], results: dict[Path, ScenarioResult]) -> None:
    proving = {p.relative_to(LIBRARY).parts[0] for p, r in results.items() if rule in r.proven}
    assert folders <= proving


def test_ful4_every_sfcc_path_is_used_by_the_library() -> None:
    """FUL-4's three OMS paths and the API path all appear as `via` in the SFCC scenarios."""
    vias = {step.args.get("via") for path in discover([LIBRARY / "sfcc"]) for step in load_scenario(path).steps
            if step.action.startswith("seller.") and isinstance(step.args, dict)}
    assert {"sfcc", "sfcc_batch", "sfcc_pull", "tiktok_api"} <= vias


def _named_rules() -> set[str]:
    """Rule IDs named by test function names (``test_hold3_...``, ``test_can_b2_...``, ``test_note_2_...``)."""
    named: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                words = node.name[5:].replace("_", " ")
                for rule in rule_ids():
                    family, number = rule.split("-")
                    pattern = rf"\b{family.lower()} ?{number.lower()}\b"
                    if re.search(pattern, words):
                        named.add(rule)
    return named


def test_every_rule_is_named_by_a_test_that_proves_it() -> None:
    assert sorted(set(rule_ids()) - _named_rules()) == []


@pytest.mark.parametrize("path", KNOWN_BUGS, ids=lambda p: p.stem)
@pytest.mark.xfail(strict=True, reason="a known bug outside the scenario layer (see the scenario's description)")
def test_known_bug_scenario(path: Path) -> None:
    result = run_scenario(load_scenario(path))
    assert result.passed, "\n".join(f"{path.name}:{f.line}: {f.message}" for f in result.failures)
