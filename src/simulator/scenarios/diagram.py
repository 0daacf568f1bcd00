"""A scenario as a sequence diagram (inline SVG): a lane per actor, virtual timestamps, calls with their codes.

Rows come from the run's steps (bands), the actors' calls (API calls with status and vendor code; refused
ones red and dashed) and the journal (status changes, syncs, feeds, webhooks, buyer emails), in journal
order, so each call is drawn just before the changes it caused.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.scenarios.report import aliases_by_id, json_text
from simulator.scenarios.runner import ScenarioResult

LANES = (("buyer", "Buyer"), ("tiktok", "TikTok Shop"), ("sfcc", "SFCC"), ("channeladvisor", "ChannelAdvisor"),
         ("oms", "OMS (seller)"), ("carrier", "Carrier"))
MAX_ROWS = 400
TIME_W, LANE_W, ROW_H, STEP_H, HEAD_H = 104, 170, 20, 22, 34


@dataclass
class Row:
    """One line of the diagram: a step band, an arrow between lanes, or a note on one lane."""

    order: float  # journal position (steps before their calls, calls before their effects)
    at: str
    kind: str  # step | arrow | note
    source: str
    target: str
    label: str
    ok: bool = True
    detail: str = ""
    state: str = ""  # for steps: passed | failed | skipped


def _status(call: Any) -> str:
    if call.status is None:
        return "" if call.ok else f" ✗ {call.code}"
    code = f" · {call.code}" if call.code not in (None, call.status) else ""
    return f" → {call.status}{code}"


def _journal_row(entry: dict[str, Any], aliases: dict[str, str]) -> Row | None:
    kind, data, at, seq = entry["kind"], entry["data"], entry["at"], float(entry["seq"])
    who = aliases.get(data.get("order_id", ""), data.get("order_id", ""))
    detail = f"{kind} {json_text(data)}"

    def row(shape: str, source: str, target: str, label: str, ok: bool = True) -> Row:
        return Row(seq, at, shape, source, target, label, ok, detail)

    if kind == "order.status":
        return row("note", "tiktok", "tiktok", f"{who}: {data['old'] or '—'} → {data['new']}")
    if kind == "cancellation.status":
        new = str(data["new"]).replace("CANCELLATION_REQUEST_", "")
        return row("note", "tiktok", "tiktok", f"{who} cancellation ({data.get('role', '')}): {new}")
    if kind == "notification.buyer":
        return row("arrow", "tiktok", "buyer", f"✉ {data['kind']}")
    if kind == "sla.dispatch_missed":
        return row("note", "tiktok", "tiktok", f"{who}: dispatch deadline missed", ok=False)
    if kind == "webhook.attempt":
        answer = data.get("status") or data.get("error") or "no answer"
        return row("arrow", "tiktok", "oms", f"webhook type {data['type']} #{data['attempt']} → {answer}", bool(data["ok"]))
    if kind == "webhook.gave_up":
        return row("note", "tiktok", "tiktok", f"webhook given up after {data['attempts']} attempts", ok=False)
    if kind == "ca.sync":
        action = data.get("action", "")
        if data.get("direction") == "ca_to_tiktok":
            return row("arrow", "channeladvisor", "tiktok", f"sync: {action} {who}", bool(data.get("ok", True)))
        return row("arrow", "tiktok", "channeladvisor", f"sync: {action} {who}", bool(data.get("ok", True)))
    if kind.startswith("connector.sfcc."):
        return _connector_row(kind.removeprefix("connector.sfcc."), data, who, row)
    if kind == "sfcc.feed.written":
        return row("note", "sfcc", "sfcc", f"feed file with {len(data.get('orders', []))} order(s)")
    if kind == "sfcc.feed.notified":
        return row("arrow", "sfcc", "tiktok", "feed ready (notify)")
    if kind == "sfcc.feed.notify_failed":
        return row("arrow", "sfcc", "tiktok", "feed notify failed", ok=False)
    if kind == "sfcc.oms.batch_file":
        return row("note", "sfcc", "sfcc", f"OMS batch file: {len(data.get('applied', []))} applied", not data.get("errors"))
    if kind in ("sfcc.oms.pulled", "sfcc.oms.pull_failed"):
        return row("arrow", "sfcc", "oms", "GET order statuses (pull)", kind == "sfcc.oms.pulled")
    if kind == "sfcc.safeguard.violation":
        return row("note", "sfcc", "sfcc", f"SFCC-3: {data.get('kind')} let out", ok=False)
    return None


def _connector_row(what: str, data: dict[str, Any], who: str, row: Callable[..., Row]) -> Row | None:
    failed = what in ("create_failed", "sync_failed", "patch_failed", "approval_deferred", "feed_download_failed")
    http = f" → {data['http_status']}" if data.get("http_status") else ""
    if what in ("created", "create_failed"):
        return row("arrow", "tiktok", "sfcc", f"CreateExternalOrder {who}{http}" + (
            " (already exists)" if data.get("already_existed") else ""), not failed)
    if what == "get_order":
        return row("arrow", "tiktok", "sfcc", f"GetOrder {who}{http}" + (" ✗" if data.get("error") else ""),
                   not data.get("error"))
    if what in ("patched", "cancelled"):
        return row("arrow", "tiktok", "sfcc", f"PATCH {who} ({'cancel' if what == 'cancelled' else 'update'})")
    if what.startswith("feed_"):
        return row("note", "tiktok", "tiktok", f"feed {what.removeprefix('feed_')}: {data.get('action', '')} {who}",
                   what == "feed_applied")
    if what.endswith("_retry_scheduled") or what in ("sync_waits_for_feed", "sync_skipped"):
        return None
    return row("note" if not failed else "arrow", "tiktok", "sfcc" if failed else "tiktok",
               f"{what.replace('_', ' ')} {who}", not failed)


def rows(result: ScenarioResult) -> list[Row]:
    """Every row of the diagram, in journal order."""
    aliases = aliases_by_id(result)
    out: list[Row] = []
    for record in result.steps:
        step = record.step
        args = step.args if isinstance(step.args, str) else json_text(step.args)
        out.append(Row(record.seq_start + 0.25, record.at, "step", "", "",
                       f"line {step.line} · {step.action} {args}", record.status != "failed", state=record.status))
    for call in result.calls:  # long ids in paths read as {id}; the tooltip keeps the whole call
        out.append(Row(call.seq + 0.5, call.at, "arrow" if call.source != call.target else "note", call.source,
                       call.target, _ID.sub("{id}", call.label) + _status(call), call.ok, json_text(call.as_dict())))
    for entry in result.timeline:
        row = _journal_row(entry, aliases)
        if row is not None:
            out.append(row)
    out.sort(key=lambda r: r.order)
    return out


def _lanes(found: list[Row]) -> list[tuple[str, str]]:
    used = {"buyer", "tiktok"} | {r.source for r in found} | {r.target for r in found}
    return [(key, title) for key, title in LANES if key in used]


_ID = re.compile(r"(?<=/)\d{8,}(?=/|$|\))|(?<=\()\d{6,}(?=\))")


def _clip(text: str, width: float) -> str:
    """Fit ``text`` to ``width`` px, keeping its end (an arrow's status and code) and its start."""
    chars = max(int(width / 6.4), 8)
    if len(text) <= chars:
        return text
    tail = min(len(text.rsplit(" → ", 1)[-1]) + 2, chars // 2) if " → " in text else 0
    return text[: chars - tail - 1] + "…" + (text[-tail:] if tail else "")


def svg(result: ScenarioResult) -> str:
    """The scenario's sequence diagram as an inline ``<svg>`` element."""
    found = rows(result)
    extra = len(found) - MAX_ROWS
    found = found[:MAX_ROWS]
    lanes = _lanes(found)
    x = {key: TIME_W + LANE_W * i + LANE_W / 2 for i, (key, _) in enumerate(lanes)}
    width = TIME_W + LANE_W * len(lanes)
    height = HEAD_H + sum(STEP_H if r.kind == "step" else ROW_H for r in found) + (ROW_H if extra > 0 else 0) + 12
    esc = html.escape
    parts = [f'<svg class="seq" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="sequence diagram">',
             '<defs><marker id="ah" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker>'
             '<marker id="ahx" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#cf222e"/></marker></defs>']
    for key, title in lanes:
        parts.append(f'<rect class="lane-head" x="{x[key] - 64}" y="4" width="128" height="24" rx="4"/>'
                     f'<text class="lane-title" x="{x[key]}" y="20" text-anchor="middle">{esc(title)}</text>'
                     f'<line class="life" x1="{x[key]}" y1="28" x2="{x[key]}" y2="{height - 4}"/>')
    y, last_at = HEAD_H, ""
    for r in found:
        h = STEP_H if r.kind == "step" else ROW_H
        at = r.at[5:19].replace("T", " ") if r.at else ""
        if r.kind == "step":
            parts.append(f'<g class="step {r.state}"><rect x="0" y="{y + 1}" width="{width}" height="{h - 2}"/>'
                         f'<text x="6" y="{y + 15}">{esc(at)}</text>'
                         f'<text x="{TIME_W}" y="{y + 15}">{esc(_clip(r.label, width - TIME_W - 8))}</text>'
                         f'<title>{esc(r.label)}</title></g>')
            last_at = at
            y += h
            continue
        time_text = f'<text class="t" x="6" y="{y + 14}">{esc(at)}</text>' if at and at != last_at else ""
        last_at = at or last_at
        cls = "ok" if r.ok else "refused"
        if r.kind == "note" or r.source == r.target or r.source not in x or r.target not in x:
            lane = x.get(r.source, x["tiktok"])
            label = _clip(r.label, LANE_W * 1.6)
            parts.append(f'<g class="note {cls}">{time_text}<rect x="{lane + 4}" y="{y + 3}" '
                         f'width="{min(len(label) * 6.4 + 10, LANE_W * 1.7):.0f}" height="{h - 5}" rx="3"/>'
                         f'<text x="{lane + 9}" y="{y + 14}">{esc(label)}</text>'
                         f'<title>{esc(r.detail or r.label)}</title></g>')
        else:
            x1, x2 = x[r.source], x[r.target]
            label = _clip(r.label, max(abs(x2 - x1) - 10, LANE_W * 0.9))
            marker = "ahx" if not r.ok else "ah"
            parts.append(f'<g class="msg {cls}">{time_text}<line x1="{x1}" y1="{y + 15}" x2="{x2}" y2="{y + 15}" '
                         f'marker-end="url(#{marker})"/><text x="{(x1 + x2) / 2}" y="{y + 11}" text-anchor="middle">'
                         f'{esc(label)}</text><title>{esc(r.detail or r.label)}</title></g>')
        y += h
    if extra > 0:
        parts.append(f'<text class="t" x="6" y="{y + 14}">… {extra} more rows: see the steps below</text>')
    parts.append("</svg>")
    return "".join(parts)
