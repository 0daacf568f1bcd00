"""Replay scenarios: a fresh seeded world per scenario, steps in order, expectations and invariants checked."""

from __future__ import annotations

import re
import threading
import time as _perf
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from requests.adapters import BaseAdapter

from simulator.clock import parse_instant
from simulator.engine import EngineError, Order
from simulator.invariants import check as check_invariants
from simulator.rules import parse_duration
from simulator.scenarios import channels
from simulator.scenarios.checks import DEFAULT_VIA
from simulator.scenarios.clients import Call, Clients, Refused
from simulator.scenarios.expect import Mismatch, check, instant_text
from simulator.scenarios.loader import Scenario, Step
from simulator.scenarios.oms import OmsEndpoint
from simulator.world import World

_RULE = re.compile(r"\(([A-Z]+-[A-Z0-9]+)\)")  # vendor messages quote the engine's rule ID, e.g. "(HOLD-2)"
NOISE = ("sfcc.feed.empty",)  # a 15-minute export run with nothing ready: counted, not shown


@dataclass(frozen=True)
class Failure:
    """A failed step: where it is written, why, and each wanted-vs-got difference."""

    line: int
    action: str
    message: str
    mismatches: tuple[Mismatch, ...] = ()


@dataclass
class StepResult:
    """One step as it ran: ``passed``, ``failed`` or ``skipped`` (after a failed action), with its journal span."""

    step: Step
    status: str
    at: str
    seq_start: int
    seq_end: int
    failure: Failure | None = None
    invariants: bool | None = None


@dataclass
class ScenarioResult:
    """The outcome of one scenario run."""

    scenario: Scenario
    failures: list[Failure] = field(default_factory=list)
    steps: list[StepResult] = field(default_factory=list)
    steps_run: int = 0
    seed: int = 0
    virtual_start: datetime | None = None
    virtual_end: datetime | None = None
    wall_seconds: float = 0.0
    timeline: list[dict[str, Any]] = field(default_factory=list)
    hidden: int = 0  # journal entries of NOISE kinds left out of the timeline
    calls: list[Call] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    invariants_held: int = 0  # steps after which every cross-system invariant held
    proven: dict[str, list[int]] = field(default_factory=dict)  # rule -> lines of the expectations that held

    @property
    def passed(self) -> bool:
        """True when every step ran and every expectation held."""
        return not self.failures


class StepFailed(Exception):
    """A step that did not do what the scenario says."""

    def __init__(self, message: str, mismatches: tuple[Mismatch, ...] = ()) -> None:
        super().__init__(message)
        self.mismatches = mismatches


class _Outage(BaseAdapter):
    """``network.down: sfcc``: every call from TikTok's connector to SFCC fails to connect."""

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        raise requests.ConnectionError(f"SFCC unreachable (network.down): {request.method} {request.url}")

    def close(self) -> None:
        """Nothing to release."""


class AppPool:
    """Flask apps reused across scenario runs: building one registers ~1,300 routes (~50 ms), and a run needs
    one only to serve its own world, so a finished run hands its app to the next (the holder is re-pointed,
    as ``POST /_sim/reset`` does). Thread-safe: concurrent runs never share an app."""

    def __init__(self) -> None:
        self._free: list[Any] = []
        self._lock = threading.Lock()

    def take(self, world: World) -> Any:
        """An app serving ``world`` until :meth:`give_back`."""
        with self._lock:
            app = self._free.pop() if self._free else None
        if app is None:
            from simulator.app import create_app

            return create_app(world)
        app.extensions["tts_sim"].world = world
        return app

    def give_back(self, app: Any) -> None:
        """The run is over: the app may serve another world."""
        with self._lock:
            self._free.append(app)


APPS = AppPool()


