"""The API version alias table: newer TikTok version paths answered by the handler of an older one (data)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

VERSIONED = re.compile(r"^/(?P<module>[a-z_]+)/(?P<version>\d{6})(?P<rest>/.*)?$")


@dataclass(frozen=True)
class Alias:
    """``path`` (a Flask rule) answers ``method`` exactly as ``of`` does, or, with ``reshape``, renders the
    same backend answer in the shape that version documents (``reshape`` names a renderer in routes.py).

    ``source`` names the vendor fact (or UNCERTAIN choice) behind the alias.
    """

    path: str
    of: str
    method: str
    source: str
    reshape: str | None = None

    @property
    def version(self) -> str:
        """The version segment of ``path``."""
        match = VERSIONED.match(self.path)
        assert match is not None, self.path
        return match["version"]


# Newer versions real clients call for routes the mock serves. Sources: the vendor fact sheet (docs/tiktok_shop.md
# "API versions"), public client code calling the path, or the issue that asked for it (UNCERTAIN: no public page).
ALIASES: tuple[Alias, ...] = (
    Alias("/order/202507/orders", "/order/202309/orders", "GET",
          "Get Order Detail 202507: the SDK's response fields diffed identical to 202309"),
    Alias("/order/202507/orders/search", "/order/202309/orders/search", "POST",
          "Get Order List 202507: called by public client code; same response assumed (UNCERTAIN)"),
    Alias("/return_refund/202602/cancellations", "/return_refund/202309/cancellations", "POST",
          "Cancel Order 202602: same fields plus order_line_list[]"),
    Alias("/return_refund/202602/cancellations/search", "/return_refund/202309/cancellations/search", "POST",
          "Search Cancellations 202602: same fields"),
    Alias("/return_refund/202602/returns/search", "/return_refund/202309/returns/search", "POST",
          "Search Returns 202602: the same filters and return_orders[] (returns fact sheet)"),
    Alias("/fulfillment/202610/orders/<order_id>/shipping_info/update",
          "/fulfillment/202309/orders/<order_id>/shipping_info/update", "POST",
          "Update Shipping Info 202610: named by issue 14; no public page found (UNCERTAIN)"),
    Alias("/fulfillment/202610/packages/<package_id>/shipping_info/update",
          "/fulfillment/202309/packages/<package_id>/shipping_info/update", "POST",
          "Update Package Shipping Info 202610: named by issue 14; no public page found (UNCERTAIN)"),
    Alias("/fulfillment/202610/orders/<order_id>/packages", "/fulfillment/202309/orders/<order_id>/packages", "POST",
          "Mark Package As Shipped 202610: named by issue 14; no public page found (UNCERTAIN)"),
    Alias("/logistics/202604/orders/<order_id>/tracking", "/fulfillment/202309/orders/<order_id>/tracking", "GET",
          "Get Logistics Tracking 202604: the same carrier events in the documented logistics_details shape",
          reshape="logistics_tracking"),
)


def aliases_of(path: str, methods: Iterable[str]) -> list[Alias]:
    """The aliases answering like ``path`` for one of ``methods``."""
    wanted = set(methods)
    return [a for a in ALIASES if a.of == path and a.method in wanted]


def other_versions(path: str, served: Iterable[str]) -> list[str]:
    """``path`` with its version segment replaced by each other version ``served`` uses in the same module."""
    match = VERSIONED.match(path)
    if match is None:
        return []
    module, version, rest = match["module"], match["version"], match["rest"] or ""
    versions = {m["version"] for m in map(VERSIONED.match, served) if m is not None and m["module"] == module}
    return [f"/{module}/{v}{rest}" for v in sorted(versions - {version})]
