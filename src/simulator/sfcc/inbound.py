"""SFCC's request-input layer: simulator.inbound decoding mapped to OCAPI faults."""

from __future__ import annotations

from typing import Any

from simulator.inbound import Inbound, InputError, Limits, Refusal
from simulator.inbound import read as read_input
from simulator.sfcc import errors as E
from simulator.web import current_world


def read() -> Inbound:
    """The current request, decoded with the world's SFCC limits (InputError when refused)."""
    return read_input("sfcc", Limits.for_system(current_world().config, "sfcc"))


def fault(exc: InputError) -> E.OcapiFault:
    """The OCAPI fault for an input refusal."""
    if exc.refusal is Refusal.RATE_LIMITED:
        return E.QuotaExceededException(msg=exc.message)
    if exc.refusal is Refusal.SERVER_ERROR:
        return E.InternalServerErrorException()
    if exc.refusal is Refusal.TOO_LARGE:
        return E.RequestEntityTooLargeException(exc.message)
    if exc.refusal in (Refusal.URI_TOO_LONG, Refusal.BAD_QUERY, Refusal.DUPLICATE, Refusal.INVALID_PARAMETER):
        return E.MalformedParameterException(exc.message)
    if exc.refusal is Refusal.INVALID_FIELD:
        return E.PropertyConstraintViolationException(exc.message)
    if exc.refusal is Refusal.MEDIA_TYPE:
        return E.UnsupportedMediaTypeException(exc.message)
    return E.BodyDecodingException(exc.message)


def ocapi_json(req: Inbound) -> Any:
    """An OCAPI document body: ``application/json`` only (415 otherwise), strict JSON (400 otherwise)."""
    if req.body and not req.is_json:
        raise E.UnsupportedMediaTypeException(mediaType=req.mimetype or "")
    try:
        return req.json()
    except InputError as exc:
        raise fault(exc) from None


def ocapi_object(req: Inbound, document: str) -> dict[str, Any]:
    """An OCAPI body that must be a JSON object (an empty body is an empty document)."""
    body = ocapi_json(req)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise E.BodyDecodingException(f"The request body must be a JSON object ('{document}').")
    return body
