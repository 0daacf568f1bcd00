"""JUnit XML for CI: one testcase per scenario, warnings as properties, an invalid file as an ``<error>`` case."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from simulator.scenarios.report import Run, aliases_by_id, entry_text, journal_tail, json_text, short_path


def junit(run: Run, path: Path) -> None:
    """Write the run as JUnit XML at ``path``."""
    suite = ET.Element("testsuite", name="tts-sim scenarios", tests=str(len(run.results) + len(run.invalid)),
                       failures=str(run.failed), errors=str(len(run.invalid)), skipped="0",
                       time=f"{sum(r.wall_seconds for r in run.results):.3f}", timestamp=run.info.started)
    props = ET.SubElement(suite, "properties")
    for name, value in (("tts_sim_version", run.info.version), ("seed", "per scenario" if run.info.seed is None
                                                                   else str(run.info.seed)),
                        ("mocks", run.info.mocks or "built-in")):
        ET.SubElement(props, "property", name=name, value=value)
    for error in run.invalid:
        case = ET.SubElement(suite, "testcase", classname="invalid", name=short_path(error.path), time="0",
                             file=str(error.path))
        first = error.problems[0]
        node = ET.SubElement(case, "error", type="InvalidScenario",
                             message=f"{short_path(error.path)}:{first.line}: {first.message}")
        node.text = str(error)
    for r in run.results:
        case = ET.SubElement(suite, "testcase", classname=Path(r.scenario.location).parent.name or "scenarios",
                             name=r.scenario.name, time=f"{r.wall_seconds:.3f}", file=r.scenario.location)
        props = ET.SubElement(case, "properties")
        ET.SubElement(props, "property", name="rules", value=",".join(r.scenario.rules))
        ET.SubElement(props, "property", name="seed", value=str(r.seed))
        ET.SubElement(props, "property", name="invariants_held", value=f"{r.invariants_held}/{r.steps_run}")
        for warning in r.warnings:
            ET.SubElement(props, "property", name="warning", value=warning)
        aliases = aliases_by_id(r)
        for f in r.failures:
            message = f"{short_path(r.scenario.path)}:{f.line}: {f.action}: {f.message}"
            failure = ET.SubElement(case, "failure", message=message, type="ScenarioFailure")
            lines = [message]
            lines += [f"  {m.label}: expected {json_text(m.wanted)}, actual {json_text(m.got)}" for m in f.mismatches]
            lines += ["journal tail:"] + [f"  {entry_text(e, aliases)}" for e in journal_tail(r, f)]
            failure.text = "\n".join(lines)
        if r.warnings:
            ET.SubElement(case, "system-err").text = "\n".join(f"WARNING {w}" for w in r.warnings)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.indent(suite)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
