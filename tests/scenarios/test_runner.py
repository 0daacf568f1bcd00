"""Scenario replay: actions, expectations with reasons, expected refusals, reports and the CLI."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.scenarios.loader import discover, load_scenario
from simulator.scenarios.report import junit, terminal
from simulator.scenarios.runner import run_scenario

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"


def _scenario(tmp_path: Path, steps: str, name: str = "s") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\nrules: [HOLD-1]\nsteps:\n{steps}", encoding="utf-8")
    return path


def test_failed_expectations_name_every_mismatch_with_wanted_and_got(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "  - buyer.place: {as: o, profile: direct}\n"
                               "  - expect: {order: o, status: AWAITING_SHIPMENT, notifications: [shipped]}\n")
    result = run_scenario(load_scenario(path))
    assert not result.passed
    (failure,) = result.failures
    assert failure.line == 5 and failure.action == "expect"
    assert "status: wanted 'AWAITING_SHIPMENT', got 'ON_HOLD'" in failure.message
    assert "notifications: wanted ['shipped'], got []" in failure.message


def test_an_unexpected_refusal_stops_the_scenario_and_an_expected_one_passes(tmp_path: Path) -> None:
    refused = _scenario(tmp_path, "  - buyer.place: {as: o}\n  - seller.ship: o\n  - clock.advance: 1h\n")
    result = run_scenario(load_scenario(refused))
    assert [f.line for f in result.failures] == [5] and result.steps_run == 2
    assert "refused" in result.failures[0].message and "HOLD-2" in result.failures[0].message
    wrong = _scenario(tmp_path, "  - buyer.place: {as: o}\n  - seller.ship: o\n    expect_error: {reason: nope}\n",
                      "wrong")
    assert "wanted {'reason': 'nope'}" in run_scenario(load_scenario(wrong)).failures[0].message
    missing = _scenario(tmp_path, "  - buyer.place: {as: o}\n  - clock.advance: 1h\n  - seller.ship: o\n"
                                  "    expect_error: {reason: order_on_hold}\n", "missing")
    assert "succeeded, wanted a refusal" in run_scenario(load_scenario(missing)).failures[0].message


def test_unknown_order_alias_is_a_step_failure(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "  - buyer.cancel: ghost\n")
    assert "no order named 'ghost'" in run_scenario(load_scenario(path)).failures[0].message


def test_same_seed_replays_the_same_timeline(tmp_path: Path) -> None:
    path = LIBRARY / "fulfillment" / "full-lifecycle-direct.yaml"
    first, second = run_scenario(load_scenario(path)), run_scenario(load_scenario(path))
    assert first.timeline == second.timeline and first.orders == second.orders


def test_cli_run_writes_junit_and_html_and_exits_by_outcome(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _scenario(tmp_path, "  - buyer.place: {as: o}\n  - clock.advance: 1h\n"
                               "  - expect: {order: o, status: AWAITING_SHIPMENT}\n", "good")
    bad = _scenario(tmp_path, "  - buyer.place: {as: o}\n  - expect: {order: o, status: CANCELLED}\n", "bad")
    junit, html = tmp_path / "out" / "junit.xml", tmp_path / "out" / "report.html"
    assert main(["run", str(good), "--junit", str(junit), "--html", str(html)]) == 0
    assert main(["run", str(good), str(bad), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert out.rstrip().endswith("1 passed, 1 failed")
    assert f"{bad}:5: expect: status: wanted 'CANCELLED'" in out
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("1", "0")
    assert "ON_HOLD" in html.read_text(encoding="utf-8") and "AWAITING_SHIPMENT" in html.read_text(encoding="utf-8")
    assert main(["validate", str(good)]) == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nrules: [A]\nsteps:\n  - fly: away\n", encoding="utf-8")
    assert main(["run", str(broken)]) == 2
    assert main(["validate", str(broken)]) == 1
    assert f"{broken}:4: unknown action 'fly'" in capsys.readouterr().err


@pytest.mark.parametrize("path", discover([LIBRARY]), ids=lambda p: p.relative_to(LIBRARY).as_posix())
def test_scenario_library_replays_green(path: Path) -> None:
    """Every scenario in scenarios/ passes against the built-in mocks (the main job's content)."""
    result = run_scenario(load_scenario(path))
    assert result.passed, "\n".join(f"{path}:{f.line}: {f.action}: {f.message}" for f in result.failures)


def test_sfcc3_the_report_flags_what_a_safeguarded_environment_let_out(tmp_path: Path) -> None:
    """SFCC-3: a staging instance with capture on is flagged in the terminal and JUnit reports; a clean one is not."""
    leaky = load_scenario(LIBRARY / "sfcc" / "staging-safeguards-flag-leaks.yaml")
    clean = load_scenario(LIBRARY / "sfcc" / "created-in-sfcc-at-one-hour.yaml")
    results = [run_scenario(leaky), run_scenario(clean)]
    assert results[0].passed and results[1].passed
    assert results[0].warnings == ["SFCC-3: a staging instance let out payment_capture for SFCC order 00000001",
                                   "SFCC-3: staging site RefArch has payment_capture unsafe"]
    assert results[1].warnings == []
    text = terminal(results)
    assert "WARNING SFCC-3: a staging instance let out payment_capture" in text
    assert "1 scenario(s) flagged" in text and text.endswith("2 passed, 0 failed")
    junit(results, tmp_path / "junit.xml")
    errors = [e.text for e in ET.parse(tmp_path / "junit.xml").getroot().iter("system-err")]
    assert errors == ["WARNING SFCC-3: a staging instance let out payment_capture for SFCC order 00000001\n"
                      "WARNING SFCC-3: staging site RefArch has payment_capture unsafe"]


def test_sfcc1_a_step_after_which_the_systems_disagree_fails_naming_the_invariant(tmp_path: Path) -> None:
    """The invariants run after every step: with the TikTok -> SFCC connector switched off, the hold's end
    leaves a released order TikTok has and SFCC lacks, and that step fails with the rule and the values."""
    path = tmp_path / "off.yaml"
    path.write_text("name: off\nrules: [SFCC-1]\nconfig: {sfcc: {connector: false}}\nsteps:\n"
                    "  - buyer.place: {as: o, profile: sfcc}\n  - clock.advance: 30m\n  - clock.advance: 30m\n",
                    encoding="utf-8")
    result = run_scenario(load_scenario(path))
    (failure,) = result.failures
    assert (failure.line, failure.action) == (7, "clock.advance")
    assert failure.message.startswith("invariant violated: SFCC-1 [engine/sfcc]")
    assert "a released order is missing in SFCC" in failure.message
    assert result.invariants_held == 2 and "invariants held after 2/3 steps" in terminal([result])
