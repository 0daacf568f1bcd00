"""Flask blueprint for SFCC: OAuth, CreateExternalOrder, OCAPI Shop/Data order resources, WebDAV IMPEX."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from simulator.inbound import Inbound, InputError
from simulator.sfcc import errors as E
from simulator.sfcc import inbound, select
from simulator.sfcc.auth import OAuthError, basic_credentials
from simulator.sfcc.backend import SfccBackend
from simulator.sfcc.config import VERSION_RE
from simulator.sfcc.create import CreateRefused
from simulator.sfcc.search import search, user_search_phrase
from simulator.sfcc.serializers import doc_version, order_document, search_result
from simulator.web import current_world

bp = Blueprint("sfcc", __name__)
DEFAULT_V = "23.2"
F = TypeVar("F", bound=Callable[..., Response])
INVALID_TOKEN = {"status": 1, "type": "InvalidAccessTokenException",
                 "msg": "Unauthorized request! The access token is invalid."}


def _backend() -> SfccBackend:
    backend: SfccBackend = current_world().systems["sfcc"]
    return backend


def _json(body: Any, status: int = 200) -> Response:
    resp = jsonify(body)
    resp.status_code = status
    return resp


def fault_response(fault: E.OcapiFault, version: str | None = None) -> Response:
    """Render an OCAPI fault with the ``_v`` of the requested version."""
    supported = bool(version) and _backend().config.version_supported(str(version))
    v = doc_version(str(version)) if supported else DEFAULT_V
    return _json(fault.document(v), fault.status)


@bp.errorhandler(E.OcapiFault)
def _fault(fault: E.OcapiFault) -> Response:
    return fault_response(fault, (request.view_args or {}).get("version"))


def not_found(backend: SfccBackend, method: str, path: str) -> Response:
    """The instance's answer for a path it does not serve (the app's 404/405 handler)."""
    return unknown_path(method, path)


def unknown_path(method: str, path: str) -> Response:
    """404 ResourcePathNotFoundException, or 405 MethodNotAllowedException when the path exists.

    WebDAV paths (a site folder other than IMPEX) answer as WebDAV does: plain-text 404.
    """
    if path.startswith("/on/demandware.servlet/webdav/"):
        return Response("Not Found", 404, mimetype="text/plain")
    version = next((p for p in path.split("/") if VERSION_RE.match(p)), None)
    try:
        current_app.url_map.bind("localhost").match(path, method=method)
    except MethodNotAllowed:
        return fault_response(E.MethodNotAllowedException(method=method), version)
    except NotFound:
        pass
    return fault_response(E.ResourcePathNotFoundException(path=path), version)


def ocapi(api: str, resource: Callable[..., str]) -> Callable[[F], F]:
    """Input layer, version check, client id + bearer + OCAPI settings for ``resource(**view_args)``.

    The body is read (bounded) before the world lock; the view runs under it with the decoded request.
    """
    def wrap(view: F) -> F:
        @wraps(view)
        def inner(**kwargs: Any) -> Response:
            backend = _backend()
            try:
                req = inbound.read()
            except InputError as exc:
                raise inbound.fault(exc) from None
            if not backend.config.version_supported(kwargs["version"]):
                raise E.InvalidVersionException(version=kwargs["version"])
            with backend.world.lock:
                client_id = req.headers.get("x-dw-client-id") or req.query.get("client_id")
                backend.auth.authorize(api, resource(**kwargs), req.method, req.headers.get("Authorization"),
                                       client_id)
                chosen = select.selector(req.query.get("select"))  # a bad selector refuses before any change
                return selected(view(backend, req, **kwargs), chosen)
        return inner  # type: ignore[return-value]
    return wrap


def selected(response: Response, chosen: select.Selection | None) -> Response:
    """A JSON document answer reduced to the ``select`` property selection (other answers unchanged)."""
    if chosen is None or response.status_code >= 300 or not response.is_json:
        return response
    return _json(chosen.apply(response.get_json()), response.status_code)


# -- OAuth ----------------------------------------------------------------------------------------------
@bp.post("/dw/oauth2/access_token")
@bp.post("/dwsso/oauth2/access_token")
def access_token() -> Response:
    """Account Manager client credentials / instance Business Manager user grant."""
    backend = _backend()
    try:
        req = inbound.read()
        form = req.form
    except InputError as exc:
        return _json(OAuthError("invalid_request", exc.message).document(), exc.status)
    with backend.world.lock:
        try:
            token = backend.auth.issue(form.get("grant_type"), req.headers.get("Authorization"),
                                       req.query.get("client_id") or form.get("client_id"))
        except OAuthError as err:
            return _json(err.document(), err.status)
        expires = int((token.expires_at - backend.clock.now()).total_seconds())
    body = {"access_token": token.value, "token_type": "Bearer", "expires_in": expires}
    return _json(body if token.user else {**body, "scope": "mail"})


# -- CreateExternalOrder (controller OrderCreate-Social) ------------------------------------------------
@bp.post("/s/<site_id>/CreateExternalOrder")
@bp.post("/on/demandware.store/Sites-<site_id>-Site/default/OrderCreate-Social")
def create_external_order(site_id: str) -> Response:
    """``CreateExternalOrder``: storefront protection, token check, debug probe, create (SFCC-1, SFCC-2)."""
    backend = _backend()
    try:
        req = inbound.read()
    except InputError as exc:  # the controller's own plain-JSON error (not an OCAPI fault)
        return _json({"error": True, "msg": exc.message}, exc.status)
    with backend.world.lock:
        site = backend.config.sites.get(site_id)
        if site is None:
            return _json({"error": True, "msg": f"Site {site_id} not found"}, 404)
        guard = site.storefront_protection
        if guard.get("enabled") and basic_credentials(req.headers.get("Authorization")) != [
                str(guard.get("user")), str(guard.get("password"))]:
            return Response("Authorization required (storefront protection)", 401,
                            {"WWW-Authenticate": f'Basic realm="Storefront {site_id}"'}, mimetype="text/plain")
        header = req.headers.get("x-is-authorization") or req.headers.get("Authorization")
        if backend.auth.controller_token(header) is None:
            return _json(INVALID_TOKEN, 400)
        return _create(backend, site_id, req)


def _create(backend: SfccBackend, site_id: str, req: Inbound) -> Response:
    try:
        body = req.json()  # the controller's JSON.parse: its one documented message for any bad body
    except InputError:
        body = None
    if body is None:
        return _json({"error": True, "msg": "Unable to parse order json"}, 400)
    if isinstance(body, dict) and body.get("debug") is True:
        return _json({"status": 0, "code": "SUCCESS", "msg": "Endpoint is accessible and access token is valid"})
    try:
        return _json(backend.orders.create_external(site_id, body))
    except CreateRefused as refused:
        return _json(refused.body, refused.status)


# -- OCAPI Shop API -----------------------------------------------------------------------------------
@bp.get("/s/<site_id>/dw/shop/<version>/orders/<order_no>")
@ocapi("shop", lambda site_id, version, order_no: f"/orders/{order_no}")
def get_order(backend: SfccBackend, req: Inbound, site_id: str, version: str, order_no: str) -> Response:
    """OCAPI Shop ``GET /orders/{order_no}`` (TikTok's GetOrder)."""
    return _json(order_document(backend.orders.get(site_id, order_no), doc_version(version)))


@bp.patch("/s/<site_id>/dw/shop/<version>/orders/<order_no>")
@ocapi("shop", lambda site_id, version, order_no: f"/orders/{order_no}")
def patch_order(backend: SfccBackend, req: Inbound, site_id: str, version: str, order_no: str) -> Response:
    """OCAPI Shop ``PATCH /orders/{order_no}`` (status, ``c_*``, ``c_orderAction`` via the cartridge hook)."""
    from simulator.sfcc.serializers import resource_state

    order = backend.orders.patch(site_id, order_no, inbound.ocapi_json(req), resource_state)
    return _json(order_document(order, doc_version(version)))


@bp.post("/s/<site_id>/dw/shop/<version>/order_search")
@ocapi("shop", lambda site_id, version: "/order_search")
def order_search(backend: SfccBackend, req: Inbound, site_id: str, version: str) -> Response:
    """OCAPI Shop ``POST /order_search``."""
    backend.orders.site(site_id)
    body = inbound.ocapi_json(req)
    book = backend.orders
    site_orders = (book.orders[no] for no in book.index.by_site.get(site_id, ()))
    hits, total, start = search(site_orders, body, book.index, book.orders, site_id)
    return selected(_json(search_result(hits, total, start, body["query"], doc_version(version))),
                    select.selector(body.get("select")))


# -- OCAPI Data API -----------------------------------------------------------------------------------
@bp.post("/s/-/dw/data/<version>/user_search")
@ocapi("data", lambda version: "/user_search")
def user_search(backend: SfccBackend, req: Inbound, version: str) -> Response:
    """OCAPI Data ``POST /user_search`` (the cartridge validates TikTok's token with it)."""
    body = inbound.ocapi_object(req, "search_request")
    chosen = select.selector(body.get("select"))
    phrase = user_search_phrase(body).lower()
    users = [u for u in backend.config.users.values() if phrase in u.login.lower()]
    hits = [{"_type": "user", "login": u.login, "disabled": u.disabled, "locked": u.locked} for u in users]
    return selected(_json({"_v": doc_version(version), "_type": "user_search_result", "count": len(hits),
                           "hits": hits, "start": 0, "total": len(hits)}), chosen)


@bp.patch("/s/-/dw/data/<version>/sites/<site_id>/orders/<order_no>")
@ocapi("data", lambda version, site_id, order_no: f"/sites/{site_id}/orders/{order_no}")
def data_patch_order(backend: SfccBackend, req: Inbound, version: str, site_id: str, order_no: str) -> Response:
    """OCAPI Data ``PATCH /sites/{site}/orders/{no}`` (custom attributes, 204)."""
    backend.orders.data_patch(site_id, order_no, inbound.ocapi_json(req))
    return Response(status=204)


@bp.put("/s/-/dw/data/<version>/sites/<site_id>/orders/<order_no>/<any(status, export_status, external_status, "
        "confirmation_status, payment_status, shipping_status):field>")
@ocapi("data", lambda version, site_id, order_no, field: f"/sites/{site_id}/orders/{order_no}/{field}")
def put_order_status(backend: SfccBackend, req: Inbound, version: str, site_id: str, order_no: str,
                     field: str) -> Response:
    """OCAPI Data ``PUT /sites/{site}/orders/{no}/{status field}`` (204)."""
    backend.orders.put_status(site_id, order_no, field, inbound.ocapi_json(req))
    return Response(status=204)


# Sibling modules add their views to ``bp`` (kept out of this file for size).
from simulator.sfcc import control as _control  # noqa: E402,F401
from simulator.sfcc import webdav as _webdav  # noqa: E402,F401
