"""Request parameter parsing and validation (query strings and JSON bodies) into plain values or 36009004."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from simulator.inbound import DEFAULT_LIMITS, InputError, Limits, json_int, parse_json
from simulator.tiktok_shop.errors import InvalidBodyFormat, InvalidParameter, from_input

INT64 = (-(2**63), 2**63 - 1)  # the gateway is Go: an int64 field refuses anything outside
INT32 = (-(2**31), 2**31 - 1)
_MONEY = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
# List-valued query parameters: SDKs send them comma-joined (``ids=1,2``); a client whose HTTP library repeats
# the name (``ids=1&ids=2``) means the same list, joined in the order sent (simulator.inbound.single). The
# signature covers the joined value, as a Node signer's ``${key}${value}`` writes an array (signing.py).
LIST_PARAMS = frozenset({"ids", "order_ids"})  # Get Order Detail; Get Order Split Attributes (``order_ids=``)


def json_body(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The JSON object body (empty body: ``{}``); anything else is 36009022 (strict, see simulator.inbound)."""
    if not raw.strip():
        return {}
    try:
        value = parse_json(raw, limits)
    except InputError as exc:
        raise from_input(exc) from None
    if not isinstance(value, dict):
        raise InvalidBodyFormat("Invalid body format. The request body must be a JSON object.")
    return value


def page_size(query: Mapping[str, str], *, maximum: int, required: bool = True, default: int = 20,
              minimum: int = 1) -> int:
    """``page_size`` as an int in ``minimum..maximum``."""
    raw = query.get("page_size")
    if raw is None or raw == "":
        if required:
            raise InvalidParameter("Invalid request parameter. 'page_size' is required.")
        return default
    # ASCII digits only: int() would also take " 5", "+5", "5_0" and non-ASCII digits.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise InvalidParameter("Invalid request parameter. 'page_size' must be an integer.")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise InvalidParameter(f"Invalid request parameter. 'page_size' must be between {minimum} and {maximum}.")
    return value


def choice(query: Mapping[str, Any], name: str, allowed: Iterable[str], default: str) -> str:
    """A string enum parameter with a default."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    options = list(allowed)
    if not isinstance(raw, str) or raw not in options:
        raise InvalidParameter(f"Invalid request parameter. '{name}' must be one of {', '.join(options)}.")
    return raw


def optional_int(body: Mapping[str, Any], name: str) -> int | None:
    """An optional int64 field (Unix seconds): strings, bools and fractions are refused. An integral number
    written ``1700000000.0`` is read as the integer JSON Schema (and the contract) says it is (UNCERTAIN: a Go
    decoder into int64 refuses it; the gateway's decoder is not documented)."""
    value = body.get(name)
    if value is None:
        return None
    number = json_int(value)
    if number is None or not INT64[0] <= number <= INT64[1]:
        raise InvalidParameter(f"Invalid request parameter. '{name}' must be an integer.")
    return number


def optional_str(body: Mapping[str, Any], name: str, *, max_length: int | None = None) -> str | None:
    """An optional string field."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParameter(f"Invalid request parameter. '{name}' must be a string.")
    if max_length is not None and len(value) > max_length:
        raise InvalidParameter(f"Invalid request parameter. '{name}' must be at most {max_length} characters.")
    return value


def required_str(body: Mapping[str, Any], name: str, *, max_length: int | None = None) -> str:
    """A required, non-empty string field."""
    value = optional_str(body, name, max_length=max_length)
    if not value:
        raise InvalidParameter(f"Invalid request parameter. '{name}' is required.")
    return value


def optional_bool(body: Mapping[str, Any], name: str) -> bool | None:
    """An optional boolean field."""
    value = body.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise InvalidParameter(f"Invalid request parameter. '{name}' must be a boolean.")


def str_list(body: Mapping[str, Any], name: str, *, max_items: int | None = None) -> list[str] | None:
    """An optional array of strings (ids are strings in every TikTok model; numbers are refused)."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParameter(f"Invalid request parameter. '{name}' must be an array of strings.")
    if max_items is not None and len(value) > max_items:
        raise InvalidParameter(f"Invalid request parameter. '{name}' accepts at most {max_items} items.")
    return list(value)


def ids_param(query: Mapping[str, str], name: str, *, max_items: int) -> list[str]:
    """A required comma-separated id list in the query (``ids=1,2,3``)."""
    raw = query.get(name, "")
    if "," not in raw:  # one id: what an OMS polling an order sends
        one = raw.strip()
        ids = [one] if one else []
    else:
        ids = [part for part in (text.strip() for text in raw.split(",")) if part]
    if not ids:
        raise InvalidParameter(f"Invalid request parameter. '{name}' is required.")
    if len(ids) > max_items:
        raise InvalidParameter(f"Invalid request parameter. '{name}' accepts at most {max_items} ids.")
    return list(dict.fromkeys(ids))


def time_range(body: Mapping[str, Any], prefix: str) -> tuple[int | None, int | None]:
    """``{prefix}_ge`` / ``{prefix}_lt`` bounds in Unix seconds."""
    return optional_int(body, f"{prefix}_ge"), optional_int(body, f"{prefix}_lt")


def money(body: Mapping[str, Any], name: str) -> Decimal | None:
    """An optional money string (``"12.50"``: TikTok sends amounts as decimal strings, two places at most)."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not _MONEY.match(value):
        raise InvalidParameter(f"Invalid request parameter. '{name}' must be a decimal string such as \"12.50\".")
    return Decimal(value)


def optional_object(body: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """An optional JSON object field."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidParameter(f"Invalid request parameter. '{name}' must be an object.")
    return value


def sku_quantities(body: Mapping[str, Any], name: str = "skus", *, max_items: int = 100) -> list[tuple[str, int]] | None:
    """An optional ``[{sku_id: str, quantity: int >= 1}]`` list (Cancel Order, Create Return)."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > max_items:
        raise InvalidParameter(f"Invalid request parameter. '{name}' must be an array of at most {max_items} "
                               "{sku_id, quantity} objects.")
    found: list[tuple[str, int]] = []
    for item in value:
        if not isinstance(item, dict):
            raise InvalidParameter(f"Invalid request parameter. '{name}' items must be objects.")
        sku_id = required_str(item, "sku_id", max_length=64)
        quantity = json_int(item.get("quantity"))  # 2.0 is the integer 2 (JSON Schema)
        if quantity is None or not 1 <= quantity <= INT32[1]:
            raise InvalidParameter(f"Invalid request parameter. '{name}.quantity' must be a positive integer.")
        found.append((sku_id, quantity))
    return found
