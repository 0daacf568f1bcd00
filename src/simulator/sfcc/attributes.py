"""Custom attributes (``c_*``): type checks against the cartridge meta and the status text/int pairing."""

from __future__ import annotations

from typing import Any

from simulator.sfcc import errors as E
from simulator.sfcc.config import AttributeDef

# c_externalOrderStatus (TikTok's doc, string) <-> c_externalChannelOrderStatus (cartridge, int).
# Texts follow profiles.yaml status_mappings.sfcc (New / Completed / CANCELLED).
STATUS_TEXT = {2: "Created", 3: "New", 5: "Completed", 6: "CANCELLED", 7: "CANCELLED_PARTIAL", 8: "Refunded"}
INT32 = (-(2**31), 2**31 - 1)
TEXT_STATUS = {v.lower(): k for k, v in STATUS_TEXT.items()} | {"canceled": 6}


def coerce(definition: AttributeDef, value: Any, document: str) -> Any:
    """The stored value for ``c_<id>`` or InvalidCustomPropertyException (None deletes the attribute)."""
    if value is None:
        return None
    kind = definition.type
    if kind in ("string", "text") and isinstance(value, str):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    # Integers only: OCAPI reads a JSON number into an int attribute; "5" (a string) is refused, not coerced.
    if kind in ("int", "enum_int") and isinstance(value, int) and not isinstance(value, bool) \
            and INT32[0] <= value <= INT32[1] and (kind == "int" or value in definition.values):
        return value
    raise E.InvalidCustomPropertyException(property=f"c_{definition.id}", document=document, value=str(value))


def apply_custom(
    target: dict[str, Any], definitions: dict[str, AttributeDef], key: str, value: Any, document: str
) -> None:
    """Write ``key`` (``c_<id>``) into ``target`` after validating it against ``definitions``."""
    attribute_id = key[2:]
    definition = definitions.get(attribute_id)
    if definition is None:
        raise E.UnknownPropertyException(
            f"The property '{key}' is not defined for document '{document}'.", property=key, document=document
        )
    stored = coerce(definition, value, document)
    if stored is None:
        target.pop(attribute_id, None)
    else:
        target[attribute_id] = stored


def sync_status_pair(custom: dict[str, Any], wrote_text: bool, wrote_int: bool) -> None:
    """Keep ``externalOrderStatus`` and ``externalChannelOrderStatus`` telling the same story."""
    if wrote_int and not wrote_text and "externalChannelOrderStatus" in custom:
        custom["externalOrderStatus"] = STATUS_TEXT.get(custom["externalChannelOrderStatus"], "New")
    elif wrote_text and not wrote_int and "externalOrderStatus" in custom:
        number = TEXT_STATUS.get(str(custom["externalOrderStatus"]).lower())
        if number is not None:
            custom["externalChannelOrderStatus"] = number
