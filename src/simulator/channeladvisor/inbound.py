"""ChannelAdvisor's request-input layer: simulator.inbound decoding mapped to CA's 400/413/414/415 errors."""

from __future__ import annotations

from typing import Any

from simulator.channeladvisor.errors import (
    CaError,
    ODataQueryError,
    RequestTooLarge,
    ServerError,
    TokenError,
    TooManyRequests,
    UnsupportedMediaType,
    UriTooLong,
)
from simulator.inbound import Inbound, InputError, Limits, Refusal
from simulator.inbound import read as read_input
from simulator.web import current_world


def error(exc: InputError) -> CaError:
    """The CA error for an input refusal."""
    if exc.refusal is Refusal.RATE_LIMITED:
        return TooManyRequests("Too many requests. Retry with backoff.")
    if exc.refusal is Refusal.SERVER_ERROR:
        return ServerError("An error has occurred.")
    if exc.refusal is Refusal.TOO_LARGE:
        return RequestTooLarge(exc.message)
    if exc.refusal is Refusal.URI_TOO_LONG:
        return UriTooLong(exc.message)
    if exc.refusal is Refusal.MEDIA_TYPE:
        return UnsupportedMediaType(exc.message)
    if exc.refusal in (Refusal.BAD_QUERY, Refusal.DUPLICATE, Refusal.INVALID_PARAMETER):
        return ODataQueryError(exc.message)
    return CaError(exc.message)


def _decode() -> Inbound:
    return read_input("channeladvisor", Limits.for_system(current_world().config, "channeladvisor"),
                      fold_case=True)


def read() -> Inbound:
    """The current request (query names folded: ``$TOP`` and ``$top`` are one option, given once)."""
    try:
        return _decode()
    except InputError as exc:
        raise error(exc) from None


def json_body(req: Inbound) -> Any:
    """The JSON body (blank: ``{}``): a JSON content type or none (415 otherwise), strict JSON (400)."""
    if not req.body.strip():
        return {}
    if req.mimetype and not req.is_json:
        raise UnsupportedMediaType(f"The request entity's media type '{req.mimetype}' is not supported for this "
                                   "resource.")
    try:
        return req.json()
    except InputError as exc:
        raise error(exc) from None


def token_request() -> tuple[Inbound, dict[str, str]]:
    """The ``/oauth2/token`` request and form; refusals are OAuth ``invalid_request`` (a parameter given
    twice included, RFC 6749 section 3.1) with the input layer's HTTP status."""
    try:
        req = _decode()
        return req, req.form
    except InputError as exc:
        refused = TokenError("invalid_request", exc.message)
        refused.status = exc.status
        raise refused from None
