"""Scenario reports: a terminal summary, JUnit XML for CI and an HTML page with a per-scenario timeline."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from simulator.rules import format_duration
from simulator.scenarios.runner import ScenarioResult


def _span(result: ScenarioResult) -> str:
    if result.virtual_start is None or result.virtual_end is None:
        return "0s"
    return format_duration(result.virtual_end - result.virtual_start)


def coverage(results: Sequence[ScenarioResult]) -> dict[str, list[str]]:
    """Rule ID -> names of the passing scenarios that prove it."""
    matrix: dict[str, list[str]] = defaultdict(list)
    for result in results:
        for rule in result.scenario.rules:
            if result.passed:
                matrix[rule].append(result.scenario.name)
    return dict(sorted(matrix.items()))


def _held(result: ScenarioResult) -> str:
    return f"invariants held after {result.invariants_held}/{result.steps_run} steps"


def terminal(results: Sequence[ScenarioResult]) -> str:
    """Plain-text report; the last line is ``N passed, M failed``."""
    lines = []
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        lines.append(f"{mark}  {r.scenario.name}  [{', '.join(r.scenario.rules)}]  "
                     f"{r.steps_run}/{len(r.scenario.steps)} steps, {_span(r)} virtual, {r.wall_seconds * 1000:.0f} ms, "
                     f"{_held(r)}")
        for f in r.failures:
            lines.append(f"      {r.scenario.location}:{f.line}: {f.action}: {f.message}")
        for warning in r.warnings:
            lines.append(f"      WARNING {warning}")
    matrix = coverage(results)
    if matrix:
        lines.append("")
        lines.append("rules proven: " + ", ".join(f"{rule} ({len(names)})" for rule, names in matrix.items()))
    flagged = sum(bool(r.warnings) for r in results)
    if flagged:
        lines.append(f"{flagged} scenario(s) flagged: a safeguarded environment would have let something out (SFCC-3)")
    passed = sum(r.passed for r in results)
    lines.append("")
    lines.append(f"{passed} passed, {len(results) - passed} failed")
    return "\n".join(lines)


def junit(results: Sequence[ScenarioResult], path: Path) -> None:
    """Write JUnit XML (one testcase per scenario, failures with file:line)."""
    suite = ET.Element("testsuite", name="tts-sim scenarios", tests=str(len(results)),
                       failures=str(sum(not r.passed for r in results)),
                       time=f"{sum(r.wall_seconds for r in results):.3f}")
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=Path(r.scenario.location).stem, name=r.scenario.name,
                             time=f"{r.wall_seconds:.3f}", file=r.scenario.location)
        props = ET.SubElement(case, "properties")
        ET.SubElement(props, "property", name="rules", value=",".join(r.scenario.rules))
        ET.SubElement(props, "property", name="invariants_held", value=f"{r.invariants_held}/{r.steps_run}")
        for f in r.failures:
            failure = ET.SubElement(case, "failure", message=f"{f.action}: {f.message}", type="ScenarioFailure")
            failure.text = f"{r.scenario.location}:{f.line}: {f.action}: {f.message}"
        if r.warnings:
            ET.SubElement(case, "system-err").text = "\n".join(f"WARNING {w}" for w in r.warnings)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;color:#222}h1{font-size:1.4rem}
.pass{color:#1a7f37}.fail{color:#cf222e}.warn{color:#9a6700}details{margin:.6rem 0;border:1px solid #ddd;border-radius:6px;padding:.5rem}
summary{cursor:pointer;font-weight:600}table{border-collapse:collapse;font-size:.85rem;margin-top:.5rem}
td,th{border-bottom:1px solid #eee;padding:2px 8px;text-align:left;vertical-align:top}code{font-size:.8rem}"""


def html_report(results: Sequence[ScenarioResult], path: Path) -> None:
    """Write a self-contained HTML page: a summary, failures and each scenario's journal timeline."""
    esc = html.escape
    passed = sum(r.passed for r in results)
    parts = [f"<!doctype html><meta charset=utf-8><title>tts-sim scenarios</title><style>{_STYLE}</style>",
             f"<h1>tts-sim scenarios: {passed} passed, {len(results) - passed} failed</h1>"]
    for r in results:
        cls = "pass" if r.passed else "fail"
        parts.append(f"<details{' open' if not r.passed else ''}><summary class={cls}>"
                     f"{'PASS' if r.passed else 'FAIL'} {esc(r.scenario.name)} "
                     f"<small>[{esc(', '.join(r.scenario.rules))}] {_span(r)} virtual, {_held(r)}</small></summary>")
        if r.scenario.description:
            parts.append(f"<p>{esc(r.scenario.description)}</p>")
        for f in r.failures:
            parts.append(f"<p class=fail>{esc(r.scenario.location)}:{f.line}: {esc(f.action)}: {esc(f.message)}</p>")
        for warning in r.warnings:
            parts.append(f"<p class=warn>WARNING {esc(warning)}</p>")
        aliases = {v: k for k, v in r.orders.items()}
        parts.append("<table><tr><th>#</th><th>virtual time</th><th>kind</th><th>order</th><th>data</th></tr>")
        for e in r.timeline:
            data = {k: v for k, v in e["data"].items() if k not in ("topic", "order_id")}
            order = e["data"].get("order_id", "")
            parts.append(f"<tr><td>{e['seq']}</td><td>{esc(e['at'])}</td><td>{esc(e['kind'])}</td>"
                         f"<td>{esc(aliases.get(order, order))}</td><td><code>{esc(str(data))}</code></td></tr>")
        parts.append("</table></details>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
