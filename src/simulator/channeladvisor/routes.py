"""Flask blueprint for ChannelAdvisor's REST API: ``/oauth2/token`` and the ``/v1/`` Orders endpoints."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from simulator.channeladvisor import inbound, oms
from simulator.channeladvisor.auth import Grant, bearer_token, parse_basic
from simulator.channeladvisor.backend import ChannelAdvisorBackend
from simulator.channeladvisor.errors import CaError, no_route, render
from simulator.channeladvisor.odata import parse_query
from simulator.channeladvisor.schema import FULFILLMENT, ORDER, TYPES, EntityType
from simulator.channeladvisor.serializers import fulfillment_row, order_row, shape
from simulator.inbound import Inbound
from simulator.web import current_world

bp = Blueprint("channeladvisor", __name__)
_SAFE = "$,()'/:"
INT32_MAX = 2**31 - 1


def not_found(backend: ChannelAdvisorBackend, method: str, path: str) -> Response:
    """Web API's "No HTTP resource was found" 404, or its 405 for a served URL and another method (the app's
    404/405 handler)."""
    from flask import current_app
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    try:
        current_app.url_map.bind("localhost").match(path, method=method)
    except MethodNotAllowed as exc:
        return no_route(method, path, sorted(exc.valid_methods or []))
    except NotFound:
        pass
    return no_route(method, path)


@bp.errorhandler(CaError)
def _ca_error(error: CaError) -> Response:
    return render(error)


def _run(action: Callable[[ChannelAdvisorBackend, Grant, Inbound], Any]) -> Any:
    """Decode the request (before the lock), then run ``action`` under it with the caller's grant (401 first,
    as CA checks the token first)."""
    req = inbound.read()
    world = current_world()
    with world.lock:
        backend: ChannelAdvisorBackend = world.systems["channeladvisor"]
        args = {k.lower(): v for k, v in req.query.items()}
        grant = backend.tokens.authenticate(bearer_token(req.headers.get("Authorization"), args.get("access_token")))
        return action(backend, grant, req)


def _key(text: str) -> int:
    """An ``Edm.Int32`` key: ASCII digits within range (int() would take "+1", "1_0", non-ASCII digits)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= INT32_MAX):
        raise CaError(
            f"The key value ({_echo(text)}) from request is not valid. The key value should be format of type "
            "'Edm.Int32'."
        )
    return int(text)


def _echo(text: str) -> str:
    return text if len(text) <= 32 else text[:32] + "..."


def _json(req: Inbound) -> Any:
    return inbound.json_body(req)


def _unwrap(body: Any) -> Mapping[str, Any]:
    """Action bodies come as ``{"Value": {...}}``; the bare object is accepted for Adjust and Fulfillments."""
    if isinstance(body, Mapping) and isinstance(body.get("Value"), Mapping):
        return dict(body["Value"])
    if not isinstance(body, Mapping):
        raise CaError("The request body must be a JSON object.")
    return body


def _no_content() -> Response:
    return Response(status=204)


def _collection(req: Inbound, rows: list[dict[str, Any]], entity: EntityType, name: str) -> Response:
    query = parse_query(req.query, entity, collection=False)
    value = [shape(r, entity, query.select, query.expand) for r in rows]
    return jsonify({"@odata.context": f"{request.host_url}v1/$metadata#{name}", "value": value})


@bp.post("/oauth2/token")
def token() -> Response:
    """``POST /oauth2/token`` (refresh-token grant, HTTP Basic application credentials)."""
    req, form = inbound.token_request()
    world = current_world()
    with world.lock:
        backend: ChannelAdvisorBackend = world.systems["channeladvisor"]
        body = backend.tokens.issue(parse_basic(req.headers.get("Authorization")), form)
    return jsonify(body)


@bp.get("/v1/Orders")
def list_orders() -> Response:
    """``GET /v1/Orders`` with the OData subset and ``exported``; server-paged with ``@odata.nextLink``."""

    def run(backend: ChannelAdvisorBackend, grant: Grant, req: Inbound) -> Response:
        query = parse_query(req.query, ORDER)
        value, total, next_skip = backend.page(grant, query)
        body: dict[str, Any] = {"@odata.context": f"{request.host_url}v1/$metadata#Orders"}
        if query.count:
            body["@odata.count"] = total
        body["value"] = value
        if next_skip is not None:
            body["@odata.nextLink"] = _next_link(req, next_skip, query.top, query.skip)
        return jsonify(body)

    return _run(run)  # type: ignore[no-any-return]


