"""Flask blueprint of the TikTok Shop API and auth host: parse -> gateway -> backend -> envelope."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import orjson
from flask import Blueprint, Response, request
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import MethodNotAllowed, NotFound

from simulator.engine.errors import EngineError
from simulator.fastpath import FastHandler, query_bytes, script_root, set_fast
from simulator.inbound import Check, Inbound, InputError, Limits, decode, environ_body, mimetype_of
from simulator.inbound import read as read_input
from simulator.tiktok_shop import cancellations as can
from simulator.tiktok_shop import combining, orders, returns, versions
from simulator.tiktok_shop import errors as E
from simulator.tiktok_shop import fulfillment as ful
from simulator.tiktok_shop import params as P
from simulator.tiktok_shop.catalog import Shop
from simulator.tiktok_shop.gateway import Caller, RawRequest
from simulator.tiktok_shop.tokens import Token
from simulator.web import current_world

if TYPE_CHECKING:
    from simulator.tiktok_shop.backend import TikTokBackend
    from simulator.world import World

bp = Blueprint("tiktok", __name__)
View = Callable[..., dict[str, Any]]


@dataclass
class Call:
    """One authenticated call as the views see it."""

    backend: TikTokBackend
    caller: Caller | None
    raw: RawRequest

    @property
    def shop(self) -> Shop:
        """The shop named by ``shop_cipher`` (shop-scoped endpoints only)."""
        assert self.caller is not None and self.caller.shop is not None
        return self.caller.shop

    @property
    def query(self) -> dict[str, str]:
        """Decoded query parameters (first value of each)."""
        return self.raw.query

    @cached_property
    def body(self) -> dict[str, Any]:
        """The JSON object body the signature covered (36009022 when malformed or not signed)."""
        if self.raw.multipart and self.raw.body.strip():
            # multipart bodies are outside the signature (signing step 5): reading one would apply
            # bytes nobody signed, and no emulated API takes an upload.
            raise E.InvalidBodyFormat("Invalid body format. This API takes an application/json body; a "
                                      "multipart/form-data body is not covered by the signature.")
        return P.json_body(self.raw.signed_body, self.limits)

    @property
    def limits(self) -> Limits:
        """The world's input limits for TikTok."""
        return Limits.for_system(self.backend.world.config, "tiktok")


def envelope(code: int, message: str, request_id: str, data: Any) -> bytes:
    """The TikTok envelope ``{code, message, request_id, data}`` as bytes."""
    # orjson: the envelope is rendered on every call; stdlib json was a fifth of Get Order Detail's cost.
    return orjson.dumps({"code": code, "message": message, "request_id": request_id, "data": data})


def render(code: int, message: str, request_id: str, data: Any, status: int) -> Response:
    """The TikTok envelope as a Flask response."""
    return Response(envelope(code, message, request_id, data), status=status, mimetype="application/json")


def _error(backend: TikTokBackend, exc: E.TikTokError, request_id: str) -> tuple[int, bytes]:
    status = exc.http_status
    if status == 200 and exc.code >= 20000000:  # business errors (module codes): configurable HTTP status
        status = int(backend.settings["business_error_http_status"])
    return status, envelope(exc.code, exc.message, request_id, exc.data)


Reader = Callable[[Limits], Inbound]  # the request through the input layer, for the world's limits


def _raw(inbound: Inbound, prefix: str) -> RawRequest:
    headers = inbound.headers
    # werkzeug's EnvironHeaders reads this very key; asked directly, the name is not re-spelled per request
    token = headers.environ.get(TOKEN_KEY) if type(headers) is EnvironHeaders else headers.get("x-tts-access-token")
    return RawRequest(
        method=inbound.method, path=inbound.path, query=inbound.query, body=inbound.body,
        access_token=token, multipart=inbound.mimetype == "multipart/form-data", prefix=prefix,
    )


TOKEN_KEY = "HTTP_X_TTS_ACCESS_TOKEN"  # the x-tts-access-token header in a WSGI environ


