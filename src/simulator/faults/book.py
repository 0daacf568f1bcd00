"""A world's fault rules: validated specs, matching, and decisions drawn from the world's seeded random source.

A rule names a system, what it matches (method, a path glob, a shop) and the fault; it fires with
``probability`` (default 1) at most ``count`` times (default: every match). Every firing is journaled
(``fault.injected``), and decisions are drawn in the order inputs reach the world, from a random
source seeded by the world seed, so a seeded world with the same inputs misbehaves identically and a
durable world's replay takes the same decisions. No Flask here: the input layer, the webhook sender
and the connectors all ask :meth:`FaultBook.decide`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.world import World

SYSTEMS = ("tiktok", "sfcc", "channeladvisor")
REQUEST_TYPES = ("rate_limit", "server_error", "latency", "reset", "token_expired")
WEBHOOK_TYPES = ("webhook_duplicate", "webhook_delay", "webhook_reorder", "webhook_drop")
TYPES = REQUEST_TYPES + WEBHOOK_TYPES
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
MAX_LATENCY_MS = 60_000
MAX_DELAY_SECONDS = 100 * 366 * 86400
FIELDS = ("system", "match", "fault", "probability", "count")
FAULT_FIELDS = {"rate_limit": (), "server_error": (), "latency": ("ms",), "reset": ("applied",),
                "token_expired": (), "webhook_duplicate": (), "webhook_delay": ("seconds",),
                "webhook_reorder": (), "webhook_drop": ()}


class FaultError(ValueError):
    """A fault spec the world refuses (the message names the field)."""


@dataclass
class FaultRule:
    """One rule: ``system``, ``match``, the ``fault`` (``type`` and its parameters), how often it fires."""

    fault_id: str
    system: str
    match: dict[str, str]
    fault: dict[str, Any]
    probability: float = 1.0
    count: int | None = None
    fired: int = 0

    @property
    def type(self) -> str:
        """The fault's type."""
        return str(self.fault["type"])

    @property
    def remaining(self) -> int | None:
        """Firings left (None: unlimited)."""
        return None if self.count is None else max(0, self.count - self.fired)

    def matches(self, system: str, method: str, path: str, shop_id: str | None) -> bool:
        """Does a request (or, for webhook types, a delivery to ``path``) fall under this rule?"""
        match = self.match
        if system != self.system or self.remaining == 0:
            return False
        if "method" in match and match["method"] != method.upper():
            return False
        if "path" in match and not fnmatchcase(path, match["path"]):
            return False
        return "shop_id" not in match or match["shop_id"] == shop_id

    def as_dict(self) -> dict[str, Any]:
        """The JSON view (``GET /_sim/faults``)."""
        return {"fault_id": self.fault_id, "system": self.system, "match": self.match, "fault": self.fault,
                "probability": self.probability, "count": self.count, "fired": self.fired,
                "remaining": self.remaining}


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not low <= value <= high:
        raise FaultError(f"'{name}' must be a number from {low:g} to {high:g}")
    return float(value)