class Context:
    """Per-run state: the world, the scenario's order aliases, the OMS, and every message for the reports."""

    def __init__(self, world: World, pool: AppPool | None = None) -> None:
        self.world = world
        self._pool = pool
        self._app: Any = None
        self.aliases: dict[str, str] = {}
        self.calls: list[Call] = []
        self.clients: Clients | None = None  # partner-side API clients, built on first use
        self.oms: OmsEndpoint | None = None
        self._outage: tuple[Any, str, Any] | None = None

    def app(self) -> Any:
        """The WSGI app serving this world to the partner clients (from the pool when given, built on first use)."""
        if self._app is None:
            if self._pool is None:
                from simulator.app import create_app

                self._app = create_app(self.world)
            else:
                self._app = self._pool.take(self.world)
        return self._app

    @property
    def tiktok(self) -> Any:
        """The TikTok Shop backend (places orders in seeded shops)."""
        if "tiktok" not in self.world.systems:
            raise StepFailed("the TikTok Shop system is not installed")
        return self.world.systems["tiktok"]

    @property
    def last_response(self) -> Call | None:
        """The last API call the OMS (or TikTok's connector, for a resent create) made."""
        return next((c for c in reversed(self.calls) if c.via is not None), None)

    def oms_endpoint(self) -> OmsEndpoint:
        """The scenario's OMS (built on first use)."""
        if self.oms is None:
            app = self.world.control.credentials()["tiktok"]["apps"][0]
            self.oms = OmsEndpoint(self.world, app["app_key"], app["app_secret"])
        return self.oms

    def order(self, args: Any) -> Order:
        """The order an action targets (its alias is a string or ``args['order']``)."""
        alias = args if isinstance(args, str) else args["order"]
        if alias not in self.aliases:
            raise StepFailed(f"no order named {alias!r} (name it with buyer.place: {{as: {alias}}})")
        return self.world.engine.orders[self.aliases[alias]]

    def alias_of(self, order_id: str) -> str:
        """The scenario's name for an order id (the id itself when unnamed)."""
        return next((a for a, o in self.aliases.items() if o == order_id), order_id)

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
        if args.get("shop"):
            return str(args["shop"])
        profile = args.get("profile") or "direct"
        shops = [s for s in self.tiktok.catalog.shops.values() if s.profile == profile]
        if not shops:
            raise StepFailed(f"no seeded shop on the {profile} profile")
        return str(shops[0].id)

    def say(self, source: str, target: str, label: str) -> Call:
        """Record an actor's action as a message for the sequence diagram."""
        call = Call(instant_text(self.world.clock.now()) or "", len(self.world.journal), source, target, label)
        self.calls.append(call)
        return call

    def network(self, up: bool) -> None:
        """Cut (or restore) TikTok's connector's line to SFCC."""
        sfcc = self.world.systems.get("sfcc")
        if sfcc is None:
            raise StepFailed("the SFCC system is not installed")
        session = sfcc.connector.client.session
        host = f"https://{sfcc.config.host}/"
        if not up and self._outage is None:
            self._outage = (session, host, session.adapters.get(host))
            session.mount(host, _Outage())
        elif up and self._outage is not None:
            saved_session, saved_host, adapter = self._outage
            if adapter is not None:
                saved_session.mount(saved_host, adapter)
            else:
                saved_session.adapters.pop(saved_host, None)
            self._outage = None

    def close(self) -> None:
        """Stop the OMS receiver; return the app to the pool."""
        if self.oms is not None:
            self.oms.close()
        if self._pool is not None and self._app is not None:
            self._pool.give_back(self._app)
            self._app = None


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
    catalog = ctx.tiktok.catalog
    if "presale_dispatch_days" in args:  # the listing's pre-sale dispatch period (SLA-1), set before the order
        for sku_id, _ in items or [(catalog.shop_skus(shop_id)[0].id, 1)]:
            ctx.world.inventory.get(sku_id).presale_dispatch_days = int(args["presale_dispatch_days"])
    shop = catalog.shops[shop_id]
    option = _named(args.get("delivery_option"), [o for o in catalog.delivery_options.values() if o.region == shop.region])
    house = _named(args.get("warehouse"), catalog.shop_warehouses(shop_id))
    ctx.say("buyer", "tiktok", f"places order '{args['as']}'" + (" (unpaid)" if args.get("paid") is False else ""))
    order = ctx.tiktok.place_order(shop_id, items or None, paid=args.get("paid", True), profile=args.get("profile"),
                                   split_packages=args.get("split_packages", False), delivery_option_id=option,
                                   warehouse_id=house, handling_days=args.get("handling_days"),
                                   shipping_days=args.get("shipping_days"))
    ctx.aliases[args["as"]] = order.id


def _named(ref: str | None, records: list[Any]) -> str | None:
    if ref is None:
        return None
    return next((r.id for r in records if ref in (r.id, r.name)), ref)