def answer(world: World, view: View, module: str, shop: bool, signed: bool, kwargs: dict[str, Any], read: Reader,
           method: str, path: str, prefix: str) -> tuple[int, bytes]:
    """One call, Flask or not: input layer (before the world lock), gateway, view, envelope, journal entry.

    ``read`` decodes the request (size, query, duplicates, input checks); ``method``, ``path`` and
    ``prefix`` (the ``/w/{world_id}`` mount) are the request's own, for a refused one. Returns the
    HTTP status and the envelope's bytes.
    """
    backend: TikTokBackend = world.systems["tiktok"]
    refused: E.TikTokError | None = None
    try:
        raw = _raw(read(Limits.for_system(world.config, "tiktok")), prefix)
    except InputError as exc:  # answered inside the lock below, with a request id and a journal entry
        refused = E.from_input(exc)
        raw = RawRequest(method=method, path=path, query={}, body=b"", access_token=None)
    try:
        with world.lock:
            request_id = backend.request_id()
            try:
                if refused is not None:
                    raise refused
                caller = backend.gateway.authenticate(
                    raw, shop_scoped=shop, now=world.clock.now(), transport_now=backend.transport_now()
                ) if signed else None
                try:  # backend.engine_errors(module), without a generator context manager on every call
                    data = view(Call(backend, caller, raw), **kwargs)
                except EngineError as exc:
                    raise E.from_engine(exc, module) from exc
                status, body = 200, envelope(0, "Success", request_id, data)
                code, rule, sim = 0, None, {}
            except E.TikTokError as exc:
                (status, body), code, rule, sim = _error(backend, exc, request_id), exc.code, exc.rule, exc.sim
            except Exception as exc:  # a simulator bug: still the envelope, and journaled loudly
                error = E.InternalError(f"Internal error: {type(exc).__name__}: {exc}")
                world.journal.record("tiktok.internal_error", path=raw.path, traceback=traceback.format_exc())
                (status, body), code, rule, sim = _error(backend, error, request_id), error.code, None, {}
            world.journal.record_request("tiktok.request", method=raw.method, path=raw.path, code=code,
                                         status=status, request_id=request_id, rule=rule, **sim)
    finally:
        backend.webhooks.drain()
    return status, body


def _dispatch(view: View, module: str, shop: bool, signed: bool, kwargs: dict[str, Any]) -> Response:
    status, body = answer(current_world(), view, module, shop, signed, kwargs,
                          lambda limits: read_input("tiktok", limits, lists=P.LIST_PARAMS), request.method, request.path,
                          request.script_root)
    return Response(body, status=status, mimetype="application/json")


JSON_HEADERS = [("Content-Type", "application/json")]


def _fast(view: View, module: str, shop: bool, signed: bool, endpoint: str) -> FastHandler:
    """The view without Flask (:mod:`simulator.fastpath`): the same :func:`answer`, fed from the environ."""

    def handle(environ: dict[str, Any], world: World, checks: list[Check]) -> tuple[int, list[tuple[str, str]], bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]

        def read(limits: Limits) -> Inbound:
            return decode("tiktok", limits, method=method, path=path, raw_query=query_bytes(environ),
                          body=environ_body(environ), mimetype=mimetype_of(environ.get("CONTENT_TYPE", "")),
                          headers=EnvironHeaders(environ), endpoint=endpoint, environ=environ, world=world,
                          checks=checks, lists=P.LIST_PARAMS)

        status, body = answer(world, view, module, shop, signed, {}, read, method, path, script_root(environ))
        return status, JSON_HEADERS, body

    return handle


def _endpoint(view: View, module: str, shop: bool, signed: bool) -> Callable[..., Response]:
    def endpoint(**kwargs: Any) -> Response:
        return _dispatch(view, module, shop, signed, kwargs)

    return endpoint


def api(*paths: str, methods: tuple[str, ...] = ("GET",), module: str = "*", shop: bool = True,
        signed: bool = True) -> Callable[[View], View]:
    """Register ``view`` on every path, and on each newer version the alias table (versions.py) gives them.

    A path without variables is also served by :mod:`simulator.fastpath` (the same :func:`answer`
    without Flask's request and contexts).
    """

    def decorate(view: View) -> View:
        rules = [(path, view) for path in paths]
        rules += [(a.path, RENDERERS[a.reshape] if a.reshape else view) for path in paths
                  for a in versions.aliases_of(path, methods)]
        for index, (path, target) in enumerate(rules):
            name = f"{view.__name__}_{index}"
            endpoint = _endpoint(target, module, shop, signed)
            if "<" not in path:
                set_fast(endpoint, _fast(target, module, shop, signed, f"{bp.name}.{name}"))
            bp.add_url_rule(path, name, endpoint, methods=list(methods))
        return view

    return decorate


