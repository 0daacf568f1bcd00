"""The scenario step vocabulary: every action and expectation, and the JSON Schema of its arguments."""

from __future__ import annotations

from typing import Any

import jsonschema

from simulator.engine.states import CancelStatus, CancelType, Notice, ReturnStatus, ReturnType, Role
from simulator.rules import ORDER_STATUSES, PROFILE_NAMES

SYSTEM_NAMES = ("tiktok", "sfcc", "channeladvisor")
VIAS = ("engine", "tiktok_api", "channeladvisor", "sfcc", "sfcc_batch", "sfcc_pull")
PLATFORM_CAUSES = ("fraud", "shipping_timeout", "platform", "package_lost")
WEBHOOK_EVENTS = ("ORDER_STATUS_CHANGE", "PACKAGE_UPDATE", "CANCELLATION_STATUS_CHANGE", "RETURN_STATUS_CHANGE")
DEADLINES = ("hold_until", "rts_sla_time", "cancel_order_sla_time", "respond_by", "estimated_delivery_time",
             "return_respond_by", "return_ship_by")
RETURN_VIAS = ("engine", "tiktok_api", "channeladvisor")
APPROVE_DECISIONS = ("APPROVE_REFUND", "APPROVE_RETURN", "APPROVE_RECEIVED_PACKAGE", "OFFER_PARTIAL_REFUND",
                     "DIRECT_REFUND", "APPROVE_REPLACEMENT")
REJECT_DECISIONS = ("REJECT_REFUND", "REJECT_RETURN", "REJECT_RECEIVED_PACKAGE")

_ORDER = {"type": "string", "minLength": 1}
_INT0 = {"type": "integer", "minimum": 0}
_TEXT = {"type": "string"}
_INSTANT = {"type": "string", "minLength": 1}  # parsed (ISO 8601 with a zone) by the loader's checks
_DURATION = {"oneOf": [{"type": "string", "minLength": 1}, {"type": "number", "minimum": 0}]}
_PROVES = {"type": "array", "minItems": 1, "items": {"type": "string"}}
_PATHS = {"type": "object"}  # {dotted.path: value} into a system's document
_UNITS = {"type": "array", "minItems": 1, "items": {  # some units: a partial cancel (CAN-L1/L2/L4)
    "type": "object", "additionalProperties": False, "properties": {
        "sku": {"type": ["string", "integer"]}, "quantity": {"type": "integer", "minimum": 1}}}}
_TARGET = {"oneOf": [_ORDER, {"type": "object", "required": ["order"], "properties": {"order": _ORDER},
                              "additionalProperties": False}]}


def _order_args(**extra: Any) -> dict[str, Any]:
    props = {"order": _ORDER, **extra}
    return {"oneOf": [_ORDER, {"type": "object", "required": ["order"], "properties": props,
                                "additionalProperties": False}]}


