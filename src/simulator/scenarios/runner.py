"""Replay scenarios: a fresh seeded world per scenario, steps in order, expectations checked, results kept."""

from __future__ import annotations

import re
import time as _perf
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.clock import parse_instant
from simulator.engine import EngineError, Order
from simulator.invariants import check as check_invariants
from simulator.rules import parse_duration
from simulator.scenarios import channels
from simulator.scenarios.clients import Clients, Refused
from simulator.scenarios.expect import check
from simulator.scenarios.loader import Scenario, Step
from simulator.world import World

DEFAULT_VIA = "tiktok_api"  # seller actions go through the Partner API unless a scenario says otherwise
_RULE = re.compile(r"\(([A-Z]+-[A-Z0-9]+)\)")  # vendor messages quote the engine's rule ID, e.g. "(HOLD-2)"


@dataclass(frozen=True)
class Failure:
    """A failed step: where it is written and why it failed."""

    line: int
    action: str
    message: str


@dataclass
class ScenarioResult:
    """The outcome of one scenario run."""

    scenario: Scenario
    failures: list[Failure] = field(default_factory=list)
    steps_run: int = 0
    virtual_start: datetime | None = None
    virtual_end: datetime | None = None
    wall_seconds: float = 0.0
    timeline: list[dict[str, Any]] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    invariants_held: int = 0  # steps after which every cross-system invariant held

    @property
    def passed(self) -> bool:
        """True when every step ran and every expectation held."""
        return not self.failures


class StepFailed(Exception):
    """A step that did not do what the scenario says."""