# -- renderers of reshaped version aliases (versions.ALIASES ``reshape``) ----------------------------
def _logistics_tracking(call: Call, order_id: str) -> dict[str, Any]:
    """Get Logistics Tracking (202604): Get Tracking's events in the 202604 shape."""
    return ful.logistics_tracking(call.backend, call.shop, order_id)


RENDERERS: dict[str, View] = {"logistics_tracking": _logistics_tracking}


def unknown_route(backend: TikTokBackend, method: str, path: str) -> Response:
    """36009010 for a known path with another method, 36009014 for a known API in a version not served,
    else 36009009 (HTTP 404)."""
    from flask import current_app

    adapter = current_app.url_map.bind("localhost")
    exc: E.TikTokError = E.InvalidPath(f"Invalid path. {method} {path} is not a TikTok Shop API.")
    if _matches(adapter, path, method) == "method":
        exc = E.InvalidMethod(f"Invalid method. {path} does not accept {method}.")
    elif any(_matches(adapter, other, method) for other in
             versions.other_versions(path, (r.rule for r in current_app.url_map.iter_rules()))):
        exc = E.InvalidVersion(f"Invalid API version. {method} {path} is not served in version "
                               f"{path.split('/')[2]}.")
    with backend.world.lock:
        request_id = backend.request_id()
    return render(exc.code, exc.message, request_id, None, exc.http_status)


def _matches(adapter: Any, path: str, method: str) -> str | None:
    """"route" when ``path`` is served for ``method``, "method" when only for other methods, else None."""
    try:
        adapter.match(path, method=method)
    except MethodNotAllowed:
        return "method"
    except NotFound:
        return None
    return "route"


def _token_data(token: Token) -> dict[str, Any]:
    auth = token.authorization
    return {"access_token": token.access_token, "access_token_expire_in": int(token.access_expires.timestamp()),
            "refresh_token": token.refresh_token, "refresh_token_expire_in": int(token.refresh_expires.timestamp()),
            "open_id": auth.open_id, "seller_name": auth.seller_name, "seller_base_region": auth.seller_base_region,
            "user_type": 0, "granted_scopes": ["seller.order.info", "seller.fulfillment.basic",
                                               "seller.return_refund.basic", "seller.logistics"]}


# -- auth host ------------------------------------------------------------------------------------
@api("/api/v2/token/get", signed=False, shop=False)
def get_access_token(call: Call) -> dict[str, Any]:
    """Get Access Token (``grant_type=authorized_code``)."""
    q = call.query
    P.choice(q, "grant_type", ("authorized_code",), "authorized_code")
    token = call.backend.issue_token(q.get("app_key", ""), q.get("app_secret", ""), q.get("auth_code", ""))
    return _token_data(token)


@api("/api/v2/token/refresh", signed=False, shop=False)
def refresh_access_token(call: Call) -> dict[str, Any]:
    """Refresh Access Token (``grant_type=refresh_token``)."""
    q = call.query
    P.choice(q, "grant_type", ("refresh_token",), "refresh_token")
    token = call.backend.refresh_token(q.get("app_key", ""), q.get("app_secret", ""), q.get("refresh_token", ""))
    return _token_data(token)


@api("/authorization/202309/shops", shop=False)
def get_authorized_shops(call: Call) -> dict[str, Any]:
    """Get Authorized Shops (no ``shop_cipher``)."""
    assert call.caller is not None
    shops = [call.backend.catalog.shops[i] for i in call.caller.token.authorization.shop_ids
             if i in call.backend.catalog.shops]
    return {"shops": [{"id": s.id, "name": s.name, "region": s.region, "seller_type": s.seller_type,
                       "cipher": s.cipher, "code": s.code} for s in shops]}


# -- orders ---------------------------------------------------------------------------------------
@api("/order/202309/orders/search", methods=("POST",))
def get_order_list(call: Call) -> dict[str, Any]:
    """Get Order List."""
    return orders.search_orders(call.backend, call.shop, call.query, call.body)


@api("/order/202309/orders")
def get_order_detail(call: Call) -> dict[str, Any]:
    """Get Order Detail."""
    return orders.order_detail(call.backend, call.shop, call.query)


