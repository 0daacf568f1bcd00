"""A run's results for people and CI: failure summaries with a reproducing curl, counts, JUnit XML."""

from __future__ import annotations

import shlex
from pathlib import Path
from xml.etree import ElementTree as ET

from simulator.contracts.runner import Failure, Result, SentRequest

SKIP_HEADERS = {"content-length", "connection", "accept-encoding", "user-agent", "accept", "x-schemathesis-testcaseid"}


def curl(request: SentRequest) -> str:
    """A curl command sending exactly ``request`` (credentials included: they are the run's own)."""
    parts = ["curl", "-X", request.method]
    for name, value in request.headers.items():
        if name.lower() not in SKIP_HEADERS:
            parts += ["-H", f"{name}: {value}"]
    if request.body:
        text = request.body.decode("utf-8", errors="surrogateescape")
        parts += ["--data-binary", text]
    parts.append(request.url)
    return " ".join(shlex.quote(p) for p in parts)


def describe(failure: Failure) -> str:
    """One failure: operation, check, field, what is wrong, the answer and a curl that reproduces it."""
    lines = [f"{failure.operation}: {failure.title} ({failure.check})"]
    if failure.field:
        lines.append(f"  field: {failure.field}")
    lines += [f"  {line}" for line in failure.message.strip().splitlines()[:12]]
    if failure.status is not None:
        lines.append(f"  answer: HTTP {failure.status} {(failure.response_body or '')[:300]}")
    if failure.request is not None:
        lines.append(f"  reproduce: {curl(failure.request)}")
    return "\n".join(lines)


def summary(result: Result) -> str:
    """Counts per phase and operation, then every failure and error."""
    lines = [f"{result.api} at {result.base_url}: {result.total} cases over {len(result.cases)} operations "
             f"in {result.seconds:.1f} s (" + ", ".join(f"{p} {n}" for p, n in sorted(result.phases.items())) + ")"]
    lines += [f"  {n:5d}  {op}" for op, n in sorted(result.cases.items())]
    for failure in result.failures:
        lines += ["", describe(failure)]
    for error in result.errors:
        lines += ["", f"error: {error}"]
    verdict = "conforms" if result.ok else f"{len(result.failures)} failures, {len(result.errors)} errors"
    lines += ["", f"{result.api}: {verdict}"]
    return "\n".join(lines)


def junit(result: Result, path: Path) -> None:
    """JUnit XML: one test case per operation, failing with its violations."""
    suite = ET.Element("testsuite", name=f"tts-sim contract {result.api}", tests=str(len(result.cases)),
                       failures=str(len({f.operation for f in result.failures})), errors=str(len(result.errors)),
                       time=f"{result.seconds:.3f}")
    for operation in sorted(set(result.cases) | {f.operation for f in result.failures}):
        case = ET.SubElement(suite, "testcase", classname=result.api, name=operation)
        mine = [f for f in result.failures if f.operation == operation]
        if mine:
            node = ET.SubElement(case, "failure", message=f"{len(mine)} contract violations")
            node.text = "\n\n".join(describe(f) for f in mine)
    for error in result.errors:
        node = ET.SubElement(ET.SubElement(suite, "testcase", classname=result.api, name="run"), "error")
        node.text = error
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
