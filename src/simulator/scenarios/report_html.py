"""The HTML report: one self-contained page, failures first, a sequence diagram and the steps with the journal."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from simulator.rule_docs import rule_set
from simulator.scenarios.diagram import svg
from simulator.scenarios.expect import instant_text
from simulator.scenarios.report import (
    Run,
    aliases_by_id,
    coverage,
    held,
    journal_tail,
    json_text,
    name_of,
    short_path,
    span,
    uncovered,
)
from simulator.scenarios.runner import ScenarioResult, StepResult

esc = html.escape

_STYLE = """
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--dim:#57606a;--line:#d0d7de}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header,main{max-width:1400px;margin:0 auto;padding:1rem 1.5rem}
header{background:#fff;border-bottom:1px solid var(--line);max-width:none}
h1{font-size:1.35rem;margin:.2rem 0 .6rem}h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
.chips span{display:inline-block;border-radius:1rem;padding:.1rem .7rem;margin-right:.4rem;font-weight:600;color:#fff}
.c-pass{background:var(--ok)}.c-fail{background:var(--bad)}.c-warn{background:var(--warn)}.c-dim{background:var(--dim)}
table.meta td{padding:0 1rem 0 0;color:var(--dim)}table.meta td:first-child{font-weight:600}
details.scenario{background:#fff;border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:6px;margin:.5rem 0}
details.scenario.fail{border-left-color:var(--bad)}details.scenario.warned{border-left-color:var(--warn)}
details.scenario>summary{cursor:pointer;padding:.5rem .8rem;list-style:none}
details.scenario>summary::-webkit-details-marker{display:none}
.badge{display:inline-block;min-width:3rem;text-align:center;border-radius:4px;color:#fff;font-weight:700;margin-right:.5rem}
.b-pass{background:var(--ok)}.b-fail{background:var(--bad)}.b-warn{background:var(--warn);font-weight:600;padding:0 .4rem}
.file{color:var(--dim);font-family:ui-monospace,monospace;font-size:.85em}.rules{color:var(--dim);font-size:.85em}
.body{padding:.2rem 1rem 1rem}.failure{border:1px solid var(--bad);background:#fff5f5;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}
.failure h4{margin:0 0 .3rem;color:var(--bad)}.warning{border:1px solid var(--warn);background:#fff8e6;border-radius:6px;padding:.4rem .8rem;margin:.4rem 0}
table.grid{border-collapse:collapse;font-size:.85rem;width:100%}table.grid th,table.grid td{border-bottom:1px solid #eaeef2;padding:3px 8px;text-align:left;vertical-align:top}
table.grid th{background:#f6f8fa}.exp{color:var(--ok)}.got{color:var(--bad)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.8rem}pre{margin:0;white-space:pre-wrap;word-break:break-word}
tr.step td{background:#f6f8fa;font-weight:600}tr.step.failed td{background:#ffebe9;color:var(--bad)}tr.step.skipped td{color:#8c959f}
tr.entry td{color:#424a53}td.t{white-space:nowrap}tr.entry td:first-child{padding-left:1.5rem}
.diagram{overflow:auto;border:1px solid #eaeef2;border-radius:6px;background:#fff;margin:.6rem 0;max-height:640px}
svg.seq text{font:11px ui-monospace,monospace;fill:#24292f}svg.seq .lane-head{fill:#ddf4ff;stroke:#54aeff}
svg.seq .lane-title{font:600 12px system-ui,sans-serif}svg.seq .life{stroke:#afb8c1;stroke-dasharray:4 4}
svg.seq .msg line{stroke:#444;stroke-width:1.3}svg.seq .msg.refused line{stroke:var(--bad);stroke-dasharray:5 3}
svg.seq .msg.refused text{fill:var(--bad)}svg.seq .note rect{fill:#fff8c5;stroke:#d4a72c}
svg.seq .note.refused rect{fill:#ffebe9;stroke:var(--bad)}svg.seq .t{fill:var(--dim)}
svg.seq .step rect{fill:#eaeef2}svg.seq .step.failed rect{fill:#ffcecb}svg.seq .step.skipped text{fill:#8c959f}
svg.seq .step text{font-weight:600}
.missing{color:var(--bad);font-weight:600}.toolbar button{margin-right:.4rem}
"""

_SCRIPT = """
function show(mode){document.querySelectorAll('details.scenario').forEach(function(d){
 d.open = mode==='all' || (mode==='failures' && d.classList.contains('fail'));
 d.style.display = (mode==='failures' && !d.classList.contains('fail')) ? 'none' : '';});}
"""


def _failure_box(result: ScenarioResult, index: int) -> str:
    aliases = aliases_by_id(result)
    parts = []
    for failure in result.failures:
        anchor = f"s{index}-line{failure.line}"
        parts.append(f'<div class="failure"><h4>Failed at <a href="#{anchor}">{esc(name_of(result))}:{failure.line}'
                     f'</a> · {esc(failure.action)}</h4>')
        if failure.mismatches:
            parts.append('<table class="grid"><tr><th>field</th><th>expected</th><th>actual</th></tr>')
            for m in failure.mismatches:
                parts.append(f"<tr><td><code>{esc(m.label)}</code></td><td class=exp><pre>{esc(json_text(m.wanted))}"
                             f"</pre></td><td class=got><pre>{esc(json_text(m.got))}</pre></td></tr>")
            parts.append("</table>")
        else:
            parts.append(f"<pre>{esc(failure.message)}</pre>")
        tail = journal_tail(result, failure)
        if tail:
            parts.append("<p><b>Journal tail</b></p>" + _entries_table(tail, aliases))
        parts.append("</div>")
    return "".join(parts)


def _at(instant: str) -> str:
    """``2026-11-02 10:00:00`` (UTC) from an ISO instant."""
    return instant[:19].replace("T", " ")


def _entries_table(entries: list[dict[str, Any]], aliases: dict[str, str]) -> str:
    rows = "".join(_entry_row(e, aliases) for e in entries)
    return f'<table class="grid"><tr><th>#</th><th>virtual time</th><th>kind</th><th>order</th><th>data</th></tr>{rows}</table>'


def _entry_row(entry: dict[str, Any], aliases: dict[str, str], cls: str = "", trailing: int = 0) -> str:
    data = {k: v for k, v in entry["data"].items() if k != "order_id"}
    order = entry["data"].get("order_id", "")
    return (f'<tr class="{cls}"><td>{entry["seq"]}</td><td class=t>{esc(_at(entry["at"]))}</td><td>{esc(entry["kind"])}</td>'
            f"<td>{esc(aliases.get(order, order))}</td><td><pre>{esc(json_text(data))}</pre></td>"
            + "<td></td>" * trailing + "</tr>")


def _steps_table(result: ScenarioResult, index: int) -> str:
    aliases = aliases_by_id(result)
    by_seq = result.timeline
    parts = ['<table class="grid steps"><tr><th>line / #</th><th>virtual time</th><th>step / journal kind</th>'
             '<th>order</th><th>arguments / data</th><th>result</th></tr>']
    cursor = 0
    for record in result.steps:
        parts.append(_step_row(record, index))
        while cursor < len(by_seq) and by_seq[cursor]["seq"] <= record.seq_start:
            cursor += 1
        while cursor < len(by_seq) and by_seq[cursor]["seq"] <= record.seq_end:
            parts.append(_entry_row(by_seq[cursor], aliases, "entry", trailing=1))
            cursor += 1
    parts.append("</table>")
    if result.idle_runs:
        parts.append(f"<p class=file>{result.idle_runs} scheduled job runs had nothing to do and were skipped "
                     "(SFCC jobs, the ChannelAdvisor sync).</p>")
    return "".join(parts)


def _step_row(record: StepResult, index: int) -> str:
    step = record.step
    args = dict(step.args) if isinstance(step.args, dict) else step.args
    if isinstance(args, dict) and step.proves:
        args = {**args, "proves": list(step.proves)}
    if step.expect_error:
        args = {"args": args, "expect_error": step.expect_error}
    outcome = {"passed": "✓ passed" + (" · invariants held" if record.invariants else ""),
               "failed": "✗ " + (record.failure.message if record.failure else "failed"),
               "skipped": "skipped (an earlier step failed)"}[record.status]
    return (f'<tr class="step {record.status}" id="s{index}-line{step.line}"><td>line {step.line}</td>'
            f"<td class=t>{esc(_at(record.at))}</td><td>{esc(step.action)}</td><td></td><td><pre>{esc(json_text(args))}</pre></td>"
            f"<td>{esc(outcome)}</td></tr>")


def _scenario(result: ScenarioResult, index: int) -> str:
    cls = "scenario " + ("fail" if not result.passed else "warned" if result.warnings else "pass")
    badge = '<span class="badge b-pass">PASS</span>' if result.passed else '<span class="badge b-fail">FAIL</span>'
    warn = "".join(f'<span class="badge b-warn" title="{esc(w)}">⚠ {esc(w.split(":")[0])}</span>'
                   for w in result.warnings[:1]) + (f" <small>{len(result.warnings)} warnings</small>"
                                                     if len(result.warnings) > 1 else "")
    rules = " ".join(result.scenario.rules)
    summary = (f"<summary>{badge}<b>{esc(result.scenario.name)}</b> {warn}<br><span class=file>{esc(name_of(result))}"
               f"</span> · <span class=rules>{esc(rules)}</span> · <span class=file>{len(result.scenario.steps)} steps, "
               f"from {instant_text(result.virtual_start)}, {span(result)} virtual, {result.wall_seconds * 1000:.0f} ms, "
               f"{held(result)}, seed {result.seed}"
               f"</span></summary>")
    body = ['<div class="body">']
    if result.scenario.description:
        body.append(f"<p>{esc(result.scenario.description)}</p>")
    body.append(_failure_box(result, index))
    body += [f'<div class="warning">⚠ {esc(w)}</div>' for w in result.warnings]
    body.append(f'<div class="diagram">{svg(result)}</div>')
    body.append(_steps_table(result, index))
    body.append("</div>")
    return f'<details class="{cls}" id="s{index}"{" open" if not result.passed else ""}>{summary}{"".join(body)}</details>'


def _coverage(run: Run, index_of: dict[int, int]) -> str:
    rules = rule_set().rules
    parts = ['<table class="grid"><tr><th>rule</th><th>title</th><th>group</th><th>proven by</th></tr>']
    for rule, proving in coverage(run.results).items():
        found = rules.get(rule)
        links = ", ".join(f'<a href="#s{index_of[id(r)]}">{esc(name_of(r))}</a>' for r in proving)
        parts.append(f"<tr><td><b>{esc(rule)}</b></td><td>{esc(found.title if found else '')}</td>"
                     f"<td>{esc(found.group if found else 'unknown rule')}</td>"
                     f"<td>{links or '<span class=missing>not proven by any expectation</span>'}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


def html_report(run: Run, path: Path) -> None:
    """Write the run as one self-contained HTML file at ``path``."""
    ordered = run.ordered()
    index_of = {id(r): i for i, r in enumerate(ordered)}
    missing = uncovered(run.results)
    warned = sum(bool(r.warnings) for r in run.results)
    info = run.info
    chips = (f'<span class="c-pass">{run.passed} passed</span><span class="c-fail">{run.failed} failed</span>'
             + (f'<span class="c-fail">{len(run.invalid)} invalid</span>' if run.invalid else "")
             + (f'<span class="c-warn">{warned} with warnings</span>' if warned else "")
             + f'<span class="{"c-fail" if missing else "c-dim"}">rules proven {len(coverage(run.results)) - len(missing)}'
               f"/{len(coverage(run.results))}</span>")
    starts = sorted({instant_text(r.virtual_start) or "" for r in run.results})
    meta = [("tts-sim", info.version), ("seed", "each scenario's own" if info.seed is None else str(info.seed)),
            ("virtual start", starts[0] if len(starts) == 1 else f"each scenario's own ({len(starts)} different)"),
            ("date", info.started), ("scenarios", ", ".join(info.paths) or "the packaged library"),
            ("mocks", info.mocks or "built-in"), ("wall time", f"{info.wall_seconds:.2f} s")]
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>tts-sim scenarios: {esc(run.summary())}"
             f"</title><meta name=viewport content='width=device-width'><style>{_STYLE}</style>"
             f"<script>{_SCRIPT}</script></head><body>",
             f'<header><h1>tts-sim scenarios: {esc(run.summary())}</h1><div class="chips">{chips}</div>'
             '<table class="meta">' + "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in meta)
             + "</table></header><main>"]
    if run.invalid:
        parts.append("<h2>Invalid files</h2>")
        for error in run.invalid:
            parts.append('<div class="failure"><h4>' + esc(short_path(error.path)) + "</h4><pre>"
                         + esc("\n".join(f"{short_path(error.path)}:{p.line}: {p.message}" for p in error.problems))
                         + "</pre></div>")
    parts.append('<h2>Scenarios</h2><p class="toolbar"><button onclick="show(\'failures\')">only failures</button>'
                 '<button onclick="show(\'all\')">expand all</button><button onclick="show(\'none\')">collapse all'
                 "</button></p>")
    parts += [_scenario(r, i) for i, r in enumerate(ordered)]
    parts.append("<h2>Coverage: rule → scenarios whose expectations prove it</h2>" + _coverage(run, index_of))
    parts.append("</main></body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts), encoding="utf-8")
