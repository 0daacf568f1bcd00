"""The scenario step vocabulary: every action and the JSON Schema of its arguments."""

from __future__ import annotations

from typing import Any

import jsonschema

_ORDER = {"type": "string", "minLength": 1}
_INT0 = {"type": "integer", "minimum": 0}
_VIA = {"enum": ["engine", "tiktok_api", "channeladvisor", "sfcc"]}
_TARGET = {  # an order alias, or {order: alias, ...}
    "oneOf": [_ORDER, {"type": "object", "required": ["order"], "properties": {"order": _ORDER}}]
}


def _order_args(**extra: Any) -> dict[str, Any]:
    props = {"order": _ORDER, **extra}
    return {"oneOf": [_ORDER, {"type": "object", "required": ["order"], "properties": props,
                                "additionalProperties": False}]}


_STATE_CHECKS = {
    "order": _ORDER,
    "status": {"type": "string"},
    "cancellation_initiator": {"type": ["string", "null"]},
    "cancel_reason": {"type": ["string", "null"]},
    "cancel_after_shipped": {"type": "boolean"},
    "dispatch_missed": {"type": "boolean"},
    "tracking_number": {"type": ["string", "null"]},
    "shipping_provider": {"type": ["string", "null"]},
    "notifications": {"type": "array", "items": {"type": "string"}},
    "cancellation": {
        "type": "object", "additionalProperties": False,
        "properties": {"status": {"type": "string"}, "role": {"type": "string"}, "cancel_type": {"type": "string"},
                       "count": _INT0, "reject_reason": {"type": ["string", "null"]},
                       "resolved_by": {"type": ["string", "null"]}},
    },
    "stock": {
        "type": "object", "additionalProperties": False,
        "properties": {"sku": {"type": ["string", "integer"]}, "available": _INT0, "reserved": _INT0,
                       "shipped": _INT0},
    },
    "systems": {
        "type": "object",
        "additionalProperties": {"oneOf": [{"enum": ["absent", "present"]}, {"type": "object"}]},
    },
    "journal": {"type": "object", "additionalProperties": _INT0},
}

ACTIONS: dict[str, dict[str, Any]] = {
    "clock.advance": {"oneOf": [
        {"type": "string", "minLength": 1}, {"type": "number", "minimum": 0},
        {"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"], "additionalProperties": False},
    ]},
    "buyer.place": {
        "type": "object", "required": ["as"], "additionalProperties": False,
        "properties": {
            "as": _ORDER, "shop": {"type": "string"}, "profile": {"enum": ["sfcc", "rithum", "direct"]},
            "paid": {"type": "boolean"}, "split_packages": {"type": "boolean"},
            "items": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False,
                "properties": {"sku": {"type": ["string", "integer"]}, "quantity": {"type": "integer", "minimum": 1}},
            }},
        },
    },
    "buyer.pay": _TARGET,
    "buyer.cancel": _order_args(reason={"type": "string"}),
    "buyer.withdraw": _TARGET,
    "seller.ship": _order_args(package=_INT0, tracking_number={"type": "string"}, provider={"type": "string"},
                               carrier={"type": "string"}, **{"class": {"type": "string"}}, via=_VIA),
    "seller.cancel": _order_args(reason={"type": "string"}, via=_VIA),
    "seller.approve": _order_args(via=_VIA),
    "seller.reject": _order_args(reason={"type": "string"}, comment={"type": "string"}, via=_VIA),
    "seller.export": _order_args(via={"const": "channeladvisor"}),
    "platform.cancel": _order_args(reason={"type": "string"}),
    "carrier.collected": _order_args(package=_INT0),
    "carrier.delivered": _order_args(package=_INT0),
    "expect": {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": _STATE_CHECKS},
}

_VALIDATORS = {name: jsonschema.Draft202012Validator(schema) for name, schema in ACTIONS.items()}


def validate_args(action: str, args: Any) -> str | None:
    """The first problem with ``args`` for ``action``, or None."""
    errors = sorted(_VALIDATORS[action].iter_errors(args), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    error = errors[0]
    where = ".".join(str(p) for p in error.absolute_path)
    return f"{where + ': ' if where else ''}{error.message}"
