"""OCAPI faults: one class per documented fault type, rendered as ``{_v, fault:{type, message, arguments}}``.

``arguments`` is in every fault document (an empty object when a fault has none), as the OCAPI fault schema
has it; ``argument_names`` are the arguments the OCAPI Global Exceptions table documents for a type, which
every raise of it supplies (tests/sfcc/test_faults.py sweeps every SFCC route's refusals for them).
"""

from __future__ import annotations

from typing import Any, ClassVar


class OcapiFault(Exception):
    """Base of every OCAPI refusal; ``status`` is the HTTP code, the class name is ``fault.type``."""

    status: ClassVar[int] = 400
    message: ClassVar[str] = "The request could not be processed."
    argument_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, message: str | None = None, **arguments: Any) -> None:
        super().__init__(message or self.message)
        self.text = message or self.message
        self.arguments = arguments

    @property
    def fault_type(self) -> str:
        """The OCAPI ``fault.type`` (the Java exception name)."""
        return type(self).__name__

    def document(self, version: str) -> dict[str, Any]:
        """The OCAPI fault document; argument values are typed as OCAPI types them."""
        arguments = {k: _typed(v) for k, v in self.arguments.items()}
        return {"_v": version, "fault": {"arguments": arguments, "type": self.fault_type, "message": self.text}}


def _typed(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean", "value": value}
    if isinstance(value, int):
        return {"type": "integer", "value": value}
    return {"type": "string", "value": str(value)}


class QuotaExceededException(OcapiFault):
    """429: an API quota was exceeded (an injected ``rate_limit`` fault; fault type UNCERTAIN, docs/faults.md)."""

    status = 429
    message = "The API request quota was exceeded. Retry later."
    argument_names = ('msg',)


class InternalServerErrorException(OcapiFault):
    """500: the instance failed (an injected ``server_error`` fault; fault type UNCERTAIN, docs/faults.md)."""

    status = 500
    message = "An internal server error occurred."


class BodyDecodingException(OcapiFault):
    """The request body is not a readable JSON document."""

    message = "The request body could not be decoded."


class RequestEntityTooLargeException(OcapiFault):
    """The body is over the size limit: HTTP 413 as SCAPI documents for 5 MB (fault type name UNCERTAIN)."""

    status = 413
    message = "The request body is too large."


class MalformedParameterException(OcapiFault):
    """A URL parameter that cannot be read (not UTF-8, given twice, too many, URL too long)."""

    message = "A request parameter is malformed."


class UnsupportedMediaTypeException(OcapiFault):
    """The request body is not ``application/json``."""

    status = 415
    message = "The media type of the request body is not supported."


class InvalidVersionException(OcapiFault):
    """The ``v{YY_R}`` in the URL is not a version this instance serves."""

    message = "The version in the URL is invalid or not supported."


class UnknownPropertyException(OcapiFault):
    """The document has a property the resource does not define."""

    message = "The property is unknown."
    argument_names = ('property', 'document')


class InvalidCustomPropertyException(OcapiFault):
    """A custom attribute value the attribute definition refuses."""

    message = "Can't write custom property. Value is either invalid or type doesn't support modification."


class EnumConstraintViolationException(OcapiFault):
    """A value outside the property's enumeration."""

    message = "The value is not one of the allowed values."


class PropertyConstraintViolationException(OcapiFault):
    """A required property is missing or has the wrong type."""

    message = "A property constraint was violated."


class MissingClientIdException(OcapiFault):
    """No client id: neither ``x-dw-client-id``, ``client_id`` nor a bearer token."""

    message = "The client id is missing."


class UnknownClientIdException(OcapiFault):
    """The client id is not a registered API client."""

    message = "The client id is unknown."
    argument_names = ('clientId',)


class InvalidClientIdException(OcapiFault):
    """The client id does not match the client the access token was issued to."""

    message = "The client id is invalid."
    argument_names = ('clientId',)


class InvalidAuthorizationHeaderException(OcapiFault):
    """No ``Authorization`` header, or not ``Bearer <token>``."""

    status = 401
    message = "The request is unauthorized: the Authorization header is missing or invalid."


class InvalidAccessTokenException(OcapiFault):
    """The bearer token is unknown or expired."""

    status = 401
    message = "The request is unauthorized, the access token is invalid."
    argument_names = ('accessToken',)


class ClientAccessForbiddenException(OcapiFault):
    """The client id has no OCAPI settings entry allowing this resource and method."""

    status = 403
    message = "Access to this resource is forbidden for the client."
    argument_names = ('method', 'path')


class SiteNotFoundException(OcapiFault):
    """No site with that id."""

    status = 404
    message = "No site with the given id was found."


class OrderNotFoundException(OcapiFault):
    """No order with that number on the site."""

    status = 404
    message = "No order with the given number was found."


class ProductItemNotFoundException(OcapiFault):
    """A product item in the PATCH body matches no line of the order."""

    status = 404
    message = "No product item with the given id was found."


class ResourcePathNotFoundException(OcapiFault):
    """A path this instance does not serve."""

    status = 404
    message = "Unable to find a resource matching the request path."
    argument_names = ('path',)


class MethodNotAllowedException(OcapiFault):
    """A served path called with a method it does not support."""

    status = 405
    message = "The HTTP method is not allowed for this resource."
    argument_names = ('method',)


class ResourceStateConflictException(OcapiFault):
    """``_resource_state`` in the body is outdated (someone changed the order)."""

    status = 409
    message = "The resource state of the document is outdated."
    argument_names = ('client', 'server')


class OrderStatusTransitionException(OcapiFault):
    """The order status cannot move from its current value to the requested one."""

    status = 409
    message = "The order status transition is not allowed."


class MalformedSelectorException(OcapiFault):
    """The ``select`` property selector is not OCAPI selector syntax (simulator.sfcc.select)."""

    message = "The syntax of the specified selector is malformed."
    argument_names = ('selector',)


class HookStatusException(OcapiFault):
    """The cartridge's ``afterPATCH`` hook answered with an error status."""

    message = "The hook returned an error status."
    argument_names = ('extensionPoint', 'statusCode', 'statusMsg')