# -- logistics ------------------------------------------------------------------------------------
@api("/logistics/202309/warehouses")
def get_warehouse_list(call: Call) -> dict[str, Any]:
    """Get Warehouse List."""
    return ful.warehouses(call.backend, call.shop)


@api("/logistics/202309/warehouses/<warehouse_id>/delivery_options")
def get_warehouse_delivery_options(call: Call, warehouse_id: str) -> dict[str, Any]:
    """Get Warehouse Delivery Options."""
    return ful.delivery_options(call.backend, call.shop, warehouse_id, call.query)


@api("/logistics/202309/delivery_options/<option_id>/shipping_providers")
def get_shipping_providers(call: Call, option_id: str) -> dict[str, Any]:
    """Get Shipping Providers."""
    return ful.shipping_providers(call.backend, call.shop, option_id)


# -- fulfillment ----------------------------------------------------------------------------------
@api("/fulfillment/202309/packages/<package_id>/ship", methods=("POST",), module="fulfillment")
def ship_package(call: Call, package_id: str) -> dict[str, Any]:
    """Ship Package."""
    return ful.ship_package(call.backend, call.shop, package_id, call.body)


@api("/fulfillment/202309/orders/<order_id>/packages", methods=("POST",), module="fulfillment")
def mark_package_as_shipped(call: Call, order_id: str) -> dict[str, Any]:
    """Mark Package As Shipped (the newer version paths are aliases added elsewhere)."""
    return ful.mark_package_shipped(call.backend, call.shop, order_id, call.body)


@api("/fulfillment/202309/orders/<order_id>/split", methods=("POST",), module="fulfillment")
def split_orders(call: Call, order_id: str) -> dict[str, Any]:
    """Split Orders."""
    return ful.split_order(call.backend, call.shop, order_id, call.body)


@api("/fulfillment/202309/combinable_packages/search", module="fulfillment")
def search_combinable_packages(call: Call) -> dict[str, Any]:
    """Search Combinable Packages (PKG-2)."""
    return combining.search_combinable(call.backend, call.shop, call.query)


@api("/fulfillment/202309/packages/combine", methods=("POST",), module="fulfillment")
def combine_package(call: Call) -> dict[str, Any]:
    """Combine Package (PKG-2)."""
    return combining.combine(call.backend, call.shop, call.body)


@api("/fulfillment/202309/packages/<package_id>/uncombine", methods=("POST",), module="fulfillment")
def uncombine_packages(call: Call, package_id: str) -> dict[str, Any]:
    """Uncombine Packages (PKG-2)."""
    return combining.uncombine(call.backend, call.shop, package_id, call.body)


@api("/fulfillment/202309/orders/split_attributes", module="fulfillment")
def get_order_split_attributes(call: Call) -> dict[str, Any]:
    """Get Order Split Attributes."""
    return ful.split_attributes(call.backend, call.shop, call.query)


@api("/fulfillment/202309/packages/<package_id>", module="fulfillment")
def get_package_detail(call: Call, package_id: str) -> dict[str, Any]:
    """Get Package Detail."""
    return ful.package_detail(call.backend, call.shop, package_id)


@api("/fulfillment/202309/packages/search", methods=("POST",), module="fulfillment")
def search_package(call: Call) -> dict[str, Any]:
    """Search Package."""
    return ful.search_packages(call.backend, call.shop, call.query, call.body)


@api("/fulfillment/202309/packages/<package_id>/shipping_info/update", methods=("POST",), module="fulfillment")
def update_package_shipping_info(call: Call, package_id: str) -> dict[str, Any]:
    """Update Package Shipping Info."""
    return ful.update_package_shipping_info(call.backend, call.shop, package_id, call.body)


@api("/fulfillment/202309/orders/<order_id>/shipping_info/update", methods=("POST",), module="fulfillment")
def update_shipping_info(call: Call, order_id: str) -> dict[str, Any]:
    """Update Shipping Info (order level)."""
    return ful.update_order_shipping_info(call.backend, call.shop, order_id, call.body)


@api("/fulfillment/202309/orders/<order_id>/tracking", module="fulfillment")
def get_tracking(call: Call, order_id: str) -> dict[str, Any]:
    """Get Tracking."""
    return ful.tracking(call.backend, call.shop, order_id)


