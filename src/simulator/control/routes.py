"""The /_sim/ blueprint: JSON in and out over ControlAPI; errors are ``{"error": slug, "message": ...}`` 4xx."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app

from simulator.control import inbound as I
from simulator.control.api import MAX_ADVANCE_SECONDS, ControlAPI, ControlError
from simulator.control.inbound import control
from simulator.control.index import calls
from simulator.inbound import instant
from simulator.web import current_holder, current_world

bp = Blueprint("control", __name__, url_prefix="/_sim")
MAX_QUANTITY = 10_000
RETURN_TYPES = ("RETURN_AND_REFUND", "REFUND_ONLY", "REFUND")


def _body() -> dict[str, Any]:
    return I.body()


def _control() -> ControlAPI:
    return ControlAPI(current_world())


@bp.get("/")
@control
def index() -> dict[str, Any]:
    """Every control-plane call: method, path, what it does and takes."""
    return calls(current_app)


@bp.get("/ping")
@control
def ping() -> dict[str, Any]:
    """A no-op (the benchmark's ceiling)."""
    return {"ok": True}


@bp.get("/clock")
@control
def get_clock() -> dict[str, Any]:
    """Virtual now and pending timers."""
    return _control().clock()


@bp.post("/clock/advance")
@control
def advance_clock() -> dict[str, Any]:
    """Advance by ``seconds``, ``duration`` (``"1h 30m"``) or to ``to``; lists fired timers."""
    body = _body()
    if isinstance(body.get("to"), str):
        _target(body["to"])
    return _control().advance_request(body)


def _target(to: str | None) -> str | None:
    """``to`` as an ISO instant no more than a century ahead (ControlAPI parses it again under the lock)."""
    if to is None:
        return None
    target = instant(to)
    if target is None:  # also what parse_instant would overflow on (year 1 at +14:00)
        raise ControlError("invalid_request", f"not an ISO-8601 instant: {to!r}")
    if target > current_world().clock.now() + timedelta(seconds=MAX_ADVANCE_SECONDS):
        raise ControlError("invalid_request", "'to' must be at most a century ahead of the world clock")
    return to


@bp.post("/buyer/orders")
@control
def buyer_place_order() -> dict[str, Any]:
    """A buyer places (and pays) an order."""
    b = _body()
    shipping_type = I.opt_str(b, "shipping_type") or "SELLER"
    if shipping_type not in ("SELLER", "TIKTOK"):
        raise ControlError("invalid_request", "shipping_type must be SELLER or TIKTOK")
    return _control().place_order(shop_id=I.opt_str(b, "shop_id"), items=_items(b.get("items")),
                                  paid=I.opt_bool(b, "paid", True), profile=I.opt_str(b, "profile"),
                                  split_packages=I.opt_bool(b, "split_packages", False),
                                  warehouse_id=I.opt_str(b, "warehouse_id"),
                                  delivery_option_id=I.opt_str(b, "delivery_option_id"), shipping_type=shipping_type,
                                  handling_days=I.opt_int(b, "handling_days", low=0, high=365),
                                  shipping_days=I.opt_int(b, "shipping_days", low=0, high=365))


def _cancel_units(b: dict[str, Any]) -> dict[str, Any]:
    """``line_item_ids: [str]`` or ``skus: [{sku_id, quantity}]``: the units a cancel names (CAN-L1/L2)."""
    lines = b.get("line_item_ids")
    if lines is not None and (not isinstance(lines, list) or not all(isinstance(i, str) for i in lines)):
        raise ControlError("invalid_request", "line_item_ids must be a list of strings")
    skus = _items(b.get("skus"))
    return {"line_item_ids": lines,
            "skus": [(i["sku_id"], int(i.get("quantity", 1))) for i in skus] if skus is not None else None}


def _items(raw: Any) -> list[dict[str, Any]] | None:
    """``items: [{sku_id: str, quantity?: 1..10000}]``."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(i, dict) and isinstance(i.get("sku_id"), str) for i in raw):
        raise ControlError("invalid_request", "items must be a list of {sku_id, quantity}")
    for item in raw:
        I.opt_int(item, "quantity", low=1, high=MAX_QUANTITY)
    return raw


@bp.post("/buyer/orders/<order_id>/pay")
@control
def buyer_pay(order_id: str) -> dict[str, Any]:
    """The buyer pays an UNPAID order."""
    return _control().pay(order_id)


@bp.post("/buyer/orders/<order_id>/cancel")
@control
def buyer_cancel(order_id: str) -> dict[str, Any]:
    """Buyer cancels (direct in the hold, a request after it); naming only some units is refused (CAN-L2)."""
    b = _body()
    return _control().buyer_cancel(order_id, I.opt_str(b, "reason"), **_cancel_units(b))


@bp.post("/buyer/orders/<order_id>/return")
@control
def buyer_return(order_id: str) -> dict[str, Any]:
    """After delivery the buyer asks for a return and refund or a refund only (RET-1)."""
    b = _body()
    kind = I.opt_str(b, "type")
    if kind not in RETURN_TYPES:
        raise ControlError("invalid_request", f"type must be one of {', '.join(RETURN_TYPES)}")
    skus = _items(b.get("skus"))
    lines = b.get("line_item_ids")
    if lines is not None and (not isinstance(lines, list) or not all(isinstance(i, str) for i in lines)):
        raise ControlError("invalid_request", "line_item_ids must be a list of strings")
    shipment = I.opt_str(b, "shipment_type") or "PLATFORM"
    if shipment not in ("PLATFORM", "BUYER_ARRANGE"):
        raise ControlError("invalid_request", "shipment_type must be PLATFORM or BUYER_ARRANGE")
    return _control().buyer_return(
        order_id, kind, reason=I.opt_str(b, "reason"), line_item_ids=lines, shipment_type=shipment,
        skus=[(i["sku_id"], int(i.get("quantity", 1))) for i in skus] if skus is not None else None)


@bp.post("/buyer/returns/<return_id>/ship")
@control
def buyer_ship_return(return_id: str) -> dict[str, Any]:
    """The buyer hands the return to the carrier (``tracking_number?``; a platform label keeps its own)."""
    b = _body()
    return _control().buyer_return_step(return_id, "ship", tracking_number=I.opt_str(b, "tracking_number"),
                                        provider=I.opt_str(b, "provider"))


@bp.post("/buyer/returns/<return_id>/cancel")
@control
def buyer_cancel_return(return_id: str) -> dict[str, Any]:
    """The buyer withdraws a return request (pending, or approved and not shipped yet)."""
    return _control().buyer_return_step(return_id, "cancel")


@bp.post("/buyer/returns/<return_id>/offer")
@control
def buyer_answer_offer(return_id: str) -> dict[str, Any]:
    """The buyer accepts or declines the seller's partial refund offer (``accept: true|false``)."""
    b = _body()
    if not isinstance(b.get("accept"), bool):
        raise ControlError("invalid_request", "'accept' must be true or false")
    return _control().buyer_return_step(return_id, "offer", accept=b["accept"])


@bp.post("/carrier/returns/<return_id>/delivered")
@control
def carrier_return_delivered(return_id: str) -> dict[str, Any]:
    """The carrier delivers a return package to the seller's return warehouse."""
    return _control().return_delivered(return_id)


@bp.post("/platform/orders/<order_id>/cancel")
@control
def platform_cancel(order_id: str) -> dict[str, Any]:
    """Platform cancellation (``reason``: fraud, shipping_timeout, platform, package_lost), of some units (CAN-L2)."""
    b = _body()
    return _control().platform_cancel(order_id, I.opt_str(b, "reason") or "fraud", **_cancel_units(b))


@bp.post("/carrier/packages/<package_id>/<event>")
@control
def carrier_event(package_id: str, event: str) -> dict[str, Any]:
    """Carrier collected / delivered."""
    return _control().carrier(package_id, event)


@bp.get("/orders/<order_id>")
@control
def inspect_order(order_id: str) -> dict[str, Any]:
    """One order across all systems."""
    return _control().order(order_id)


@bp.get("/invariants")
@control
def get_invariants() -> dict[str, Any]:
    """Every cross-system invariant, checked now (``ok`` true when the systems tell one story)."""
    return _control().invariants()


@bp.get("/journal")
@control
def get_journal() -> dict[str, Any]:
    """Journal entries (``since``, ``kind``)."""
    return _control().journal(since=I.query_int("since"), kind=I.query().get("kind") or None)


@bp.get("/credentials")
@control
def get_credentials() -> dict[str, Any]:
    """Seeded credentials of every system."""
    return _control().credentials()


@bp.get("/ldr")
@control
def get_ldr() -> dict[str, Any]:
    """SLA-2 Late Dispatch Rate over ``[start, end)``."""
    start, end = I.query().get("start"), I.query().get("end")
    if not start or not end:
        raise ControlError("invalid_request", "start and end (ISO-8601) are required")
    if instant(start) is None or instant(end) is None:
        raise ControlError("invalid_request", "start and end must be ISO-8601 instants")
    return _control().ldr(start, end)


@bp.post("/reset")
@control
def reset() -> dict[str, Any]:
    """A fresh world with the same settings (``seed`` may be overridden)."""
    seed = I.opt_int(_body(), "seed", low=0, high=2**63 - 1)
    overrides = {"seed": seed} if seed is not None else {}
    world = current_holder().reset(**overrides)
    return {"reset": True, "seed": world.seed, **ControlAPI(world).clock()}


@bp.post("/seed")
@control
def seed() -> dict[str, Any]:
    """Reload the mocks data into the current world."""
    return _control().seed()


# Sibling modules add their views to ``bp`` (kept out of this file for size).
from simulator.control import faults as _faults  # noqa: E402,F401
from simulator.control import worlds as _worlds  # noqa: E402,F401