def _object(required: tuple[str, ...] = (), **props: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": props}


_NOTIFICATION = {"oneOf": [{"enum": [n.value for n in Notice]},
                           _object(("kind",), kind={"enum": [n.value for n in Notice]}, at=_INSTANT,
                                   tracking_number=_TEXT)]}
_WEBHOOK = _object(
    (), type={"enum": [1, 4, 11, 12]}, order_status=_TEXT, cancel_status=_TEXT, return_status=_TEXT,
    signature={"enum": ["valid", "invalid"]},
    attempts={"type": "integer", "minimum": 1}, at=_INSTANT, times={"type": "array", "items": _INSTANT},
    answered={"type": "array", "items": {"type": "integer"}})

EXPECTATIONS: dict[str, Any] = {
    "order": _ORDER,
    "proves": _PROVES,
    "status": {"enum": list(ORDER_STATUSES)},
    "cancellation_initiator": {"enum": [r.value for r in Role] + [None]},
    "cancel_reason": {"type": ["string", "null"]},
    "cancel_after_shipped": {"type": "boolean"},
    "dispatch_missed": {"type": "boolean"},
    "campaign": {"type": ["string", "null"]},
    "tracking_number": {"type": ["string", "null", "array"]},
    "shipping_provider": {"type": ["string", "null", "array"]},
    "notifications": {"type": "array", "items": _NOTIFICATION},
    "cancellation": _object(
        (), status={"enum": [s.value for s in CancelStatus]}, role={"enum": [r.value for r in Role]},
        cancel_type={"enum": [t.value for t in CancelType]}, count=_INT0, reject_reason={"type": ["string", "null"]},
        resolved_by={"enum": [r.value for r in Role] + [None]}),
    "stock": _object((), sku={"type": ["string", "integer"]}, available=_INT0, reserved=_INT0, shipped=_INT0,
                     returned=_INT0),
    "return": _object(
        (), status={"enum": [s.value for s in ReturnStatus]}, return_type={"enum": [t.value for t in ReturnType]},
        role={"enum": [r.value for r in Role]}, count=_INT0, refund_amount={"type": ["string", "null"]},
        refund_total=_TEXT, resolved_by={"enum": [r.value for r in Role] + [None]},
        decision={"type": ["string", "null"]}, reject_reason={"type": ["string", "null"]},
        restocked={"type": "boolean"}, units=_INT0, return_tracking_number=_TEXT),
    "systems": {"type": "object", "propertyNames": {"enum": list(SYSTEM_NAMES)},
                "additionalProperties": {"oneOf": [{"enum": ["absent", "present"]}, _PATHS]}},
    "journal": {"type": "object", "additionalProperties": _INT0},
    "deadlines": {"type": "object", "minProperties": 1, "propertyNames": {"enum": list(DEADLINES)},
                  "additionalProperties": {"oneOf": [_INSTANT, {"type": "null"}]}},
    "ldr": _object((), shop=_TEXT, profile={"enum": list(PROFILE_NAMES)}, start=_INSTANT, end=_INSTANT,
                   shipped=_INT0, shipped_late=_INT0, cancelled_after_deadline=_INT0,
                   partially_shipped_overdue=_INT0, rate={"type": "number", "minimum": 0, "maximum": 1},
                   meets_target={"type": "boolean"}),
    "webhooks": {"type": "array", "items": _WEBHOOK},
    "feed": _object((), files=_INT0, last=_PATHS),
    "response": _object((), via={"enum": ["tiktok_api", "channeladvisor", "sfcc", "sfcc_connector"]},
                        status={"type": "integer"}, code={"type": ["integer", "string"]}, body=_PATHS,
                        absent={"type": "array", "items": _TEXT}),
}

ACTIONS: dict[str, dict[str, Any]] = {
    "clock.advance": {"oneOf": [_DURATION, _object(("to",), to=_INSTANT)]},
    "buyer.place": _object(
        ("as",), **{
            "as": _ORDER, "shop": _TEXT, "profile": {"enum": list(PROFILE_NAMES)}, "paid": {"type": "boolean"},
            "split_packages": {"type": "boolean"},
            "items": {"type": "array", "minItems": 1, "items": _object(
                (), sku={"type": ["string", "integer"]}, quantity={"type": "integer", "minimum": 1})},
            "handling_days": _INT0, "shipping_days": _INT0, "presale_dispatch_days": {"type": "integer", "minimum": 1},
            "warehouse": _TEXT, "delivery_option": _TEXT, "shipping_type": {"enum": ["SELLER", "TIKTOK"]},
        }),
    "buyer.pay": _TARGET,
    "buyer.cancel": _order_args(reason=_TEXT, items=_UNITS),
    "buyer.withdraw": _TARGET,
    "seller.ship": _order_args(package=_INT0, tracking_number=_TEXT, provider=_TEXT, carrier=_TEXT,
                               via={"enum": list(VIAS)}, label={"enum": ["seller", "tiktok"]}, **{"class": _TEXT}),
    "seller.cancel": _order_args(reason=_TEXT, via={"enum": list(VIAS)}, package=_INT0, items=_UNITS),
    "seller.split": _order_args(via={"enum": ["engine", "tiktok_api"]}, groups={
        "type": "array", "minItems": 2, "items": {"type": "array", "minItems": 1, "items": _INT0}}),
    "seller.mark_shipped": _order_args(via={"enum": ["engine", "tiktok_api"]}, units={
        "type": "array", "minItems": 1, "items": _INT0}, tracking_number=_TEXT),
    "seller.approve": _order_args(via={"enum": ["engine", "tiktok_api", "channeladvisor"]}),
    "seller.reject": _order_args(reason=_TEXT, comment=_TEXT, via={"enum": ["engine", "tiktok_api", "channeladvisor"]}),
    "seller.export": _order_args(via={"const": "channeladvisor"}),
    "seller.read": _order_args(via={"enum": ["tiktok_api", "channeladvisor", "sfcc"]}),
    "seller.pull": _object((), via={"const": "channeladvisor"}, shop=_TEXT),
    "seller.subscribe": _object((), shop=_TEXT, profile={"enum": list(PROFILE_NAMES)},
                                events={"type": "array", "minItems": 1, "items": {"enum": list(WEBHOOK_EVENTS)}},
                                answers={"type": "array", "items": {"type": "integer", "minimum": 100,
                                                                     "maximum": 599}}),
    "buyer.return": _order_args(type={"enum": ["RETURN_AND_REFUND", "REFUND_ONLY", "REFUND"]}, reason=_TEXT,
                                items={"type": "array", "minItems": 1, "items": _object(
                                    (), sku={"type": ["string", "integer"]}, quantity={"type": "integer", "minimum": 1})},
                                shipment_type={"enum": ["PLATFORM", "BUYER_ARRANGE"]}),
    "buyer.ship_return": _order_args(tracking_number=_TEXT),
    "buyer.cancel_return": _TARGET,
    "buyer.answer_offer": _order_args(accept={"type": "boolean"}),
    "seller.approve_return": _order_args(via={"enum": list(RETURN_VIAS)}, decision={"enum": list(APPROVE_DECISIONS)},
                                         buyer_keep_item={"type": "boolean"}, partial_refund=_TEXT),
    "seller.reject_return": _order_args(via={"enum": list(RETURN_VIAS)}, decision={"enum": list(REJECT_DECISIONS)},
                                        reason=_TEXT, comment=_TEXT),
    "carrier.return_delivered": _TARGET,
    "platform.cancel": _order_args(reason={"enum": list(PLATFORM_CAUSES)}, items=_UNITS),
    "platform.resend_create": _TARGET,
    "carrier.collected": _order_args(package=_INT0),
    "carrier.delivered": _order_args(package=_INT0),
    "network.down": {"const": "sfcc"},
    "network.up": {"const": "sfcc"},
    # The fault spec itself is checked by simulator.faults.book.parse_spec (checks.py), as /_sim/faults does.
    "fault.inject": {"type": "object", "required": ["system", "fault"]},
    "fault.clear": {"type": "string", "minLength": 1},
    "expect": {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": EXPECTATIONS},
}

EXPECT_ERROR = _object((), reason=_TEXT, rule=_TEXT, via={"enum": list(VIAS)}, code={"type": ["integer", "string"]},
                       proves=_PROVES)

_VALIDATORS = {name: jsonschema.Draft202012Validator(schema) for name, schema in {
    **ACTIONS, "expect_error": EXPECT_ERROR}.items()}


def validate_args(action: str, args: Any) -> str | None:
    """The first problem with ``args`` for ``action`` (or ``expect_error``), or None."""
    errors = list(_VALIDATORS[action].iter_errors(args))
    if not errors:
        return None
    error = jsonschema.exceptions.best_match(errors)
    where = ".".join(str(p) for p in error.absolute_path)
    message = error.message
    if error.validator == "oneOf" and isinstance(error.instance, dict | str):
        # best_match explains a oneOf by its first branch; name the keys the closest branch refuses.
        deeper = min((e for e in error.context or []), key=lambda e: len(list(e.absolute_path)) * -1, default=None)
        if deeper is not None:
            where = ".".join(str(p) for p in deeper.absolute_path) or where
            message = deeper.message
    return f"{where + ': ' if where else ''}{message}"
