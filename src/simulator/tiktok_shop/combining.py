"""PKG-2 on the Fulfillment API: Search Combinable Packages, Combine Package, Uncombine Packages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from simulator.tiktok_shop import errors as E
from simulator.tiktok_shop import params as P
from simulator.tiktok_shop.paging import fingerprint, paginate

if TYPE_CHECKING:
    from simulator.tiktok_shop.backend import TikTokBackend
    from simulator.tiktok_shop.catalog import Shop


def search_combinable(backend: TikTokBackend, shop: Shop, query: Mapping[str, str]) -> dict[str, Any]:
    """Search Combinable Packages: ``combinable_packages[{id, order_ids}]``, ``page_size`` 1-50."""
    size = P.page_size(query, maximum=50)
    groups = backend.engine.combinable_groups(shop.id)
    page = paginate(groups, lambda g: (0, g[0]), descending=False, size=size,
                    token=query.get("page_token") or None, fp=fingerprint(shop.id, "combinable"))
    return {"combinable_packages": [{"id": gid, "order_ids": list(ids)} for gid, ids in page.items],
            "next_page_token": page.next_page_token, "total_count": page.total_count}


def combine(backend: TikTokBackend, shop: Shop, body: Mapping[str, Any]) -> dict[str, Any]:
    """Combine Package: each ``combinable_packages[{id, order_ids}]`` becomes one package, or one ``errors`` row.

    A group applies whole or not at all; the groups are independent (the SDK's per-package ``errors``).
    """
    groups = body.get("combinable_packages")
    if not isinstance(groups, list) or not groups or not all(isinstance(g, dict) for g in groups):
        raise E.InvalidParameter("Invalid request parameter. 'combinable_packages' must be a non-empty array of "
                                 "objects.")
    wanted = [(P.required_str(g, "id", max_length=64), P.str_list(g, "order_ids", max_items=50)) for g in groups]
    if any(order_ids is None for _, order_ids in wanted):
        raise E.InvalidParameter("Invalid request parameter. 'order_ids' is required.")
    packages: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for group_id, order_ids in ((g, list(o or [])) for g, o in wanted):
        offered = dict(backend.engine.combinable_groups(shop.id)).get(group_id)
        try:
            if offered is None or len(order_ids) < 2 or any(o not in offered for o in order_ids):
                raise E.InvalidCombine(f"{E.InvalidCombine.default_message} {group_id} with orders {order_ids} is "
                                       "not a combinable package of this shop now (PKG-2)", rule="PKG-2")
            with backend.engine_errors("fulfillment"):
                package = backend.engine.combine_orders(order_ids)
            packages.append({"id": package.id, "order_ids": list(package.order_ids)})
        except E.TikTokError as exc:
            errors.append({"code": exc.code, "message": exc.message, "detail": {"package_id": group_id}})
    return {"packages": packages, "errors": errors}


def uncombine(backend: TikTokBackend, shop: Shop, package_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Uncombine Packages: the named ``order_ids`` leave the combined package; answers ``packages[{id, order_ids}]``."""
    package = backend.engine.packages.get(package_id)
    if package is None or backend.engine.orders[package.order_id].shop_id != shop.id:
        raise E.PackageNotFound(f"Package {package_id} not found.", rule="PKG-2")
    order_ids = P.str_list(body, "order_ids", max_items=50) or []
    with backend.engine_errors("fulfillment"):
        result = backend.engine.uncombine_package(package.id, order_ids)
    return {"packages": [{"id": p.id, "order_ids": list(p.order_ids)} for p in result]}