def _seller(action: Callable[[Context, Order, dict[str, Any], str], None]) -> Callable[[Context, Any], None]:
    # seller.* actions take an alias or {order, via, ...}; `via` picks the integration path.
    def run(ctx: Context, args: Any) -> None:
        options = args if isinstance(args, dict) else {}
        order = ctx.order(args)
        if options.get("package", 0) >= len(order.package_ids):
            raise StepFailed(f"order has {len(order.package_ids)} package(s), no package {options['package']}")
        action(ctx, order, options, options.get("via", DEFAULT_VIA[order.profile]))

    return run


def _subscribe(ctx: Context, args: dict[str, Any]) -> None:
    channels.subscribe(ctx, ctx.shop_for(args), list(args.get("events") or
                                                     ["ORDER_STATUS_CHANGE", "PACKAGE_UPDATE",
                                                      "CANCELLATION_STATUS_CHANGE"]), list(args.get("answers", [])))


def _resend_create(ctx: Context, args: Any) -> None:
    """TikTok sends CreateExternalOrder again for an order SFCC already has (SFCC-2: idempotent)."""
    order = ctx.order(args)
    connector = ctx.world.systems["sfcc"].connector
    site = connector.site_for(order)
    seq = len(ctx.world.journal)
    answer = connector.client.create_order(site, connector.order_body(order, retry=True))
    body = answer.json()
    ctx.calls.append(Call(instant_text(ctx.world.clock.now()) or "", seq, "tiktok", "sfcc",
                          f"POST /s/{site}/CreateExternalOrder", answer.status_code == 200, "sfcc_connector",
                          answer.status_code, body.get("msg") or answer.status_code, body))


def _actor(source: str, target: str, label: str, run: Callable[[Context, Any], Any]) -> Callable[[Context, Any], Any]:
    def act(ctx: Context, args: Any) -> Any:
        alias = args if isinstance(args, str) else args.get("order", "") if isinstance(args, dict) else ""
        call = ctx.say(source, target, label.format(alias=alias, **(args if isinstance(args, dict) else {})))
        try:
            return run(ctx, args)
        except EngineError as exc:
            call.ok, call.code = False, exc.reason
            raise

    return act


def _opt(args: Any, key: str) -> Any:
    return args.get(key) if isinstance(args, dict) else None


def _network(up: bool) -> Callable[[Context, Any], None]:
    def run(ctx: Context, args: Any) -> None:
        ctx.say("tiktok", "sfcc", "network restored" if up else "network down: TikTok cannot reach SFCC")
        ctx.network(up)

    return run


ACTORS: dict[str, Callable[[Context, Any], Any]] = {
    "clock.advance": _advance,
    "buyer.place": _place,
    "buyer.pay": _actor("buyer", "tiktok", "pays '{alias}'", lambda ctx, a: ctx.world.engine.pay(ctx.order(a).id)),
    "buyer.cancel": _actor("buyer", "tiktok", "cancels '{alias}'",
                           lambda ctx, a: ctx.world.engine.buyer_cancel(ctx.order(a).id, _opt(a, "reason"))),
    "buyer.withdraw": _actor("buyer", "tiktok", "withdraws the request on '{alias}'",
                             lambda ctx, a: ctx.world.engine.withdraw_cancellation(_pending(ctx, a))),
    "seller.ship": _seller(channels.ship),
    "seller.cancel": _seller(channels.cancel),
    "seller.approve": _seller(channels.approve),
    "seller.reject": _seller(channels.reject),
    "seller.export": _seller(channels.export),
    "seller.read": _seller(channels.read),
    "seller.pull": lambda ctx, a: channels.pull(ctx),
    "seller.subscribe": _subscribe,
    "platform.cancel": _actor("tiktok", "tiktok", "platform cancels '{alias}'",
                              lambda ctx, a: ctx.world.engine.platform_cancel(ctx.order(a).id,
                                                                              _opt(a, "reason") or "fraud")),
    "platform.resend_create": _resend_create,
    "carrier.collected": _actor("carrier", "tiktok", "collected '{alias}'",
                                lambda ctx, a: ctx.world.engine.carrier_collected(ctx.package(a))),
    "carrier.delivered": _actor("carrier", "tiktok", "delivered '{alias}'",
                                lambda ctx, a: ctx.world.engine.carrier_delivered(ctx.package(a))),
    "network.down": _network(False),
    "network.up": _network(True),
}


