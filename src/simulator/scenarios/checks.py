"""Static checks of a parsed scenario: everything ``run`` would refuse, found before the first step.

Durations and instants parse, time never goes back, every order alias is placed before it is used and
only once, shops, SKUs, warehouses and delivery options exist in the mocks, each ``via`` is a path the
order's profile offers, every rule ID is known, and ``rules:`` equals what the expectations prove.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from simulator.clock import DEFAULT_START, ClockError, parse_instant
from simulator.faults.book import FaultError, parse_spec
from simulator.rule_docs import rule_ids, unknown_rule_message
from simulator.rules import ProfileError, parse_duration
from simulator.scenarios.loader import Problem, Scenario, ScenarioError, Step
from simulator.scenarios.schema import DEADLINES, SYSTEM_NAMES
from simulator.tiktok_shop.catalog import Catalog

# The integration paths each profile's OMS has (rules.md: FUL-1, FUL-4, FUL-5, CAN-B2..B4, CAN-S1..S3).
PATHS = {
    "direct": {"engine", "tiktok_api"},
    "sfcc": {"engine", "tiktok_api", "sfcc", "sfcc_batch", "sfcc_pull"},
    "rithum": {"engine", "channeladvisor"},
}
DEFAULT_VIA = {"direct": "tiktok_api", "sfcc": "tiktok_api", "rithum": "channeladvisor"}
SYSTEMS_OF = {"direct": (), "sfcc": ("sfcc",), "rithum": ("channeladvisor",)}
_SELLER_ONLY = {  # actions whose paths are fewer than the profile's
    "seller.approve": {"engine", "tiktok_api", "channeladvisor"},
    "seller.reject": {"engine", "tiktok_api", "channeladvisor"},
    "seller.export": {"channeladvisor"},
    "seller.read": {"tiktok_api", "channeladvisor", "sfcc"},
    "seller.split": {"engine", "tiktok_api"},
    "seller.mark_shipped": {"engine", "tiktok_api"},
    "seller.approve_return": {"engine", "tiktok_api", "channeladvisor"},
    "seller.reject_return": {"engine", "tiktok_api", "channeladvisor"},
}


@dataclass(frozen=True)
class Placed:
    """What the checks know of an order alias: where it was placed and how its shop integrates."""

    line: int
    shop_id: str
    profile: str
    region: str


@cache
def catalog_for(mocks_dir: Path | None) -> Catalog:
    """The TikTok Shop seed data scenarios place orders from: read by a world, exactly as the runs will."""
    from simulator.world import World

    world = World.create(mocks_dir=mocks_dir, systems=["tiktok"])
    try:
        catalog: Catalog = world.systems["tiktok"].catalog
        return catalog
    finally:
        world.close()


@dataclass
class _Walk:
    scenario: Scenario
    catalog: Catalog
    problems: list[Problem] = field(default_factory=list)
    aliases: dict[str, Placed] = field(default_factory=dict)
    now: datetime = DEFAULT_START
    subscribed: bool = False
    profiles: set[str] = field(default_factory=set)
    proven: dict[str, int] = field(default_factory=dict)
    faults: int = 0  # fault.inject steps so far (fault.clear names fault-1 .. fault-N)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def instant(self, line: int, label: str, text: Any) -> datetime | None:
        try:
            return parse_instant(str(text))
        except ClockError:
            self.problem(line, f"{label}: not an ISO-8601 instant with a zone: {text!r} (e.g. 2026-11-02T10:00:00Z)")
            return None


def check_scenario(scenario: Scenario, mocks_dir: Path | None = None) -> Scenario:
    """Run every static check; fill ``scenario.systems`` with what it needs when not given.

    Raises:
        ScenarioError: with every problem found.
    """
    walk = _Walk(scenario, catalog_for(mocks_dir))
    if scenario.start is not None:
        walk.now = walk.instant(1, "start", scenario.start) or DEFAULT_START
    for step in scenario.steps:
        _check_step(walk, step)
    _check_rules(walk)
    unknown = [s for s in scenario.systems if s not in SYSTEM_NAMES]
    if unknown:
        walk.problem(1, f"systems: unknown {', '.join(unknown)} (known: {', '.join(SYSTEM_NAMES)})")
    if not scenario.systems:
        needed = {"tiktok"} | {s for p in walk.profiles for s in SYSTEMS_OF[p]} | set(scenario.config) & set(SYSTEM_NAMES)
        for step in scenario.steps:
            if step.action == "expect":
                needed |= set(step.args.get("systems") or {})
            if step.action.startswith("network."):
                needed.add("sfcc")
            if step.action == "fault.inject" and step.args.get("system") in SYSTEM_NAMES:
                needed.add(step.args["system"])
        scenario.systems = [s for s in SYSTEM_NAMES if s in needed]
    if walk.problems:
        raise ScenarioError(scenario.path, walk.problems)
    return scenario


def _check_rules(walk: _Walk) -> None:
    known = set(rule_ids())
    scenario = walk.scenario
    for rule in scenario.rules:
        if rule not in known:
            walk.problem(scenario.rules_line, f"rules: {unknown_rule_message(rule)}")
    listed = set(scenario.rules)
    for rule, line in walk.proven.items():
        if rule in known and rule not in listed:
            walk.problem(line, f"the expectation proves {rule}, which 'rules' does not list")
    for rule in scenario.rules:
        if rule in known and rule not in walk.proven:
            walk.problem(scenario.rules_line, f"rules lists {rule} but no expectation proves it "
                                              f"(add proves: [{rule}] to the expectation that checks it)")


def _check_step(walk: _Walk, step: Step) -> None:
    args, line = step.args, step.line
    for rule in step.proves:
        if rule not in rule_ids():
            walk.problem(line, f"proves: {unknown_rule_message(rule)}")
        walk.proven.setdefault(rule, line)
    if step.expect_error and "rule" in step.expect_error and step.expect_error["rule"] not in rule_ids():
        walk.problem(line, f"expect_error.rule: {unknown_rule_message(str(step.expect_error['rule']))}")
    action = step.action
    if action == "clock.advance":
        _advance(walk, line, args)
    elif action == "buyer.place":
        _place(walk, line, args)
    elif action == "seller.subscribe":
        _shop(walk, line, args)
        walk.subscribed = True
    elif action == "seller.pull":
        walk.profiles.add("rithum")
    elif action == "expect":
        _expect(walk, line, args)
    elif action == "fault.inject":
        try:
            parse_spec(args)
        except FaultError as exc:
            walk.problem(line, f"fault.inject: {exc}")
        else:
            walk.faults += 1
    elif action == "fault.clear":
        if args != "all" and not (args.startswith("fault-") and args[6:].isdigit() and 0 < int(args[6:]) <= walk.faults):
            walk.problem(line, f"fault.clear: {args!r} is neither 'all' nor a fault injected above (fault-1 ...)")
    elif action not in ("network.down", "network.up"):
        placed = _alias(walk, line, args if isinstance(args, str) else args["order"])
        if placed is not None and action.startswith("seller."):
            _via(walk, line, action, placed, args)
        if placed is not None and action == "platform.resend_create" and placed.profile != "sfcc":
            walk.problem(line, f"{action}: order is on the {placed.profile} profile; only sfcc orders are created "
                               "in SFCC")


def _advance(walk: _Walk, line: int, args: Any) -> None:
    if isinstance(args, dict):
        target = walk.instant(line, "clock.advance.to", args["to"])
        if target is not None and target < walk.now:
            walk.problem(line, f"clock.advance: {args['to']} is before the scenario's time then "
                               f"({walk.now.isoformat()}); time only moves forward")
        elif target is not None:
            walk.now = target
        return
    try:
        walk.now += parse_duration(args)
    except ProfileError as exc:
        walk.problem(line, f"clock.advance: {exc}")


def _shop(walk: _Walk, line: int, args: dict[str, Any]) -> tuple[str, str, str] | None:
    shops = walk.catalog.shops
    if "shop" in args:
        shop = shops.get(str(args["shop"]))
        if shop is None:
            walk.problem(line, f"shop {args['shop']!r} is not in the mocks (known: {', '.join(shops)})")
            return None
        if "profile" in args and args["profile"] != shop.profile:
            walk.problem(line, f"shop {shop.id} integrates through the {shop.profile} profile, not {args['profile']}")
            return None
        return shop.id, shop.profile, shop.region
    profile = args.get("profile", "direct")
    shop = next((s for s in shops.values() if s.profile == profile), None)
    if shop is None:
        walk.problem(line, f"no shop in the mocks integrates through the {profile} profile")
        return None
    return shop.id, shop.profile, shop.region


def _place(walk: _Walk, line: int, args: dict[str, Any]) -> None:
    alias = args["as"]
    if alias in walk.aliases:
        walk.problem(line, f"an order named {alias!r} is already placed (line {walk.aliases[alias].line})")
        return
    found = _shop(walk, line, args)
    if found is None:
        return
    shop_id, profile, region = found
    walk.aliases[alias] = Placed(line, shop_id, profile, region)
    walk.profiles.add(profile)
    skus = [s.id for s in walk.catalog.shop_skus(shop_id)]
    for item in args.get("items", []):
        ref = item.get("sku", 0)
        if isinstance(ref, int) and ref >= len(skus):
            walk.problem(line, f"items: shop {shop_id} has {len(skus)} SKUs, no sku {ref}")
        elif isinstance(ref, str) and ref not in skus:
            walk.problem(line, f"items: SKU {ref} is not a SKU of shop {shop_id}")
    if "warehouse" in args:
        houses = {w.id: w for w in walk.catalog.shop_warehouses(shop_id) if w.type == "SALES_WAREHOUSE"}
        if args["warehouse"] not in houses and args["warehouse"] not in {w.name for w in houses.values()}:
            walk.problem(line, f"warehouse {args['warehouse']!r} is not a sales warehouse of shop {shop_id} "
                               f"(known: {', '.join(houses)})")
    if "delivery_option" in args:
        options = {o.id: o for o in walk.catalog.delivery_options.values() if o.region == region}
        wanted = args["delivery_option"]
        if wanted not in options and wanted not in {o.name for o in options.values()}:
            walk.problem(line, f"delivery_option {wanted!r} is not offered in {region} "
                               f"(known: {', '.join(o.name for o in options.values())})")


def _alias(walk: _Walk, line: int, alias: str) -> Placed | None:
    placed = walk.aliases.get(alias)
    if placed is None:
        known = f" (placed so far: {', '.join(walk.aliases)})" if walk.aliases else ""
        walk.problem(line, f"no order named {alias!r} yet: place it first with buyer.place: {{as: {alias}}}{known}")
    return placed


def _via(walk: _Walk, line: int, action: str, placed: Placed, args: Any) -> None:
    via = args.get("via", DEFAULT_VIA[placed.profile]) if isinstance(args, dict) else DEFAULT_VIA[placed.profile]
    offered = PATHS[placed.profile] & _SELLER_ONLY.get(action, PATHS[placed.profile])
    if via not in offered:
        walk.problem(line, f"{action}: via {via} is not a path of a {placed.profile} order "
                           f"(its OMS uses: {', '.join(sorted(offered))})")


def _expect(walk: _Walk, line: int, args: dict[str, Any]) -> None:
    if "order" in args:
        _alias(walk, line, args["order"])
    elif not walk.aliases and set(args) - {"ldr", "journal"}:
        walk.problem(line, "expect: no order placed yet (name one with buyer.place: {as: ...})")
    for key in DEADLINES:
        value = (args.get("deadlines") or {}).get(key)
        if value is not None:
            walk.instant(line, f"deadlines.{key}", value)
    for index, note in enumerate(args.get("notifications") or []):
        if isinstance(note, dict) and "at" in note:
            walk.instant(line, f"notifications.{index}.at", note["at"])
    for index, hook in enumerate(args.get("webhooks") or []):
        for at in ([hook["at"]] if "at" in hook else []) + list(hook.get("times", [])):
            walk.instant(line, f"webhooks.{index}", at)
    if "webhooks" in args and not walk.subscribed:
        walk.problem(line, "expect.webhooks: the OMS never subscribed (add seller.subscribe before)")
    ldr = args.get("ldr") or {}
    for key in ("start", "end"):
        if key in ldr:
            walk.instant(line, f"ldr.{key}", ldr[key])
    if "shop" in ldr or "profile" in ldr:
        _shop(walk, line, ldr)
