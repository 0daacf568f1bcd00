"""The /_sim/ blueprint: JSON in and out over ControlAPI; errors are ``{"error": slug, "message": ...}`` 4xx."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from simulator.control.api import ControlAPI, ControlError
from simulator.control.body import json_object
from simulator.control.index import calls
from simulator.web import current_holder, current_world

bp = Blueprint("control", __name__, url_prefix="/_sim")
Handler = Callable[..., Any]


def _body() -> dict[str, Any]:
    return json_object(request.get_data(), request.headers.get("Content-Type"))


def _control() -> ControlAPI:
    return ControlAPI(current_world())


def control(handler: Handler) -> Handler:
    """Render the handler's result as JSON and every ControlError as its 4xx body."""

    @wraps(handler)
    def view(**kwargs: Any) -> Response:
        try:
            result = handler(**kwargs)
            status = 200
        except ControlError as exc:
            result, status = exc.as_dict(), exc.status
        except (TypeError, ValueError) as exc:
            result, status = {"error": "invalid_request", "message": str(exc)}, 400
        response = jsonify(result)
        response.status_code = status
        return response

    return view


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
    """Advance by ``seconds`` or to ``to``; lists fired timers."""
    return _control().advance_request(_body())


@bp.post("/buyer/orders")
@control
def buyer_place_order() -> dict[str, Any]:
    """A buyer places (and pays) an order."""
    b = _body()
    items = b.get("items")
    if items is not None and (not isinstance(items, list) or not all(isinstance(i, dict) and "sku_id" in i
                                                                     for i in items)):
        raise ControlError("invalid_request", "items must be a list of {sku_id, quantity}")
    return _control().place_order(shop_id=b.get("shop_id"), items=items, paid=bool(b.get("paid", True)),
                                  profile=b.get("profile"), split_packages=bool(b.get("split_packages", False)))


@bp.post("/buyer/orders/<order_id>/pay")
@control
def buyer_pay(order_id: str) -> dict[str, Any]:
    """The buyer pays an UNPAID order."""
    return _control().pay(order_id)


@bp.post("/buyer/orders/<order_id>/cancel")
@control
def buyer_cancel(order_id: str) -> dict[str, Any]:
    """Buyer cancels (direct in the hold, a request after it)."""
    return _control().buyer_cancel(order_id, _body().get("reason"))


@bp.post("/platform/orders/<order_id>/cancel")
@control
def platform_cancel(order_id: str) -> dict[str, Any]:
    """Platform cancellation (``reason``: fraud, shipping_timeout, platform, package_lost)."""
    return _control().platform_cancel(order_id, _body().get("reason") or "fraud")


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
    since = request.args.get("since")
    return _control().journal(since=int(since) if since else None, kind=request.args.get("kind") or None)


@bp.get("/credentials")
@control
def get_credentials() -> dict[str, Any]:
    """Seeded credentials of every system."""
    return _control().credentials()


@bp.get("/ldr")
@control
def get_ldr() -> dict[str, Any]:
    """SLA-2 Late Dispatch Rate over ``[start, end)``."""
    start, end = request.args.get("start"), request.args.get("end")
    if not start or not end:
        raise ControlError("invalid_request", "start and end (ISO-8601) are required")
    return _control().ldr(start, end)


@bp.post("/reset")
@control
def reset() -> dict[str, Any]:
    """A fresh world with the same settings (``seed`` may be overridden)."""
    body = _body()
    overrides = {"seed": int(body["seed"])} if "seed" in body else {}
    world = current_holder().reset(**overrides)
    return {"reset": True, "seed": world.seed, **ControlAPI(world).clock()}


@bp.post("/seed")
@control
def seed() -> dict[str, Any]:
    """Reload the mocks data into the current world."""
    return _control().seed()