def _next_link(req: Inbound, next_skip: int, top: int | None, skip: int) -> str:
    params = {k: v for k, v in req.query.items() if k.lower() not in ("$skip", "$top")}
    params["$skip"] = str(next_skip)
    if top is not None:
        params["$top"] = str(top - (next_skip - skip))
    return f"{request.base_url}?{urlencode(params, safe=_SAFE)}"


@bp.get("/v1/Orders(<key>)")
def get_order(key: str) -> Response:
    """``GET /v1/Orders({ID})``: one order whatever its export state."""

    def run(backend: ChannelAdvisorBackend, grant: Grant, req: Inbound) -> Response:
        query = parse_query(req.query, ORDER, collection=False)
        body = {"@odata.context": f"{request.host_url}v1/$metadata#Orders/$entity"}
        return jsonify({**body, **backend.render(backend.order(grant, _key(key)), query.select, query.expand)})

    return _run(run)  # type: ignore[no-any-return]


@bp.get("/v1/Orders(<key>)/<any(Items,Fulfillments,Adjustments):nav>")
def get_order_collection(key: str, nav: str) -> Response:
    """``GET /v1/Orders({ID})/Items`` (and ``/Fulfillments``, ``/Adjustments``)."""

    def run(backend: ChannelAdvisorBackend, grant: Grant, req: Inbound) -> Response:
        order = backend.order(grant, _key(key))
        rows = order_row(order)[nav]
        return _collection(req, rows, TYPES[ORDER.navigation[nav]], nav)

    return _run(run)  # type: ignore[no-any-return]


@bp.route("/v1/Orders(<key>)/Export", methods=["POST", "DELETE"])
def export_order(key: str) -> Response:
    """``POST`` / ``DELETE /v1/Orders({ID})/Export``: mark exported / not exported (CA-2), 204."""
    _run(lambda backend, grant, req: oms.export(backend, grant, _key(key), req.method == "POST"))
    return _no_content()


@bp.post("/v1/Orders(<key>)/Ship")
def ship_order(key: str) -> Response:
    """``POST /v1/Orders({ID})/Ship`` with ``{"Value": {...}}`` (FUL-5), 204."""
    _run(lambda backend, grant, req: oms.ship(backend, grant, _key(key), oms.value_of(_json(req))))
    return _no_content()


@bp.post("/v1/Orders(<key>)/Adjust")
def adjust_order(key: str) -> Response:
    """``POST /v1/Orders({ID})/Adjust``: cancel, or approve a buyer request (CAN-S3, CAN-B3), 204."""
    _run(lambda backend, grant, req: oms.adjust_order(backend, grant, _key(key), _unwrap(_json(req))))
    return _no_content()


@bp.post("/v1/OrderItems(<key>)/Adjust")
def adjust_order_item(key: str) -> Response:
    """``POST /v1/OrderItems({ID})/Adjust`` (item-level cancellation), 204."""
    _run(lambda backend, grant, req: oms.adjust_item(backend, grant, _key(key), _unwrap(_json(req))))
    return _no_content()


@bp.post("/v1/Orders(<key>)/Adjustments(<adjustment>)/Reject")
def reject_adjustment(key: str, adjustment: str) -> Response:
    """Simulator extension (CA documents none): reject a buyer cancellation request (CAN-B3), 204."""
    _run(lambda backend, grant, req: oms.reject(backend, grant, _key(key), _key(adjustment), _unwrap(_json(req))))
    return _no_content()


@bp.get("/v1/Fulfillments(<key>)")
def get_fulfillment(key: str) -> Response:
    """``GET /v1/Fulfillments({ID})``."""

    def run(backend: ChannelAdvisorBackend, grant: Grant, req: Inbound) -> Response:
        query = parse_query(req.query, FULFILLMENT, collection=False)
        order, fulfillment = backend.fulfillment(grant, _key(key))
        products = {item.id: item.product_id for item in order.items}
        return jsonify(shape(fulfillment_row(fulfillment, products), FULFILLMENT, query.select, query.expand))

    return _run(run)  # type: ignore[no-any-return]


@bp.route("/v1/Fulfillments(<key>)", methods=["PATCH", "PUT"])
def update_fulfillment(key: str) -> Response:
    """``PATCH`` / ``PUT /v1/Fulfillments({ID})``: shipping details; marks shipped unless ``NoChange`` (FUL-5)."""
    _run(lambda backend, grant, req: oms.update_fulfillment(backend, grant, _key(key), _unwrap(_json(req))))
    return _no_content()