class Context:
    """Per-run state: the world and the scenario's order aliases."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.aliases: dict[str, str] = {}
        self.clients: Clients | None = None  # partner-side API clients, built on first use

    @property
    def tiktok(self) -> Any:
        """The TikTok Shop backend (places orders in seeded shops)."""
        if "tiktok" not in self.world.systems:
            raise StepFailed("the TikTok Shop system is not installed")
        return self.world.systems["tiktok"]

    def order(self, args: Any) -> Order:
        """The order an action targets (its alias is a string or ``args['order']``)."""
        alias = args if isinstance(args, str) else args["order"]
        if alias not in self.aliases:
            raise StepFailed(f"no order named {alias!r} (name it with buyer.place: {{as: {alias}}})")
        return self.world.engine.orders[self.aliases[alias]]

    def package(self, args: Any) -> str:
        """The package id an action targets (``package`` index, default the first)."""
        order = self.order(args)
        index = args.get("package", 0) if isinstance(args, dict) else 0
        if index >= len(order.package_ids):
            raise StepFailed(f"order has {len(order.package_ids)} package(s), no package {index}")
        return order.package_ids[index]

    def sku_of(self, order: Order, ref: Any) -> str:
        """A SKU by id, by index into the order's SKUs, or the order's first SKU."""
        skus = list(dict.fromkeys(li.sku_id for li in order.line_items))
        if ref is None:
            return skus[0]
        if isinstance(ref, int):
            return skus[ref]
        return str(ref)

    def shop_sku(self, shop_id: str, ref: Any) -> str:
        """A shop SKU by index (``sku: 0``) or id."""
        if isinstance(ref, int):
            skus: list[str] = [s.id for s in self.tiktok.catalog.shop_skus(shop_id)]
            if ref >= len(skus):
                raise StepFailed(f"shop {shop_id} has {len(skus)} SKUs, no SKU {ref}")
            return skus[ref]
        return str(ref)

    def shop_for(self, args: dict[str, Any]) -> str:
        """The shop named, or the first seeded shop on the requested profile."""
        if "shop" in args:
            return str(args["shop"])
        profile = args.get("profile", "direct")
        shops = [s for s in self.tiktok.catalog.shops.values() if s.profile == profile]
        if not shops:
            raise StepFailed(f"no seeded shop on the {profile} profile")
        return str(shops[0].id)


def _advance(ctx: Context, args: Any) -> None:
    if isinstance(args, dict):
        ctx.world.advance(to=parse_instant(str(args["to"])))
    else:
        ctx.world.advance(seconds=parse_duration(args).total_seconds())


def _place(ctx: Context, args: dict[str, Any]) -> None:
    if args["as"] in ctx.aliases:
        raise StepFailed(f"an order named {args['as']!r} already exists")
    shop_id = ctx.shop_for(args)
    items = [(ctx.shop_sku(shop_id, i.get("sku", 0)), int(i.get("quantity", 1))) for i in args.get("items", [])]
    order = ctx.tiktok.place_order(shop_id, items or None, paid=args.get("paid", True),
                                   profile=args.get("profile"), split_packages=args.get("split_packages", False))
    ctx.aliases[args["as"]] = order.id


def _seller(action: Callable[[Context, Order, dict[str, Any], str], None]) -> Callable[[Context, Any], None]:
    # seller.* actions take an alias or {order, via, ...}; `via` picks the integration path.
    def run(ctx: Context, args: Any) -> None:
        options = args if isinstance(args, dict) else {}
        order = ctx.order(args)
        if options.get("package", 0) >= len(order.package_ids):
            raise StepFailed(f"order has {len(order.package_ids)} package(s), no package {options['package']}")
        action(ctx, order, options, options.get("via", DEFAULT_VIA))

    return run


def _pending(ctx: Context, args: Any) -> str:
    order = ctx.order(args)
    if order.pending_cancel_id is None:
        raise StepFailed(f"order {order.id} has no pending cancellation request")
    return order.pending_cancel_id


def _opt(args: Any, key: str) -> Any:
    return args.get(key) if isinstance(args, dict) else None


ACTORS: dict[str, Callable[[Context, Any], Any]] = {
    "clock.advance": _advance,
    "buyer.place": _place,
    "buyer.pay": lambda ctx, a: ctx.world.engine.pay(ctx.order(a).id),
    "buyer.cancel": lambda ctx, a: ctx.world.engine.buyer_cancel(ctx.order(a).id, _opt(a, "reason")),
    "buyer.withdraw": lambda ctx, a: ctx.world.engine.withdraw_cancellation(_pending(ctx, a)),
    "seller.ship": _seller(channels.ship),
    "seller.cancel": _seller(channels.cancel),
    "seller.approve": _seller(channels.approve),
    "seller.reject": _seller(channels.reject),
    "seller.export": _seller(channels.export),
    "platform.cancel": lambda ctx, a: ctx.world.engine.platform_cancel(ctx.order(a).id, _opt(a, "reason") or "fraud"),
    "carrier.collected": lambda ctx, a: ctx.world.engine.carrier_collected(ctx.package(a)),
    "carrier.delivered": lambda ctx, a: ctx.world.engine.carrier_delivered(ctx.package(a)),
}


def _expect(ctx: Context, args: dict[str, Any]) -> None:
    aliases = [args["order"]] if "order" in args else list(ctx.aliases)
    if not aliases:
        raise StepFailed("expect needs an order (none placed yet)")
    problems = check(ctx.world, ctx.order(aliases[-1]), args, ctx.sku_of)
    if problems:
        raise StepFailed("; ".join(problems))


def run_scenario(scenario: Scenario, *, seed: int | None = None, world_kwargs: dict[str, Any] | None = None) -> ScenarioResult:
    """Run one scenario in a fresh world and return its result (never raises for a failing step)."""
    kwargs: dict[str, Any] = {"seed": scenario.seed if seed is None else seed, **(world_kwargs or {})}
    if scenario.start:
        kwargs["start"] = parse_instant(scenario.start)
    if scenario.profile_overrides:
        kwargs["profile_overrides"] = scenario.profile_overrides
    if scenario.config:
        kwargs["config"] = scenario.config
    world = World.create(**kwargs)
    result = ScenarioResult(scenario, virtual_start=world.clock.now())
    ctx = Context(world)
    started = _perf.perf_counter()
    try:
        for step in scenario.steps:
            failure = _run_step(ctx, step) or _invariants(ctx, step)
            if failure is None:
                result.invariants_held += 1
            result.steps_run += 1
            if failure is not None:
                result.failures.append(failure)
                if step.action != "expect":
                    break  # later steps would act on a state the scenario did not intend
    finally:
        result.wall_seconds = _perf.perf_counter() - started
        result.virtual_end = world.clock.now()
        result.timeline = [e.as_dict() for e in world.journal]
        result.orders = dict(ctx.aliases)
        result.warnings = safeguard_warnings(world)
        world.close()
    return result


def safeguard_warnings(world: World) -> list[str]:
    """SFCC-3: captures and emails a safeguarded (non-production) instance let out, and unsafe settings."""
    sfcc = world.systems.get("sfcc")
    if sfcc is None:
        return []
    report = sfcc.safeguard_report()
    env = report["environment"]
    warnings = [f"SFCC-3: a {env} instance let out {r['kind']} for SFCC order {r['order_no']}"
                for r in report["violations"]]
    warnings += [f"SFCC-3: {env} site {i['site_id']} has {i['setting']} unsafe" for i in report["config_issues"]]
    return warnings


def _invariants(ctx: Context, step: Step) -> Failure | None:
    """After every step the systems must tell one story (simulator.invariants); a violation fails the step."""
    with ctx.world.lock:
        violations = check_invariants(ctx.world)
    if not violations:
        return None
    return Failure(step.line, step.action, "invariant violated: " + "; ".join(str(v) for v in violations))


def _run_step(ctx: Context, step: Step) -> Failure | None:
    try:
        if step.action == "clock.advance":  # takes the lock per instant, delivering webhooks between
            _advance(ctx, step.args)
        else:
            with ctx.world.operation():
                if step.action == "expect":
                    _expect(ctx, step.args)
                else:
                    ACTORS[step.action](ctx, step.args)
    except StepFailed as exc:
        return Failure(step.line, step.action, str(exc))
    except EngineError as exc:
        wanted = step.expect_error
        if wanted is None:
            return Failure(step.line, step.action, f"refused: {exc.message}")
        got = {"reason": exc.reason, "rule": exc.rule}
        mismatched = {k: v for k, v in wanted.items() if got.get(k) != v}
        if mismatched:
            return Failure(step.line, step.action, f"refused with {got}, wanted {wanted}")
        return None
    except Refused as exc:
        wanted = step.expect_error
        if wanted is None:
            return Failure(step.line, step.action, str(exc))
        rule = _RULE.search(exc.message)
        got = {"via": exc.via, "code": exc.code, "rule": rule.group(1) if rule else None}
        mismatched = {k: v for k, v in wanted.items() if got.get(k) != v}
        if mismatched:
            return Failure(step.line, step.action, f"refused with {got} ({exc.message}), wanted {wanted}")
        return None
    except (KeyError, ValueError) as exc:
        return Failure(step.line, step.action, f"error: {exc}")
    if step.expect_error is not None:
        return Failure(step.line, step.action, f"succeeded, wanted a refusal {step.expect_error}")
    return None
