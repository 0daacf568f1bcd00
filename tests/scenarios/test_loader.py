"""Scenario files: schema and vocabulary checks, every problem reported as file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenarios.loader import ScenarioError, discover, load_scenario

GOOD = """\
name: ok
rules: [HOLD-1]
steps:
  - buyer.place: {as: o, profile: direct}
  - clock.advance: 1h
  - seller.ship: o
    expect_error: {reason: order_on_hold}
  - expect: {order: o, status: AWAITING_SHIPMENT}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_scenario_loads_with_step_lines(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, GOOD))
    assert scenario.rules == ["HOLD-1"]
    assert [(s.action, s.line) for s in scenario.steps] == [
        ("buyer.place", 4), ("clock.advance", 5), ("seller.ship", 6), ("expect", 8)]
    assert scenario.steps[2].expect_error == {"reason": "order_on_hold"}


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("name: x\nrules: [A]\nsteps:\n  - buyer.plaec: {as: o}\n", ":4:", "unknown action 'buyer.plaec' (known: buyer."),
        ("name: x\nrules: [A]\nsteps:\n  - clock.advance: 1h\n  - buyer.place: {as: o, colour: red}\n", ":5:",
         "Additional properties are not allowed ('colour'"),
        ("name: x\nrules: [A]\nsteps:\n  - buyer.place: {profile: direct}\n", ":4:", "'as' is a required property"),
        ("name: x\nrules: [A]\nsteps:\n  - expect: {}\n", ":4:", "expect:"),
        ("name: x\nsteps:\n  - clock.advance: 1h\n", ":1:", "missing 'rules'"),
        ("name: x\nrules: []\nsteps:\n  - clock.advance: 1h\n", ":2:", "rule IDs"),
        ("name: x\nrules: [A]\nsteps: []\n", ":3:", "non-empty list"),
        ("name: x\nrules: [A]\nsteps:\n  - clock.advance: 1h\n    buyer.cancel: o\n", ":4:", "exactly one action"),
        ("name: x\nrules: [A]\ncolour: red\nsteps:\n  - clock.advance: 1h\n", ":3:", "unknown key 'colour'"),
        ("name: x\nrules: [A\nsteps:\n", ":3:", "not valid YAML"),
    ],
)
def test_problems_are_reported_with_file_and_line(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value).startswith(f"{path}{where}")
    assert message in str(err.value)


def test_discover_finds_yaml_files_sorted_and_refuses_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/2.yaml", "a.yml", "notes.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])] == ["a.yml", "b/2.yaml"]
    with pytest.raises(ScenarioError, match="no such file"):
        discover([tmp_path / "missing"])
