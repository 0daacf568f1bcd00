"""Load scenario YAML with line numbers; every problem is reported as ``file:line: message``, all at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.scenarios.schema import ACTIONS, validate_args

TOP_KEYS = ("name", "rules", "steps", "description", "seed", "start", "profile_overrides", "config", "systems")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, at a line."""

    line: int
    message: str


class ScenarioError(Exception):
    """A scenario file that cannot be used; each line of the message starts with ``file:line``."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(f"{path}:{p.line}: {p.message}" for p in self.problems))


@dataclass(frozen=True)
class Step:
    """One action (or expectation) with its arguments, where it is written, and the rules it proves."""

    action: str
    args: Any
    line: int
    expect_error: dict[str, Any] | None = None
    proves: tuple[str, ...] = ()

    @property
    def is_expectation(self) -> bool:
        """True for an ``expect`` step or a step that expects a refusal."""
        return self.action == "expect" or self.expect_error is not None


@dataclass
class Scenario:
    """A replayable story: metadata, the rule IDs its expectations prove, and its steps."""

    path: Path
    name: str
    rules: list[str]
    steps: list[Step]
    description: str = ""
    seed: int = 0
    start: str | None = None
    profile_overrides: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    systems: list[str] = field(default_factory=list)  # to install; filled by the checks when not given
    rules_line: int = 1

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


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def parse_scenario(path: Path, text: str | None = None) -> Scenario:
    """Parse one file into a :class:`Scenario` (structure and argument schemas; no semantic checks).

    Raises:
        ScenarioError: with every problem found.
    """
    try:
        root = yaml.compose(path.read_text(encoding="utf-8") if text is None else text, Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, [Problem(1, f"cannot read the file: {exc}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(path, [Problem(mark.line + 1 if mark else 1,
                                           f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(root, yaml.MappingNode):
        raise ScenarioError(path, [Problem(1, "a scenario is a mapping with name, rules and steps")])
    problems: list[Problem] = []
    fields = {key.value: value for key, value in root.value}
    for key_node, _ in root.value:
        if key_node.value not in TOP_KEYS:
            problems.append(Problem(_line(key_node), f"unknown key '{key_node.value}' (known: {', '.join(TOP_KEYS)})"))
    for required in ("name", "rules", "steps"):
        if required not in fields:
            problems.append(Problem(_line(root), f"missing '{required}'"))
    rules: list[str] = []
    if "rules" in fields:
        value = _plain(fields["rules"])
        if not isinstance(value, list) or not value or not all(isinstance(r, str) for r in value):
            problems.append(Problem(_line(fields["rules"]), "'rules' lists the rule IDs the expectations prove"))
        else:
            rules = value
    steps: list[Step] = []
    if "steps" in fields:
        node = fields["steps"]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            problems.append(Problem(_line(node), "'steps' is a non-empty list"))
        else:
            for step_node in node.value:
                step = _step(step_node, problems)
                if step is not None:
                    steps.append(step)
    scenario = Scenario(path=path, name=str(_plain(fields["name"])) if "name" in fields else path.stem,
                        rules=rules, steps=steps, rules_line=_line(fields["rules"]) if "rules" in fields else 1)
    _metadata(scenario, fields, problems)
    if problems:
        raise ScenarioError(path, problems)
    return scenario


def _metadata(scenario: Scenario, fields: dict[str, yaml.Node], problems: list[Problem]) -> None:
    kinds: dict[str, type | tuple[type, ...]] = {
        "description": str, "seed": int, "start": str, "profile_overrides": dict, "config": dict, "systems": list}
    for key, kind in kinds.items():
        if key not in fields:
            continue
        value = _plain(fields[key])
        if key == "start" and not isinstance(value, str):  # YAML reads an unquoted timestamp as a datetime
            value = value.isoformat() if hasattr(value, "isoformat") else value
        if not isinstance(value, kind) or isinstance(value, bool):
            problems.append(Problem(_line(fields[key]), f"'{key}' is a {getattr(kind, '__name__', kind)}"))
            continue
        setattr(scenario, key, value)


def _step(node: yaml.Node, problems: list[Problem]) -> Step | None:
    line = _line(node)
    if not isinstance(node, yaml.MappingNode) or not node.value:
        problems.append(Problem(line, "a step is a mapping like '- clock.advance: 1h'"))
        return None
    entries = {k.value: v for k, v in node.value}
    expect_error = _plain(entries.pop("expect_error")) if "expect_error" in entries else None
    if len(entries) != 1:
        problems.append(Problem(line, f"a step names exactly one action (found {', '.join(sorted(entries))})"))
        return None
    action, value = next(iter(entries.items()))
    if action not in ACTIONS:
        family = action.split(".")[0]
        close = [a for a in ACTIONS if a.split(".")[0] == family] or list(ACTIONS)
        problems.append(Problem(line, f"unknown action '{action}' (known: {', '.join(sorted(close))})"))
        return None
    args = _plain(value)
    problem = validate_args(action, args)
    if problem:
        problems.append(Problem(line, f"{action}: {problem}"))
        return None
    proves: tuple[str, ...] = ()
    if action == "expect":
        proves = tuple(args.pop("proves", ()))
        if not args or set(args) == {"order"}:
            problems.append(Problem(line, "expect: checks nothing (add status, systems, deadlines, ...)"))
    if expect_error is not None:
        problem = validate_args("expect_error", expect_error)
        if problem:
            problems.append(Problem(line, f"expect_error: {problem} (a mapping like {{reason: order_on_hold}})"))
            return None
        proves = tuple(expect_error.pop("proves", ()))
        if not expect_error:
            problems.append(Problem(line, "expect_error: names no reason, rule, via or code"))
    return Step(action, args, line, expect_error, proves)


def discover(paths: list[Path]) -> list[Path]:
    """Scenario files under ``paths`` (directories are searched for ``*.yaml`` / ``*.yml``), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
    return found
