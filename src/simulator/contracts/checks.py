"""Checks the vendors' own answers need: a business-code envelope rejects with HTTP 200 and a non-zero code.

TikTok Shop (and its business API the SFCC cartridge notifies) answer many refusals with HTTP 200 and
``{"code": <non-zero>, ...}``; schemathesis' ``negative_data_rejection`` reads only the status. The contract
settings of those operations turn the built-in check off and this one on: it counts a non-zero ``code`` as the
rejection it is, and otherwise applies the built-in check unchanged (with all its care for values that
serialization makes valid).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.specs.openapi.checks import negative_data_rejection


def business_code(response: Any) -> int | None:
    """The envelope's integer ``code`` (None: not a JSON object with one)."""
    try:
        body = response.json()
    except (ValueError, TypeError):
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


@schemathesis.check
def envelope_negative_data_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-violating data is rejected: a 4xx, or HTTP 200 with a non-zero business ``code``."""
    code = business_code(response)
    if code is None:
        return None  # not an envelope API: the built-in check (when enabled) is the judge
    if code != 0:
        return None
    result: bool | None = negative_data_rejection(ctx, response, case)
    return result
