"""ChannelAdvisor error types and their bodies: OData ``{"error": {...}}``, Web-API 401/404, OAuth 400."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

UNAUTHORIZED_MESSAGE = "Authorization has been denied for this request."


class CaError(Exception):
    """Base of every ChannelAdvisor refusal; ``code`` is the simulator's own stable code (UNCERTAIN)."""

    status = 400
    code = "InvalidRequest"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def body(self) -> dict[str, Any]:
        """The OData error envelope clients parse (``error.message``)."""
        return {"error": {"code": self.code, "message": self.message}}


class ODataQueryError(CaError):
    """A malformed or unsupported OData query option (``$filter``, ``$select``, ``$top``...)."""

    code = "InvalidQuery"


class TooManyRequests(CaError):
    """429 Too Many Requests (CA HTTP status codes page: clients retry with backoff)."""

    status = 429
    code = "TooManyRequests"


class ServerError(CaError):
    """500: a CA-side failure (CA HTTP status codes page: retry with backoff)."""

    status = 500
    code = "InternalServerError"


class RequestTooLarge(CaError):
    """413 Request Entity Too Large (CA HTTP status codes page): the body is over the limit."""

    status = 413
    code = "RequestEntityTooLarge"


class UriTooLong(CaError):
    """414 Request URI Too Long (CA HTTP status codes page): the query string is over the limit."""

    status = 414
    code = "RequestUriTooLong"


class UnsupportedMediaType(CaError):
    """415 Unsupported Media Type (CA HTTP status codes page; ASP.NET Web API's message)."""

    status = 415
    code = "UnsupportedMediaType"


class OrderNotFound(CaError):
    """No order (or item, fulfillment, adjustment) with that ID in the caller's profiles."""

    status = 404
    code = "NotFound"


class InvalidOperation(CaError):
    """The entity's state refuses the action (ship a cancelled order, adjust twice...)."""

    code = "InvalidOperation"


class Unauthorized(CaError):
    """Access token missing, unknown or expired: ASP.NET's Web-API 401 body."""

    status = 401
    code = "Unauthorized"

    def __init__(self, message: str = UNAUTHORIZED_MESSAGE) -> None:
        super().__init__(message)

    def body(self) -> dict[str, Any]:
        """``{"Message": "Authorization has been denied for this request."}``."""
        return {"Message": UNAUTHORIZED_MESSAGE}


class TokenError(CaError):
    """``/oauth2/token`` refusal: 400 with an OAuth ``error`` (body shape UNCERTAIN; RFC 6749 style)."""

    def __init__(self, error: str, description: str, *, status: int | None = None) -> None:
        super().__init__(description, code=error, status=status)

    def body(self) -> dict[str, Any]:
        """``{"error": "invalid_grant", "error_description": "..."}``."""
        return {"error": self.code, "error_description": self.message}


def render(error: CaError) -> Response:
    """The HTTP response for ``error``."""
    response = jsonify(error.body())
    response.status_code = error.status
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="api.channeladvisor.com"'
    elif isinstance(error, TokenError) and error.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="api.channeladvisor.com"'
    return response


def no_route(method: str, path: str, allowed: list[str] | None = None) -> Response:
    """Web-API answer for a URL no controller serves (``{"$id": "1", "Message": ...}``, 404), or for a method
    the URL's controller does not take (405, with ``allowed`` methods in ``Allow``)."""
    if allowed:
        response = jsonify({"$id": "1", "Message": f"The requested resource does not support http method '{method}'."})
        response.status_code = 405
        response.headers["Allow"] = ", ".join(allowed)
        return response
    response = jsonify({"$id": "1", "Message": f"No HTTP resource was found that matches the request URI '{path}'."})
    response.status_code = 404
    return response
