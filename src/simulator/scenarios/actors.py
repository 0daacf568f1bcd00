"""What each scenario action does: the buyer, seller (by integration path), platform, carrier, clock and network."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.clock import parse_instant
from simulator.engine import EngineError, Order
from simulator.rules import parse_duration
from simulator.scenarios import channels, sfcc_line
from simulator.scenarios.checks import DEFAULT_VIA
from simulator.scenarios.clients import Call
from simulator.scenarios.context import Context, StepFailed
from simulator.scenarios.expect import instant_text


def advance(ctx: Context, args: Any) -> None:
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
                                   shipping_days=args.get("shipping_days"),
                                   shipping_type=args.get("shipping_type", "SELLER"))
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
    status, body = sfcc_line.create_again(connector, site, connector.order_body(order, retry=True))
    ctx.calls.append(Call(instant_text(ctx.world.clock.now()) or "", seq, "tiktok", "sfcc",
                          f"POST /s/{site}/CreateExternalOrder", status == 200, "sfcc_connector", status,
                          body.get("msg") or status, body))


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
        call = ctx.say("tiktok", "sfcc", "network restored" if up else "network down: TikTok cannot reach SFCC")
        call.ok = up
        ctx.network(up)

    return run


def _buyer_return(ctx: Context, args: Any) -> None:
    order = ctx.order(args)
    options = args if isinstance(args, dict) else {}
    asked = str(options.get("type", "RETURN_AND_REFUND"))
    kind = "REFUND" if asked == "REFUND_ONLY" else asked
    skus = [(ctx.sku_of(order, i.get("sku", 0)), int(i.get("quantity", 1))) for i in options.get("items", [])]
    ctx.world.engine.request_return(order.id, kind, reason=options.get("reason"), skus=skus or None,
                                    shipment_type=options.get("shipment_type", "PLATFORM"))


def _return_id(ctx: Context, args: Any) -> str:
    order = ctx.order(args)
    if not order.return_ids:
        raise StepFailed(f"order {order.id} has no return")
    return order.open_return_id or order.return_ids[-1]


def _inject(ctx: Context, args: dict[str, Any]) -> None:
    """A fault rule, as ``POST /_sim/faults`` adds it (docs/faults.md)."""
    with ctx.world.lock:
        rule = ctx.world.faults.add(args)
    ctx.say("tiktok", rule.system,
            f"fault {rule.fault_id}: {rule.type} on {rule.system} {rule.match or 'every call'}")


def _clear(ctx: Context, args: str) -> None:
    """``all`` faults, or one by id."""
    with ctx.world.lock:
        ids = [r.fault_id for r in ctx.world.faults.rules] if args == "all" else [args]
        for fault_id in ids:
            if ctx.world.faults.remove(fault_id) is None:
                raise StepFailed(f"no fault {fault_id} (faults are numbered fault-1, fault-2, ... as injected)")
    ctx.say("tiktok", "tiktok", f"faults cleared: {', '.join(ids) or 'none'}")


ACTORS: dict[str, Callable[[Context, Any], Any]] = {
    "clock.advance": advance,
    "buyer.place": _place,
    "buyer.pay": _actor("buyer", "tiktok", "pays '{alias}'", lambda ctx, a: ctx.world.engine.pay(ctx.order(a).id)),
    "buyer.cancel": _actor("buyer", "tiktok", "cancels '{alias}'",
                           lambda ctx, a: ctx.world.engine.buyer_cancel(
                               ctx.order(a).id, _opt(a, "reason"),
                               channels.units(ctx, ctx.order(a), a) if _opt(a, "items") else None)),
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
    "seller.approve_return": _seller(channels.approve_return),
    "seller.reject_return": _seller(channels.reject_return),
    "buyer.return": _actor("buyer", "tiktok", "asks to return '{alias}'", _buyer_return),
    "buyer.ship_return": _actor("buyer", "carrier", "ships the return of '{alias}'",
                                lambda ctx, a: ctx.world.engine.ship_return(_return_id(ctx, a),
                                                                            _opt(a, "tracking_number"))),
    "buyer.cancel_return": _actor("buyer", "tiktok", "withdraws the return of '{alias}'",
                                  lambda ctx, a: ctx.world.engine.cancel_return(_return_id(ctx, a))),
    "buyer.answer_offer": _actor("buyer", "tiktok", "answers the partial refund offer on '{alias}'",
                                 lambda ctx, a: ctx.world.engine.answer_offer(_return_id(ctx, a),
                                                                              bool(_opt(a, "accept")))),
    "carrier.return_delivered": _actor("carrier", "oms", "delivered the return of '{alias}'",
                                       lambda ctx, a: ctx.world.engine.return_delivered(_return_id(ctx, a))),
    "platform.cancel": _actor("tiktok", "tiktok", "platform cancels '{alias}'",
                              lambda ctx, a: ctx.world.engine.platform_cancel(
                                  ctx.order(a).id, _opt(a, "reason") or "fraud",
                                  line_item_ids=channels.units(ctx, ctx.order(a), a) if _opt(a, "items") else None)),
    "seller.split": _seller(channels.split),
    "seller.mark_shipped": _seller(channels.mark_shipped),
    "platform.resend_create": _resend_create,
    "carrier.collected": _actor("carrier", "tiktok", "collected '{alias}'",
                                lambda ctx, a: ctx.world.engine.carrier_collected(ctx.package(a))),
    "carrier.delivered": _actor("carrier", "tiktok", "delivered '{alias}'",
                                lambda ctx, a: ctx.world.engine.carrier_delivered(ctx.package(a))),
    "network.down": _network(False),
    "network.up": _network(True),
    "fault.inject": _inject,
    "fault.clear": _clear,
}


def _pending(ctx: Context, args: Any) -> str:
    order = ctx.order(args)
    if order.pending_cancel_id is None:
        raise StepFailed(f"order {order.id} has no pending cancellation request")
    return order.pending_cancel_id