# -- cancellations --------------------------------------------------------------------------------
@api("/return_refund/202309/cancellations", methods=("POST",), module="return_refund")
def cancel_order(call: Call) -> dict[str, Any]:
    """Cancel Order (seller)."""
    return can.cancel_order(call.backend, call.shop, call.body)


@api("/return_refund/202309/cancellations/search", methods=("POST",), module="return_refund")
def search_cancellations(call: Call) -> dict[str, Any]:
    """Search Cancellations."""
    return can.search_cancellations(call.backend, call.shop, call.query, call.body)


@api("/return_refund/202309/cancellations/<cancel_id>/approve", methods=("POST",), module="return_refund")
def approve_cancellation(call: Call, cancel_id: str) -> dict[str, Any]:
    """Approve Cancellation."""
    return can.approve(call.backend, call.shop, cancel_id, call.query)


@api("/return_refund/202309/cancellations/<cancel_id>/reject", methods=("POST",), module="return_refund")
def reject_cancellation(call: Call, cancel_id: str) -> dict[str, Any]:
    """Reject Cancellation."""
    return can.reject(call.backend, call.shop, cancel_id, call.query, call.body)


@api("/return_refund/202309/reject_reasons", module="return_refund")
def get_reject_reasons(call: Call) -> dict[str, Any]:
    """Get Reject Reasons."""
    return can.reject_reasons(call.backend, call.shop, call.query)


# -- returns and refunds ---------------------------------------------------------------------------
@api("/return_refund/202309/returns/search", methods=("POST",), module="returns")
def search_returns(call: Call) -> dict[str, Any]:
    """Search Returns."""
    return returns.search(call.backend, call.shop, call.query, call.body)


@api("/return_refund/202309/returns/<return_id>/records", module="returns")
def get_return_records(call: Call, return_id: str) -> dict[str, Any]:
    """Get Return Records."""
    return returns.records(call.backend, call.shop, return_id, call.query)


@api("/return_refund/202309/returns/<return_id>/approve", methods=("POST",), module="returns")
def approve_return(call: Call, return_id: str) -> dict[str, Any]:
    """Approve Return."""
    return returns.approve(call.backend, call.shop, return_id, call.query, call.body)


@api("/return_refund/202309/returns/<return_id>/reject", methods=("POST",), module="returns")
def reject_return(call: Call, return_id: str) -> dict[str, Any]:
    """Reject Return."""
    return returns.reject(call.backend, call.shop, return_id, call.query, call.body)


@api("/return_refund/202309/returns", methods=("POST",), module="returns")
def create_return(call: Call) -> dict[str, Any]:
    """Create Return (seller-initiated)."""
    return returns.create(call.backend, call.shop, call.query, call.body)


@api("/return_refund/202512/orders/<order_id>/aftersale_eligibility", module="returns")
def get_aftersale_eligibility(call: Call, order_id: str) -> dict[str, Any]:
    """Get Aftersale Eligibility."""
    return returns.eligibility(call.backend, call.shop, order_id, call.query)


# -- webhooks -------------------------------------------------------------------------------------
@api("/event/202309/webhooks")
def get_shop_webhooks(call: Call) -> dict[str, Any]:
    """Get Shop Webhooks."""
    assert call.caller is not None
    subs = call.backend.webhooks.listed(call.caller.app.app_key, call.shop.id)
    return {"webhooks": [{"event_type": s.event_type, "address": s.address, "create_time":
                          int(s.create_time.timestamp()), "update_time": int(s.update_time.timestamp())}
                         for s in subs], "total_count": len(subs)}


@api("/event/202309/webhooks", methods=("PUT",))
def update_shop_webhook(call: Call) -> dict[str, Any]:
    """Update Shop Webhook."""
    assert call.caller is not None
    address = P.required_str(call.body, "address", max_length=255)
    call.backend.webhooks.subscribe(call.caller.app.app_key, call.shop.id, P.required_str(call.body, "event_type"),
                                    address, strict=bool(call.backend.settings["strict_webhooks"]))
    return {}


@api("/event/202309/webhooks", methods=("DELETE",))
def delete_shop_webhook(call: Call) -> dict[str, Any]:
    """Delete Shop Webhook (always succeeds)."""
    assert call.caller is not None
    call.backend.webhooks.unsubscribe(call.caller.app.app_key, call.shop.id, P.required_str(call.body, "event_type"))
    return {}