def _pending(ctx: Context, args: Any) -> str:
    order = ctx.order(args)
    if order.pending_cancel_id is None:
        raise StepFailed(f"order {order.id} has no pending cancellation request")
    return order.pending_cancel_id


def _expect(ctx: Context, args: dict[str, Any]) -> None:
    alias = args.get("order") or (list(ctx.aliases)[-1] if ctx.aliases else None)
    order = ctx.order(alias) if alias is not None else None
    problems = check(ctx, order, args)
    if problems:
        raise StepFailed("; ".join(map(str, problems)), tuple(problems))


def run_scenario(scenario: Scenario, *, seed: int | None = None, world_kwargs: dict[str, Any] | None = None) -> ScenarioResult:
    """Run one scenario in a fresh world and return its result (never raises for a failing step)."""
    kwargs: dict[str, Any] = {"seed": scenario.seed if seed is None else seed, **(world_kwargs or {})}
    if scenario.start:
        kwargs["start"] = parse_instant(scenario.start)
    if scenario.profile_overrides:
        kwargs["profile_overrides"] = scenario.profile_overrides
    if scenario.config:
        kwargs["config"] = scenario.config
    if scenario.systems:
        kwargs.setdefault("systems", scenario.systems)
    started = _perf.perf_counter()  # the world's creation is part of what a scenario costs
    world = World.create(**kwargs)
    result = ScenarioResult(scenario, seed=kwargs["seed"], virtual_start=world.clock.now())
    ctx = Context(world, APPS)
    try:
        for index, step in enumerate(scenario.steps):
            record = StepResult(step, "passed", instant_text(world.clock.now()) or "", len(world.journal), 0)
            failure = _run_step(ctx, step)
            if failure is None:
                failure = _invariants(ctx, step)
                record.invariants = failure is None
                result.invariants_held += failure is None
            record.seq_end = len(world.journal)
            result.steps.append(record)
            result.steps_run += 1
            if failure is not None:
                record.status, record.failure = "failed", failure
                result.failures.append(failure)
                if step.action != "expect":  # later steps would act on a state the scenario did not intend
                    result.steps += [StepResult(s, "skipped", "", record.seq_end, record.seq_end)
                                     for s in scenario.steps[index + 1:]]
                    break
            else:
                for rule in step.proves:
                    result.proven.setdefault(rule, []).append(step.line)
    finally:
        result.wall_seconds = _perf.perf_counter() - started
        result.virtual_end = world.clock.now()
        for entry in world.journal:  # plain data only for what the reports show
            if entry.kind in NOISE:
                result.hidden += 1
            else:
                result.timeline.append(entry.as_dict())
        result.calls = ctx.calls
        result.orders = dict(ctx.aliases)
        result.warnings = safeguard_warnings(world)
        world.close()
        ctx.close()
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
    return Failure(step.line, step.action, "invariant violated: " + "; ".join(str(v) for v in violations),
                   tuple(Mismatch(f"invariant {v.rule}", "the systems agree", str(v)) for v in violations))


def _refusal(step: Step, got: dict[str, Any], detail: str) -> Failure | None:
    wanted = step.expect_error
    if wanted is None:
        return Failure(step.line, step.action, f"refused: {detail}",
                       (Mismatch(step.action, "accepted", {k: v for k, v in got.items() if v is not None}),))
    mismatched = [Mismatch(f"expect_error.{k}", v, got.get(k)) for k, v in wanted.items() if got.get(k) != v]
    if mismatched:
        return Failure(step.line, step.action, f"refused with {got} ({detail}), wanted {wanted}", tuple(mismatched))
    return None


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
        return Failure(step.line, step.action, str(exc), exc.mismatches)
    except EngineError as exc:
        return _refusal(step, {"reason": exc.reason, "rule": exc.rule}, exc.message)
    except Refused as exc:
        rule = _RULE.search(exc.message)
        return _refusal(step, {"via": exc.via, "code": exc.code, "rule": rule.group(1) if rule else None}, exc.message)
    except (KeyError, ValueError) as exc:
        return Failure(step.line, step.action, f"error: {exc}")
    if step.expect_error is not None:
        return Failure(step.line, step.action, f"succeeded, wanted a refusal {step.expect_error}",
                       (Mismatch(step.action, {"refused": step.expect_error}, "accepted"),))
    return None
