"""The HTML report in a real headless browser (Debian's chromium): it renders, shows the failure and the diagrams."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from simulator.scenarios.library import library_dir, load_all
from simulator.scenarios.report import Run, RunInfo
from simulator.scenarios.report_html import html_report
from simulator.scenarios.runner import run_scenario

BROKEN = """name: ships through SFCC, then expects the wrong status
rules: [FUL-4]
steps:
  - buyer.place: {as: o, profile: sfcc}
  - clock.advance: 1h
  - seller.ship: {order: o, via: sfcc}
  - clock.advance: 15m
  - expect: {order: o, status: CANCELLED, proves: [FUL-4]}
"""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Runs in the page after layout: what a reader sees, measured.
PROBE = """<script>(function(){
  var box = function(el){ if(!el) return null; var r = el.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
  var first = document.querySelector('details.scenario');
  var svg = first && first.querySelector('svg.seq');
  var out = {
    first_is_failure: !!first && first.classList.contains('fail') && first.open,
    failure_box: box(first && first.querySelector('.failure')),
    failure_text: first ? first.querySelector('.failure').innerText : '',
    diagram: box(svg),
    lanes: svg ? Array.prototype.map.call(svg.querySelectorAll('.lane-title'), function(t){ return t.textContent; }) : [],
    arrows: svg ? svg.querySelectorAll('g.msg').length : 0,
    refused: document.querySelectorAll('g.msg.refused').length,
    failing_step_row: box(document.querySelector('tr.step.failed')),
    warning_badge: box(document.querySelector('summary .b-warn')),
    diagrams: document.querySelectorAll('svg.seq').length
  };
  var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();</script>"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing in CI: .ci/run installs it (apt-get install -y chromium)")
        pytest.skip("Debian's chromium is not installed here (apt-get install -y chromium; .ci/run does it in CI)")
    return found


def test_the_report_renders_in_chromium_with_the_failure_first_and_sequence_diagrams(tmp_path: Path) -> None:
    browser = _chromium()
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    scenarios, invalid = load_all([broken, library_dir() / "sfcc" / "staging-safeguards-flag-leaks.yaml",
                                   library_dir() / "direct" / "hold-released-at-exactly-one-hour.yaml"])
    html_report(Run([run_scenario(s) for s in scenarios], invalid, RunInfo()), tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text(encoding="utf-8").replace("</body>", PROBE + "</body>")
    (tmp_path / "probed.html").write_text(page, encoding="utf-8")
    dom = subprocess.run([browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,1000",
                          "--dump-dom", (tmp_path / "probed.html").as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, "the page's script did not run"
    probe = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&gt;", ">")
                       .replace("&lt;", "<"))
    assert probe["first_is_failure"] and probe["failure_box"][1] > 40
    assert "broken.yaml:8" in probe["failure_text"] and "CANCELLED" in probe["failure_text"]
    assert probe["diagram"][0] > 500 and probe["diagram"][1] > 200  # laid out, not an empty box
    assert probe["lanes"] == ["Buyer", "TikTok Shop", "SFCC", "OMS (seller)"]
    assert probe["arrows"] > 5 and probe["refused"] >= 1  # the held order's refused Ship Package, drawn apart
    assert probe["failing_step_row"][1] > 0 and probe["warning_badge"][0] > 0  # SFCC-3 visible while collapsed
    assert probe["diagrams"] == 3
