"""Fulfillment and logistics operations: ship, package detail/search, shipping info updates, tracking, options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from simulator.engine import Order, Package, PackageStatus
from simulator.tiktok_shop import errors as E
from simulator.tiktok_shop import params as P
from simulator.tiktok_shop.catalog import Provider
from simulator.tiktok_shop.paging import Source, fingerprint, search, within

if TYPE_CHECKING:
    from simulator.tiktok_shop.backend import TikTokBackend
    from simulator.tiktok_shop.catalog import Shop


def _package(backend: TikTokBackend, shop: Shop, package_id: str) -> tuple[Package, Order]:
    package = backend.engine.packages.get(package_id)
    if package is None or backend.engine.orders[package.order_id].shop_id != shop.id:
        raise E.PackageNotFound(f"Package {package_id} not found.", rule="FUL-2")
    return package, backend.engine.orders[package.order_id]


def _order(backend: TikTokBackend, shop: Shop, order_id: str) -> Order:
    order = backend.engine.orders.get(order_id)
    if order is None or order.shop_id != shop.id:
        raise E.FulfillmentOrderNotFound(f"Order {order_id} not found.")
    return order


def _provider(backend: TikTokBackend, order: Order, provider_id: str) -> Provider:
    option = backend.delivery_option_for(order)
    provider = option.provider(provider_id) if option else None
    if provider is None:
        raise E.InvalidShippingProvider(
            f"shipping_provider_id {provider_id} is not offered by delivery option {order.delivery_option_id}.",
            rule="FUL-2",
        )
    return provider


def _tracking(body: Mapping[str, Any]) -> tuple[str, str]:
    tracking = P.optional_str(body, "tracking_number", max_length=64)
    provider_id = P.optional_str(body, "shipping_provider_id")
    if not tracking or not tracking.strip():
        raise E.TrackingNumberRequired(rule="FUL-1")
    if not provider_id:
        raise E.ShippingProviderRequired(rule="FUL-1")
    return tracking.strip(), provider_id


def ship_package(backend: TikTokBackend, shop: Shop, package_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Ship Package with ``self_shipment{tracking_number, shipping_provider_id}`` (FUL-1; refusals FUL-2)."""
    package, order = _package(backend, shop, package_id)
    with backend.engine_errors("fulfillment"):
        backend.engine.check_ship(package.id)  # HOLD-2 / FUL-2 state refusals before input errors
    handover = P.choice(body, "handover_method", ("PICKUP", "DROP_OFF"), "DROP_OFF")
    self_shipment = body.get("self_shipment")
    if order.shipping_type == "TIKTOK":  # PKG-4: TikTok's label and carrier; the seller's tracking is refused
        if self_shipment is not None:
            raise E.BusinessTypeNotSupported(_TIKTOK_SHIPS, rule="PKG-4")
        option = backend.delivery_option_for(order)
        provider = option.providers[0] if option and option.providers else None
        with backend.engine_errors("fulfillment"):
            backend.engine.ship_package(package.id, tracking_number=f"TT{package.id[-12:]}",
                                        shipping_provider_id=provider.id if provider else "tiktok",
                                        shipping_provider_name=provider.name if provider else "TikTok Shipping",
                                        handover_method=handover, by_platform=True)
        return {}
    if not isinstance(self_shipment, dict):
        raise E.TrackingNumberRequired("self_shipment{tracking_number, shipping_provider_id} is required for "
                                       "seller shipping.", rule="FUL-1")
    tracking, provider_id = _tracking(self_shipment)
    provider = _provider(backend, order, provider_id)
    with backend.engine_errors("fulfillment"):
        backend.engine.ship_package(package.id, tracking_number=tracking, shipping_provider_id=provider.id,
                                    shipping_provider_name=provider.name, handover_method=handover)
    return {}


_TIKTOK_SHIPS = ("This interface cannot be used in this region or this business type: TikTok ships this order "
                 "(shipping_type TIKTOK) with its own label; the seller's tracking is not accepted (PKG-4)")