def parse_spec(spec: Any) -> dict[str, Any]:
    """Check a ``POST /_sim/faults`` body (or a scenario's ``fault.inject`` step); returns it normalised.

    Raises:
        FaultError: the first problem, naming its field.
    """
    if not isinstance(spec, Mapping):
        raise FaultError("a fault is a JSON object {system, match?, fault, probability?, count?}")
    unknown = sorted(set(spec) - set(FIELDS))
    if unknown:
        raise FaultError(f"unknown field(s) {', '.join(map(repr, unknown))} (known: {', '.join(FIELDS)})")
    system = spec.get("system")
    if system not in SYSTEMS:
        raise FaultError(f"'system' must be one of {', '.join(SYSTEMS)}")
    match = spec.get("match") or {}
    if not isinstance(match, Mapping) or set(match) - {"method", "path", "shop_id"} \
            or not all(isinstance(v, str) and v for v in match.values()):
        raise FaultError("'match' must be an object of non-empty strings: method?, path? (a glob), shop_id?")
    match = dict(match)
    if "method" in match:
        match["method"] = match["method"].upper()
        if match["method"] not in METHODS:
            raise FaultError(f"'match.method' must be one of {', '.join(METHODS)}")
    fault = spec.get("fault")
    if not isinstance(fault, Mapping) or fault.get("type") not in TYPES:
        raise FaultError(f"'fault' must be an object whose 'type' is one of {', '.join(TYPES)}")
    kind = str(fault["type"])
    extra = sorted(set(fault) - {"type", *FAULT_FIELDS[kind]})
    if extra:
        raise FaultError(f"fault type {kind} takes no {', '.join(map(repr, extra))}"
                         + (f" (it takes {', '.join(FAULT_FIELDS[kind])})" if FAULT_FIELDS[kind] else ""))
    if kind in WEBHOOK_TYPES and system != "tiktok":
        raise FaultError(f"fault type {kind} applies to TikTok's webhooks: 'system' must be tiktok")
    normal: dict[str, Any] = {"type": kind}
    if kind == "latency":
        normal["ms"] = _number(fault.get("ms"), "fault.ms", 0, MAX_LATENCY_MS)
    if kind == "webhook_delay":
        normal["seconds"] = _number(fault.get("seconds"), "fault.seconds", 0, MAX_DELAY_SECONDS)
    if kind == "reset":
        applied = fault.get("applied", False)
        if not isinstance(applied, bool):
            raise FaultError("'fault.applied' must be true or false")
        normal["applied"] = applied
    probability = _number(spec.get("probability", 1), "probability", 0, 1)
    count = spec.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise FaultError("'count' must be a positive integer (omit it: every match)")
    return {"system": system, "match": match, "fault": normal, "probability": probability, "count": count}


class FaultBook:
    """The rules of one world and the seeded source its decisions come from (use under the world lock)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rules: list[FaultRule] = []
        self._added = 0
        self._random: random.Random | None = None

    def add(self, spec: Any) -> FaultRule:
        """Add a rule from a spec (see :func:`parse_spec`); journaled ``fault.added``."""
        clean = parse_spec(spec)
        self._added += 1
        rule = FaultRule(f"fault-{self._added}", clean["system"], clean["match"], clean["fault"],
                         clean["probability"], clean["count"])
        self.rules.append(rule)
        self.world.journal.record("fault.added", **rule.as_dict())
        return rule

    def remove(self, fault_id: str) -> FaultRule | None:
        """Remove a rule (None: no such rule); journaled ``fault.removed``."""
        rule = next((r for r in self.rules if r.fault_id == fault_id), None)
        if rule is not None:
            self.rules.remove(rule)
            self.world.journal.record("fault.removed", fault_id=fault_id, fired=rule.fired)
        return rule

    def active(self, system: str) -> bool:
        """Any rule for ``system`` (the cheap question every request asks first)."""
        return bool(self.rules) and any(r.system == system for r in self.rules)

    def decide(self, system: str, method: str, path: str, shop_id: str | None = None, *, webhook: bool = False,
               via: str = "http") -> FaultRule | None:
        """The rule that fires for this request (``webhook``: this delivery), journaled; None when none does.

        Rules are asked in the order they were added; each matching rule draws once from the world's
        seeded source unless its probability is 1.
        """
        kinds = WEBHOOK_TYPES if webhook else REQUEST_TYPES
        for rule in self.rules:
            if rule.type not in kinds or not rule.matches(system, method, path, shop_id):
                continue
            if rule.probability < 1 and self._source().random() >= rule.probability:
                continue
            rule.fired += 1
            self.world.journal.record("fault.injected", fault_id=rule.fault_id, system=system, type=rule.type,
                                      method=method, path=path, shop_id=shop_id, via=via, fired=rule.fired)
            return rule
        return None

    def _source(self) -> random.Random:
        if self._random is None:  # str seeds hash with SHA-512: the same in every process
            self._random = random.Random(f"{self.world.seed}:faults")
        return self._random

    def describe(self) -> dict[str, Any]:
        """``GET /_sim/faults``."""
        return {"faults": [r.as_dict() for r in self.rules]}
