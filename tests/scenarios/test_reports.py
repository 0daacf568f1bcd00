"""The three reports of one run with a pass, a failure, a warning and an invalid file; the CLI's exit codes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.scenarios.library import library_dir, load_all
from simulator.scenarios.report import Run, RunInfo
from simulator.scenarios.report_html import html_report
from simulator.scenarios.report_junit import junit
from simulator.scenarios.report_text import text_report
from simulator.scenarios.runner import run_scenario

GOOD = """name: good
rules: [HOLD-1]
steps:
  - buyer.place: {as: o, profile: direct}
  - clock.advance: 1h
  - expect: {order: o, status: AWAITING_SHIPMENT, proves: [HOLD-1]}
"""
BAD = """name: bad on purpose
rules: [HOLD-1, HOLD-2]
steps:
  - buyer.place: {as: o, profile: sfcc}
  - seller.ship: o
    expect_error: {code: 21011001, proves: [HOLD-2]}
  - clock.advance: 1h
  - expect: {order: o, status: CANCELLED, proves: [HOLD-1]}
"""
BROKEN = "name: broken\nrules: [HOLD-1]\nsteps:\n  - fly: away\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("run")
    paths = {}
    for name, text in (("good", GOOD), ("bad", BAD), ("broken", BROKEN)):
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(text, encoding="utf-8")
    paths["leaky"] = library_dir() / "sfcc" / "staging-safeguards-flag-leaks.yaml"
    return paths


@pytest.fixture(scope="module")
def run(files: dict[str, Path]) -> Run:
    scenarios, invalid = load_all([files["good"], files["bad"], files["broken"], files["leaky"]])
    return Run([run_scenario(s) for s in scenarios], invalid, RunInfo(seed=None, paths=("x",)))


def test_terminal_recaps_each_failure_with_file_line_expected_actual_and_the_journal_tail(
        run: Run, files: dict[str, Path]) -> None:
    text = text_report(run, width=160)
    lines = text.splitlines()
    assert lines[-1] == "2 passed, 1 failed, 1 invalid"
    assert any(re.match(r"FAIL\s+\S*bad\.yaml\s+bad on purpose", line) for line in lines)
    assert f"1) {files['bad']}:8  expect  bad on purpose" in text
    assert re.search(r'status\s+"CANCELLED"\s+"AWAITING_SHIPMENT"', text)  # expected vs actual
    assert "journal tail:" in text and "order.status [o]  ON_HOLD → AWAITING_SHIPMENT" in text
    assert f"ERROR {files['broken']}:4: unknown action 'fly'" in text
    assert "WARN  sfcc/staging-safeguards-flag-leaks.yaml: SFCC-3: a staging instance let out payment_capture" in text
    assert re.search(r"rules not proven by any expectation: .*CAN-B1", text, re.S)


def test_sfcc3_junit_has_warnings_as_properties_and_the_invalid_file_as_an_error_case(
        run: Run, tmp_path: Path, files: dict[str, Path]) -> None:
    junit(run, tmp_path / "junit.xml")
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    error = cases[str(files["broken"])].find("error")
    assert error is not None and error.get("message") == f"{files['broken']}:4: unknown action 'fly' (known: " + \
        error.get("message", "").split("(known: ")[1]
    failure = cases["bad on purpose"].find("failure")
    assert failure is not None and failure.text is not None
    assert 'status: expected "CANCELLED", actual "AWAITING_SHIPMENT"' in failure.text and "journal tail:" in failure.text
    leaky = cases["A staging instance with payment capture on lets a capture out, and the report flags it"]
    warnings = [p.get("value") for p in leaky.iter("property") if p.get("name") == "warning"]
    assert warnings == ["SFCC-3: a staging instance let out payment_capture for SFCC order 00000001",
                        "SFCC-3: staging site RefArch has payment_capture unsafe"]


def test_html_is_one_page_failures_first_with_diagrams_json_warnings_and_coverage(run: Run, tmp_path: Path) -> None:
    html_report(run, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<link" not in page and "src=" not in page  # self-contained
    first = page.index('<details class="scenario')
    assert page[first:].startswith('<details class="scenario fail" id="s0" open>')
    assert page.index("bad on purpose") < page.index("<b>good</b>")
    assert page.count('<svg class="seq"') == 3
    assert all(f">{lane}</text>" in page for lane in ("Buyer", "TikTok Shop", "SFCC", "OMS (seller)"))
    assert '<g class="msg refused">' in page and "21011001" in page  # the refused Ship Package call
    assert '<tr class="step failed" id="s0-line8">' in page and 'href="#s0-line8"' in page
    assert "&quot;old&quot;: &quot;UNPAID&quot;" in page and "{&#x27;" not in page  # JSON, never a repr
    assert '<span class="badge b-warn" title="SFCC-3: a staging instance let out payment_capture' in page
    assert "not proven by any expectation" in page and "broken.yaml:4: unknown action" in page
    assert "tts-sim</td><td>0.1.0" in page and "each scenario&#x27;s own" in page


def test_cli_runs_everything_and_exits_by_outcome(files: dict[str, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["run", str(files["good"]), str(files["bad"]), str(files["broken"]), "--junit",
                 str(out / "junit.xml"), "--html", str(out / "report.html"), "--no-color"])
    assert code == 1 and (out / "junit.xml").is_file() and (out / "report.html").is_file()
    assert "1 passed, 1 failed, 1 invalid" in capsys.readouterr().out
    assert main(["run", str(files["good"])]) == 0  # a subset need not prove every rule...
    assert main(["run", str(files["good"]), "--require-coverage"]) == 1  # ...unless asked to
    capsys.readouterr()
    assert main(["validate", str(files["good"]), str(files["bad"])]) == 0
    assert "2 scenario(s) valid, 0 invalid; their expectations prove 2/49 rules" in capsys.readouterr().out
    assert main(["validate", str(files["broken"])]) == 1
    assert f"{files['broken']}:4: unknown action 'fly'" in capsys.readouterr().err
