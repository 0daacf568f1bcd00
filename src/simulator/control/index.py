"""``GET /_sim/``: every control-plane call, read from the app's URL map so the list cannot go stale."""

from __future__ import annotations

import inspect
from typing import Any

# What a call takes, where the view's docstring does not spell it out.
USAGE = {
    "control.advance_clock": '{"seconds": n} | {"duration": "1h 30m"} | {"to": "2026-11-03T09:00:00Z"}',
    "control.buyer_place_order": '{"shop_id"?, "items"?: [{"sku_id", "quantity"}], "paid"?, "profile"?, '
                                 '"split_packages"?, "warehouse_id"?, "delivery_option_id"?, '
                                 '"shipping_type"?: "SELLER" | "TIKTOK", "handling_days"?, "shipping_days"?}',
    "control.buyer_cancel": '{"reason"?} (whole orders only: "line_item_ids" / "skus" naming some units are refused)',
    "control.buyer_return": '{"type": "RETURN_AND_REFUND" | "REFUND_ONLY", "reason"?, "skus"?: [{"sku_id", '
                            '"quantity"}], "line_item_ids"?, "shipment_type"?: "PLATFORM" | "BUYER_ARRANGE"}',
    "control.buyer_ship_return": '{"tracking_number"?, "provider"?}',
    "control.buyer_answer_offer": '{"accept": true | false}',
    "control.platform_cancel": '{"reason": "fraud" | "shipping_timeout" | "platform" | "package_lost", '
                               '"line_item_ids"? | "skus"?: [{"sku_id", "quantity"}]}',
    "control.get_journal": "?since=SEQ&kind=PREFIX",
    "control.get_ldr": "?start=ISO8601&end=ISO8601",
    "control.reset": '{"seed"?}',
}


def calls(app: Any, prefix: str = "control.") -> dict[str, Any]:
    """``{"calls": [{method, path, does, takes?}]}`` for every rule of the control blueprint, by path."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(prefix):
            continue
        doc = inspect.getdoc(app.view_functions[rule.endpoint]) or ""
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            call = {"method": method, "path": rule.rule, "does": doc.split("\n", 1)[0]}
            if rule.endpoint in USAGE:
                call["takes"] = USAGE[rule.endpoint]
            found.append(call)
    found.sort(key=lambda c: (c["path"], c["method"]))
    return {"calls": found, "docs": "README.md#control-plane-_sim-also-worldcontrol-in-python"}