# API doc: Mark Package As Shipped serves these markets only (elsewhere 21008106).
MARK_SHIPPED_MARKETS = frozenset({"US", "UK", "ES", "IE", "IT", "DE", "FR", "JP"})


def _line_ids(body: Mapping[str, Any], name: str = "order_line_item_ids") -> list[str]:
    """``order_line_item_ids[]`` and/or the newer ``order_line_list[]{order_line_id, sub_item_id}``."""
    lines = P.str_list(body, name, max_items=500) or []
    listed = body.get("order_line_list")
    if listed is not None:
        if not isinstance(listed, list) or not all(isinstance(i, dict) for i in listed):
            raise E.InvalidParameter("Invalid request parameter. 'order_line_list' must be an array of objects.")
        lines += [P.required_str(i, "order_line_id", max_length=64) for i in listed]
    return lines


def mark_package_shipped(backend: TikTokBackend, shop: Shop, order_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Mark Package As Shipped (PKG-3): the named units ship as one package with the seller's tracking."""
    order = _order(backend, shop, order_id)
    if order.shipping_type == "TIKTOK":
        raise E.BusinessTypeNotSupported(_TIKTOK_SHIPS, rule="PKG-4")
    if shop.region not in MARK_SHIPPED_MARKETS:
        raise E.BusinessTypeNotSupported(f"{E.BusinessTypeNotSupported.default_message} Mark Package As Shipped "
                                         f"serves {', '.join(sorted(MARK_SHIPPED_MARKETS))} shops (PKG-3)",
                                         rule="PKG-3")
    lines = _line_ids(body) or [  # none named: every unshipped unit (UNCERTAIN reading of the doc)
        li.id for li in order.line_items if li.status.value != "CANCELLED"
        and li.id in backend.engine.packages[li.package_id].line_item_ids
        and backend.engine.packages[li.package_id].status == PackageStatus.TO_FULFILL]
    tracking, provider_id = _tracking(body)
    provider = _provider(backend, order, provider_id)
    with backend.engine_errors("fulfillment"):
        package = backend.engine.mark_package_shipped(order.id, lines, tracking_number=tracking,
                                                      shipping_provider_id=provider.id,
                                                      shipping_provider_name=provider.name)
    return {"order_id": order.id, "order_line_item_ids": list(package.line_item_ids), "package_id": package.id}


def split_order(backend: TikTokBackend, shop: Shop, order_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Split Orders (PKG-1): ``splittable_groups[{id, order_line_item_ids}]`` (or ``splittable_groups_v2``).

    Answers ``packages[{id, order_line_item_ids}]``, one package per group in the given order (UNCERTAIN:
    the response shape; the SDK types name the groups' own ``id`` only on the request).
    """
    order = _order(backend, shop, order_id)
    name = "splittable_groups_v2" if body.get("splittable_groups_v2") else "splittable_groups"
    groups = body.get(name) if body.get(name) is not None else []
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise E.InvalidParameter(f"Invalid request parameter. '{name}' must be an array of objects.")
    if not groups:
        raise E.InvalidSplit(f"{E.InvalidSplit.default_message} '{name}' names no group (PKG-1)", rule="PKG-1")
    for group in groups:
        P.optional_str(group, "id", max_length=64)
    with backend.engine_errors("fulfillment"):
        packages = backend.engine.split_order(order.id, [_line_ids(g) for g in groups])
    return {"packages": [{"id": p.id, "order_line_item_ids": list(p.line_item_ids)} for p in packages]}


def split_attributes(backend: TikTokBackend, shop: Shop, query: Mapping[str, str]) -> dict[str, Any]:
    """Get Order Split Attributes: whether each order can be split now (PKG-1)."""
    rows = []
    for order_id in P.ids_param(query, "order_ids", max_items=50):
        order = _order(backend, shop, order_id)
        engine = backend.engine
        unshipped = [li for p in order.package_ids if engine.packages[p].status == PackageStatus.TO_FULFILL
                     for li in engine.packages[p].line_item_ids]
        state_ok = order.status.value in ("AWAITING_SHIPMENT", "PARTIALLY_SHIPPING")
        reason = "" if state_ok and len(unshipped) > 1 else (
            "ORDER_STATUS_NOT_SUPPORT" if not state_ok else "ONLY_ONE_ITEM")
        rows.append({"order_id": order.id, "can_split": not reason, "reason": reason, "must_split": False})
    return {"split_attributes": rows}


def package_detail(backend: TikTokBackend, shop: Shop, package_id: str) -> dict[str, Any]:
    """Get Package Detail."""
    package, order = _package(backend, shop, package_id)
    return backend.serializer.package(package, order, backend.engine.package_orders(package))


def search_packages(backend: TikTokBackend, shop: Shop, query: Mapping[str, str], body: Mapping[str, Any]) -> dict[str, Any]:
    """Search Package: ``page_size`` 1-50, time ranges and ``package_status``."""
    size = P.page_size(query, maximum=50)
    sort_field = P.choice(query, "sort_field", ("create_time", "update_time", "order_pay_time"), "create_time")
    descending = P.choice(query, "sort_order", ("ASC", "DESC"), "DESC") == "DESC"
    status = P.choice(body, "package_status", [s.value for s in PackageStatus], "")
    created, updated = P.time_range(body, "create_time"), P.time_range(body, "update_time")
    engine = backend.engine
    ranges = {"create_time": created, "update_time": updated}
    given = {k for k, v in ranges.items() if v != (None, None) and k != sort_field} | ({"status"} if status else set())
    sources = [Source((("shop", shop.id),), exact=not given)]
    if status:
        sources.append(Source((("status", shop.id, status),), exact=given == {"status"}))

    def keep(package_id: str) -> bool:
        p = engine.packages[package_id]
        c, u = int(p.create_time.timestamp()), int(p.update_time.timestamp())
        return (not status or p.status == status) and within(c, created) and within(u, updated)

    page = search(engine.index.packages, sort_field, sources, ranges.get(sort_field, (None, None)), keep,
                  descending=descending, size=size, token=query.get("page_token") or None,
                  fp=fingerprint(shop.id, status, created, updated, sort_field, descending))
    return {"packages": [backend.serializer.package_summary(engine.packages[i]) for i in page.items],
            "next_page_token": page.next_page_token, "total_count": page.total_count}


def update_package_shipping_info(
    backend: TikTokBackend, shop: Shop, package_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Update Package Shipping Info (72 h after shipping, FUL-1)."""
    package, order = _package(backend, shop, package_id)
    if order.shipping_type == "TIKTOK":
        raise E.BusinessTypeNotSupported(_TIKTOK_SHIPS, rule="PKG-4")
    tracking, provider_id = _tracking(body)
    provider = _provider(backend, order, provider_id)
    if package.status in (PackageStatus.COMPLETED, PackageStatus.CANCELLED):
        raise E.ShippingInfoLocked(rule="FUL-1")
    with backend.engine_errors("fulfillment"):
        backend.engine.update_shipping_info(package.id, tracking_number=tracking, shipping_provider_id=provider.id,
                                            shipping_provider_name=provider.name)
    return {}


def update_order_shipping_info(
    backend: TikTokBackend, shop: Shop, order_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Update Shipping Info (order level; split orders must use the package variant)."""
    order = _order(backend, shop, order_id)
    if len(order.package_ids) > 1:
        raise E.MultiplePackages()
    return update_package_shipping_info(backend, shop, order.package_ids[0], body)


# The carrier events of a package: (stage, description, action_code, action_code_name); codes and names as the
# Get Logistics Tracking 202604 page and changelog show them (pkg_shipped, pickup_success, signed_personally).
TRACKING_STAGES = (("rts_time", "Shipping label created, {carrier} awaiting item", 20101, "pkg_shipped"),
                   ("collection_time", "Package picked up by {carrier}, in transit", 30901, "pickup_success"),
                   ("delivery_time", "Package delivered", 50101, "signed_personally"))


def parcels(backend: TikTokBackend, shop: Shop, order_id: str) -> list[dict[str, Any]]:
    """The order's packages with their carrier events, newest first (same-instant events by stage)."""
    order = _order(backend, shop, order_id)
    found = []
    for package in (backend.engine.packages[p] for p in order.package_ids):
        carrier = package.shipping_provider_name or "the carrier"
        events = []
        for stage, (attr, text, code, name) in enumerate(TRACKING_STAGES):
            when = getattr(package, attr)
            if when is not None:
                events.append((int(when.timestamp() * 1000), stage, text.format(carrier=carrier), code, name))
        events.sort(reverse=True)
        found.append({"tracking_number": package.tracking_number or "", "carrier_name":
                      package.shipping_provider_name or "", "events": [
                          {"update_time_millis": ms, "stage": stage, "description": text, "action_code": code,
                           "action_code_name": name} for ms, stage, text, code, name in events]})
    return found


def tracking(backend: TikTokBackend, shop: Shop, order_id: str) -> dict[str, Any]:
    """Get Tracking: carrier events of the order's packages, newest first (``update_time_millis``)."""
    events = sorted(((e["update_time_millis"], e["stage"], e["description"]) for p in parcels(backend, shop, order_id)
                     for e in p["events"]), reverse=True)
    return {"tracking": [{"description": text, "update_time_millis": ms} for ms, _, text in events]}


def logistics_tracking(backend: TikTokBackend, shop: Shop, order_id: str) -> dict[str, Any]:
    """Get Logistics Tracking (202604): the same events, one ``logistics_details`` entry per package.

    The real API answers cross-border (CBT) orders only; the mock serves every shop unless the setting
    ``logistics_tracking_cbt_only`` is on (then a LOCAL shop's order is 11007009, as documented).
    """
    if backend.settings["logistics_tracking_cbt_only"] and shop.seller_type != "CROSS_BORDER":
        _order(backend, shop, order_id)  # an unknown order is still "not found" first
        raise E.UnsupportedBusinessScene()
    return {"order_id": order_id, "logistics_details": [
        {"newest_tracking_no": p["tracking_number"], "carrier_name": p["carrier_name"], "track_list": [
            {"description": e["description"], "tracking_no": p["tracking_number"],
             "update_time_millis": e["update_time_millis"], "action_code": e["action_code"],
             "action_code_name": e["action_code_name"]} for e in p["events"]]}
        for p in parcels(backend, shop, order_id)]}


def warehouses(backend: TikTokBackend, shop: Shop) -> dict[str, Any]:
    """Get Warehouse List."""
    return {"warehouses": [backend.serializer.warehouse(w) for w in backend.catalog.shop_warehouses(shop.id)]}


def delivery_options(backend: TikTokBackend, shop: Shop, warehouse_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    """Get Warehouse Delivery Options."""
    P.choice(query, "scope", ("WAREHOUSE", "PRODUCT"), "WAREHOUSE")
    warehouse = backend.catalog.warehouses.get(warehouse_id)
    if warehouse is None or warehouse.shop_id != shop.id:
        raise E.WarehouseNotFound(f"Warehouse {warehouse_id} not found.")
    options = [backend.catalog.delivery_options[i] for i in warehouse.delivery_option_ids]
    return {"delivery_options": [backend.serializer.delivery_option(o) for o in options]}


def shipping_providers(backend: TikTokBackend, shop: Shop, option_id: str) -> dict[str, Any]:
    """Get Shipping Providers of a delivery option (FUL-1 reads ``shipping_provider_id`` here)."""
    option = backend.catalog.delivery_options.get(option_id)
    if option is None or option.region != shop.region:
        raise E.DeliveryOptionNotFound(f"Delivery option {option_id} not found.")
    return {"shipping_providers": [{"id": p.id, "name": p.name} for p in option.providers]}
