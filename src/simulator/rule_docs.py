"""Rule definitions (rules.yaml): every rule ID's words, profiles and sources; docs/rules.md and ``--explain``."""

from __future__ import annotations

import difflib
import textwrap
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from simulator.rules import RuleBook


@dataclass(frozen=True)
class RuleDef:
    """One rule: its stable ID, a short title, the project's wording, the profiles it applies to, its sources."""

    id: str
    group: str
    title: str
    text: str
    profiles: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RuleSet:
    """Everything rules.yaml holds."""

    sources: dict[str, str]
    intro: str
    quantities: str
    rules: dict[str, RuleDef]
    groups: tuple[str, ...]
    choices: str


@cache
def rule_set() -> RuleSet:
    """The packaged rule definitions (parsed once per process)."""
    data: dict[str, Any] = yaml.safe_load(
        resources.files("simulator").joinpath("rules.yaml").read_text(encoding="utf-8"))
    rules: dict[str, RuleDef] = {}
    for group in data["groups"]:
        for raw in group["rules"]:
            if raw["id"] in rules:
                raise ValueError(f"rules.yaml defines {raw['id']} twice")
            rules[raw["id"]] = RuleDef(raw["id"], group["title"], raw["title"], " ".join(raw["text"].split()),
                                       str(raw["profiles"]), tuple(raw["sources"]))
    return RuleSet(dict(data["sources"]), data["intro"], data["quantities"], rules,
                   tuple(g["title"] for g in data["groups"]), data["choices"])


def rule_ids() -> tuple[str, ...]:
    """Every rule ID, in document order."""
    return tuple(rule_set().rules)


def unknown_rule_message(rule_id: str) -> str:
    """``unknown rule ID 'X'`` with the closest known IDs."""
    close = difflib.get_close_matches(rule_id.upper(), rule_ids(), n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else f" (known: {', '.join(rule_ids())})"
    return f"unknown rule ID {rule_id!r}{hint}"


def markdown() -> str:
    """docs/rules.md, generated (``tts-sim rules --markdown``)."""
    rs = rule_set()
    sources = ";\n".join(f"- **{name}**: {text}" for name, text in rs.sources.items()) + "."
    parts = ["# The rules tts-sim enforces", "",
             "<!-- Generated from src/simulator/rules.yaml by `tts-sim rules --markdown`: edit that file. -->", "",
             rs.intro.replace("{sources}", sources).rstrip(), "", rs.quantities.rstrip()]
    for group in rs.groups:
        parts += ["", f"## {group}", "", "| ID | rule | profiles | sources |", "|---|---|---|---|"]
        for rule in (r for r in rs.rules.values() if r.group == group):
            parts.append(f"| {rule.id} | {rule.text} | {rule.profiles} | {'; '.join(rule.sources)} |")
    parts += ["", "## Choices where the sources are silent", "", rs.choices.rstrip(), ""]
    return "\n".join(parts)


def explain(rule_id: str, book: RuleBook | None = None, width: int = 100) -> str:
    """One rule in words, with every profile number that serves it (``tts-sim rules --explain ID``).

    Raises:
        KeyError: an unknown rule ID (the message names the closest known ones).
    """
    rule = rule_set().rules.get(rule_id.upper())
    if rule is None:
        raise KeyError(unknown_rule_message(rule_id))
    book = book or RuleBook.load()
    wrap = textwrap.TextWrapper(width=width, initial_indent="  ", subsequent_indent="  ")
    lines = [f"{rule.id}: {rule.title} ({rule.group.lower()}; profiles: {rule.profiles})", "", wrap.fill(rule.text)]
    numbers = [row for row in book.table() if rule.id in row[3].split(", ")]
    if numbers:
        lines += ["", "numbers (src/simulator/profiles.yaml):"]
        merged: dict[tuple[str, str, str], list[str]] = {}
        for profile, key, value, _, source in numbers:  # one line per number, with the profiles sharing it
            merged.setdefault((key, value, source), []).append(profile)
        for (key, value, source), profiles in merged.items():
            where = "every profile" if "*" in profiles or len(profiles) == len(book.profiles) else (
                "profile " + ", ".join(profiles))
            value_wrap = textwrap.TextWrapper(width=width, initial_indent=f"  {key} = ", subsequent_indent="      ")
            lines += [value_wrap.fill(value), f"      {where}; {source}"]
    lines += ["", "sources:"] + [f"  {s}" for s in rule.sources]
    return "\n".join(lines)
