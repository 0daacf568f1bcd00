"""Load scenario YAML with line numbers, validate it, and report every problem as ``file:line: message``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.scenarios.schema import ACTIONS, validate_args


class ScenarioError(Exception):
    """A scenario file that cannot be used; the message starts with ``file:line``."""


@dataclass(frozen=True)
class Step:
    """One action (or expectation) with its arguments and where it is written."""

    action: str
    args: Any
    line: int
    expect_error: dict[str, Any] | None = None


@dataclass
class Scenario:
    """A replayable story: metadata, the rule IDs it proves, and its steps."""

    path: Path
    name: str
    rules: list[str]
    steps: list[Step]
    description: str = ""
    seed: int = 0
    start: str | None = None
    profile_overrides: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def location(self) -> str:
        """``file`` for reports."""
        return str(self.path)


def _plain(node: yaml.Node) -> Any:
    # Scalars keep YAML 1.1 typing (ints, bools) through the SafeLoader's constructor.
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_scenario(path: Path) -> Scenario:
    """Parse and validate one scenario file."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ScenarioError(f"{path}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(root, yaml.MappingNode):
        raise ScenarioError(f"{path}:1: a scenario is a mapping with name, rules and steps")
    fields = {key.value: value for key, value in root.value}
    for required in ("name", "rules", "steps"):
        if required not in fields:
            raise ScenarioError(f"{path}:{root.start_mark.line + 1}: missing '{required}'")
    unknown = set(fields) - {"name", "rules", "steps", "description", "seed", "start", "profile_overrides", "config"}
    if unknown:
        key_node = next(k for k, _ in root.value if k.value in unknown)
        raise ScenarioError(f"{path}:{key_node.start_mark.line + 1}: unknown key '{key_node.value}'")
    rules = _plain(fields["rules"])
    if not isinstance(rules, list) or not rules or not all(isinstance(r, str) for r in rules):
        raise ScenarioError(f"{path}:{fields['rules'].start_mark.line + 1}: 'rules' lists the rule IDs proven")
    steps_node = fields["steps"]
    if not isinstance(steps_node, yaml.SequenceNode) or not steps_node.value:
        raise ScenarioError(f"{path}:{steps_node.start_mark.line + 1}: 'steps' is a non-empty list")
    steps = [_step(path, node) for node in steps_node.value]
    return Scenario(
        path=path, name=str(_plain(fields["name"])), rules=rules, steps=steps,
        description=str(_plain(fields["description"])) if "description" in fields else "",
        seed=int(_plain(fields["seed"])) if "seed" in fields else 0,
        start=str(_plain(fields["start"])) if "start" in fields else None,
        profile_overrides=_mapping(path, fields, "profile_overrides"),
        config=_mapping(path, fields, "config"),
    )


def _mapping(path: Path, fields: dict[str, yaml.Node], key: str) -> dict[str, Any]:
    if key not in fields:
        return {}
    value = _plain(fields[key])
    if not isinstance(value, dict):
        raise ScenarioError(f"{path}:{fields[key].start_mark.line + 1}: '{key}' is a mapping")
    return value


def _step(path: Path, node: yaml.Node) -> Step:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise ScenarioError(f"{path}:{line}: a step is a mapping like '- clock.advance: 1h'")
    entries = {k.value: v for k, v in node.value}
    expect_error = _plain(entries.pop("expect_error")) if "expect_error" in entries else None
    if len(entries) != 1:
        raise ScenarioError(f"{path}:{line}: a step names exactly one action (found {sorted(entries)})")
    action, value = next(iter(entries.items()))
    if action not in ACTIONS:
        close = ", ".join(sorted(a for a in ACTIONS if a.split(".")[0] == action.split(".")[0])) or ", ".join(ACTIONS)
        raise ScenarioError(f"{path}:{line}: unknown action '{action}' (known: {close})")
    args = _plain(value)
    problem = validate_args(action, args)
    if problem:
        raise ScenarioError(f"{path}:{line}: {action}: {problem}")
    if expect_error is not None and not isinstance(expect_error, dict):
        raise ScenarioError(f"{path}:{line}: expect_error is a mapping like {{reason: order_on_hold}}")
    return Step(action, args, line, expect_error)


def discover(paths: list[Path]) -> list[Path]:
    """Scenario files under ``paths`` (directories are searched for ``*.yaml`` / ``*.yml``), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")))
        elif path.is_file():
            found.append(path)
        else:
            raise ScenarioError(f"{path}: no such file or directory")
    return found
