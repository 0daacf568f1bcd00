"""The instance's orders: CreateExternalOrder, Shop PATCH, Data API status PUTs, safeguard records (SFCC-3)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from simulator.clock import Clock
from simulator.journal import Journal
from simulator.sfcc import errors as E
from simulator.sfcc.attributes import apply_custom, sync_status_pair
from simulator.sfcc.config import SfccConfig
from simulator.sfcc.create import Catalog, CreateRefused, ExternalOrder, build_order, create_response, place
from simulator.sfcc.hooks import after_patch
from simulator.sfcc.models import (
    CHANNEL_STATUS_CANCELLED,
    CONFIRMATION_STATUSES,
    EXPORT_EXPORTED,
    EXPORT_READY,
    EXPORT_STATUSES,
    LINE_CANCELLED,
    ORDER_STATUSES,
    PAYMENT_STATUSES,
    SHIPPING_STATUSES,
    SafeguardRecord,
    SfccOrder,
    Site,
)
from simulator.sfcc.search_index import SearchIndex

PLACED = frozenset({"new", "open", "completed"})
_PLACED = 10  # values a placement notes for its safeguard records (OrderBook._safeguard)
# Order document properties a PATCH may carry but OCAPI does not consider (ignored, not refused).
READ_ONLY = frozenset({
    "_v", "_type", "_resource_state", "order_no", "order_token", "confirmation_status", "export_status",
    "payment_status", "external_order_status", "channel_type", "created_by", "creation_date", "last_modified",
    "currency", "customer_name", "customer_info", "billing_address", "shipments", "shipping_items",
    "payment_instruments", "order_price_adjustments", "coupon_items", "bonus_discount_line_items",
    "gift_certificate_items", "notes", "order_total", "product_sub_total", "product_total", "shipping_total",
    "shipping_total_tax", "tax_total", "merchandize_total_tax", "adjusted_merchandize_total_tax",
    "adjusted_shipping_total_tax", "taxation", "site_id", "source_code", "global_party_id",
})
ITEM_READ_ONLY = frozenset({
    "_type", "item_id", "product_id", "product_name", "item_text", "quantity", "price", "base_price",
    "price_after_item_discount", "price_after_order_discount", "tax", "adjusted_tax", "tax_basis", "tax_class_id",
    "tax_rate", "shipment_id", "bonus_product_line_item", "gift", "inventory_id", "option_items", "price_adjustments",
})
STATUS_FIELDS = {
    "status": ORDER_STATUSES + ("failed_with_reopen",), "export_status": EXPORT_STATUSES,
    "confirmation_status": CONFIRMATION_STATUSES, "payment_status": PAYMENT_STATUSES,
    "shipping_status": SHIPPING_STATUSES,
}


def transition_allowed(old: str, new: str) -> bool:
    """``dw.order.Order.setStatus`` plus CREATED->FAILED (SCAPI-ORD transitions)."""
    if old == new:
        return True
    if old == "created":
        return new in PLACED | {"cancelled", "failed"}
    if old == "failed":
        return new == "created"
    if old in PLACED:
        return new in PLACED | {"cancelled"}
    if old == "cancelled":
        return new in PLACED
    return False


def _tiktok_view(order: SfccOrder) -> tuple[Any, ...]:
    # What the order feed tells TikTok; a change here makes the order feed-ready again.
    return (order.status, order.shipping_status, order.custom.get("externalChannelOrderStatus"),
            order.custom.get("externalReturnStatus"),
            tuple((i.custom.get("externalLineItemStatus"), i.custom.get("trackingNumber"), i.custom.get("carrier"))
                  for i in order.product_items),
            tuple(s.tracking_number for s in order.shipments))


class OrderBook:
    """All orders of the instance, by number; every change is validated on a copy, then swapped in."""

    def __init__(self, config: SfccConfig, clock: Clock, journal: Journal, catalog: Catalog) -> None:
        self.config, self.clock, self.journal, self.catalog = config, clock, journal, catalog
        self.orders: dict[str, SfccOrder] = {}
        self.by_external: dict[tuple[str, str], str] = {}
        self._by_order_id: dict[str, str] = {}
        self.ready: set[str] = set()  # TikTok orders whose export status is READY (the export job's work list)
        self.index = SearchIndex()  # order_search's postings (simulator.sfcc.search_index)
        self._safeguards: list[SafeguardRecord] = []
        # Placements whose safeguard records are not built yet: _PLACED values each, end to end (no tuple
        # per order for the collector to scan).
        self._placed: list[Any] = []
        self.listeners: list[Callable[[SfccOrder], None]] = []
        self._next_no = 1
        # The entries every placement writes (SFCC-1, SFCC-3), bound once.
        self._created = journal.recorder("sfcc.order.created", "order_id", "order_no", "site_id", "status", "rule")
        self._exported = journal.recorder("sfcc.order.exported", "order_id", "order_no", "rule")  # per order and run
        self._export_undone = journal.recorder("sfcc.order.export_undone", "order_id", "order_no", "rule")
        self._captured = journal.recorder("sfcc.safeguard.payment_capture", "order_id", "order_no", "performed",
                                          "let_out", "rule", "amount", "currency", "payment_method")
        self._emailed = journal.recorder("sfcc.safeguard.order_confirmation_email", "order_id", "order_no",
                                         "performed", "let_out", "rule", "to")

    # -- reading -------------------------------------------------------------------------------------
    def site(self, site_id: str) -> Site:
        """The site, or SiteNotFoundException."""
        site = self.config.sites.get(site_id)
        if site is None:
            raise E.SiteNotFoundException(f"No site with id '{site_id}' was found.", siteId=site_id)
        return site

    def get(self, site_id: str, order_no: str) -> SfccOrder:
        """The order, or OrderNotFoundException."""
        self.site(site_id)
        order = self.orders.get(order_no)
        if order is None or order.site_id != site_id:
            raise E.OrderNotFoundException(f"No order with number '{order_no}' was found.", orderNo=order_no)
        return order

    def find_external(self, external_id: str) -> SfccOrder | None:
        """The order created for a TikTok order id (any site)."""
        order_no = self._by_order_id.get(external_id)
        return self.orders[order_no] if order_no is not None else None

    # -- CreateExternalOrder -------------------------------------------------------------------------
    def create_external(self, site_id: str, body: Any) -> dict[str, Any]:
        """Create and place a TikTok order (SFCC-1); duplicates refused with the existing order (SFCC-2)."""
        external = body.get("c_externalOrderId") if isinstance(body, dict) else None
        return self._create(site_id, external, lambda site, no: build_order(body, site, no, self.clock.now(),
                                                                             self.catalog))

    def create_placed(self, site_id: str, request: ExternalOrder) -> dict[str, Any]:
        """:meth:`create_external` of the body ``request`` stands for (the in-process connector's call)."""
        return self._create(site_id, request.external_id,
                            lambda site, no: place(request, site, no, self.clock.now(), self.catalog))

    def _create(self, site_id: str, external: Any, build: Callable[[Site, str], SfccOrder]) -> dict[str, Any]:
        site = self.config.sites.get(site_id)
        if site is None:
            raise CreateRefused({"error": True, "msg": f"Exception: site {site_id} not found"})
        external_id = str(external)  # what the built order's c_externalOrderId holds
        existing = self.by_external.get((site_id, external_id))
        if existing is not None:
            self.journal.record("sfcc.order.duplicate_refused", order_id=external_id, order_no=existing,
                                rule="SFCC-2")
            raise CreateRefused(create_response(self.orders[existing], "Order already exists"))
        order = build(site, f"{self._next_no:08d}")
        self._next_no += 1
        self.orders[order.order_no] = order
        self._track(order)
        self.by_external[(site_id, external_id)] = order.order_no
        self._by_order_id.setdefault(external_id, order.order_no)
        self._created(external_id, order.order_no, site_id, order.status, "SFCC-1")
        self._safeguard(site, order, external_id)
        self._changed(order)
        return create_response(order, f"Success Order Created with  order #{order.order_no}")

    @property
    def safeguards(self) -> list[SafeguardRecord]:
        """SFCC-3: the would-be captures and emails, two per placed order, in the order they happened."""
        if self._placed:  # built on first read from what each placement noted
            placed, self._placed = self._placed, []
            for n in range(0, len(placed), _PLACED):
                at, site_id, order_no, amount, currency, method, email, capture, emails, protected = placed[n:n + _PLACED]
                self._safeguards += (
                    SafeguardRecord(at, "payment_capture", site_id, order_no,
                                    {"amount": amount, "currency": currency, "payment_method": method},
                                    capture, capture and protected),
                    SafeguardRecord(at, "order_confirmation_email", site_id, order_no, {"to": email},
                                    emails, emails and protected))
        return self._safeguards

    def _safeguard(self, site: Site, order: SfccOrder, order_id: str) -> None:
        # SFCC-3: placing the order triggers a CAPTURE transaction and the confirmation email; a
        # non-production instance must have both switched off. Would-be actions are recorded either way
        # (the records themselves are built when first read: see safeguards).
        protected = self.config.environment != "production"
        payment = order.payment_instruments[0]  # placed with the order's total (build_order)
        now, order_no = self.clock.now(), order.order_no
        amount, currency, method, email = str(payment.amount), order.currency, payment.payment_method_id, \
            order.customer_email
        capture, emails = site.payment_capture, site.order_confirmation_emails
        self._placed += (now, site.id, order_no, amount, currency, method, email, capture, emails, protected)
        self._captured(order_id, order_no, capture, capture and protected, "SFCC-3", amount, currency, method)
        if capture and protected:
            self._violation(order_id, "payment_capture", order_no)
        self._emailed(order_id, order_no, emails, emails and protected, "SFCC-3", email)
        if emails and protected:
            self._violation(order_id, "order_confirmation_email", order_no)

    def _violation(self, order_id: str | None, kind: str, order_no: str) -> None:
        self.journal.record("sfcc.safeguard.violation", order_id=order_id, kind=kind, order_no=order_no,
                            environment=self.config.environment, rule="SFCC-3")

    # -- OCAPI Shop PATCH ----------------------------------------------------------------------------
    def patch(self, site_id: str, order_no: str, body: Any, state: Callable[[SfccOrder], str]) -> SfccOrder:
        """Apply status, ``shipping_status``, ``product_items`` and ``c_*`` then the cartridge hook; all or nothing."""
        if not isinstance(body, dict):
            raise E.BodyDecodingException("The request body must be a JSON object.")
        site, current = self.site(site_id), self.get(site_id, order_no)
        if "_resource_state" in body and body["_resource_state"] != state(current):
            raise E.ResourceStateConflictException(client=str(body["_resource_state"]), server=state(current))
        order = copy.deepcopy(current)
        defs = self.config.attributes.get("Order", {})
        for key, value in body.items():
            if key.startswith("c_"):
                apply_custom(order.custom, defs, key, value, "order")
            elif key == "status":
                self._set_status(order, value)
            elif key == "shipping_status":
                set_shipping_status(order, _enum(key, value, SHIPPING_STATUSES))
            elif key == "product_items":
                self._patch_items(order, value)
            elif key not in READ_ONLY:
                raise E.UnknownPropertyException(
                    f"The property '{key}' is unknown for document 'order'.", property=key, document="order")
        sync_status_pair(order.custom, "c_externalOrderStatus" in body, "c_externalChannelOrderStatus" in body)
        after_patch(order, site, body, self.clock.now().isoformat())
        self._commit(current, order, "sfcc.order.patched", action=body.get("c_orderAction"),
                     export_set="c_externalExportStatus" in body)
        return self.orders[order_no]

    def _patch_items(self, order: SfccOrder, items: Any) -> None:
        if not isinstance(items, list):
            raise E.PropertyConstraintViolationException("'product_items' must be an array.", property="product_items")
        defs = self.config.attributes.get("ProductLineItem", {})
        for raw in items:
            if not isinstance(raw, dict):
                raise E.PropertyConstraintViolationException("A product item must be an object.")
            key = raw.get("item_id") or raw.get("product_id")
            match = [i for i in order.product_items if key in (i.item_id, i.product_id)]
            if not match:
                raise E.ProductItemNotFoundException(f"No product item '{key}' in the order.", itemId=str(key))
            for prop, value in raw.items():
                if prop.startswith("c_"):
                    for item in match:
                        apply_custom(item.custom, defs, prop, value, "product_item")
                elif prop not in ITEM_READ_ONLY:
                    raise E.UnknownPropertyException(
                        f"The property '{prop}' is unknown for document 'product_item'.",
                        property=prop, document="product_item")

    def _set_status(self, order: SfccOrder, value: Any) -> None:
        new = _enum("status", value, ORDER_STATUSES + ("failed_with_reopen",))
        new = "failed" if new == "failed_with_reopen" else new
        if not transition_allowed(order.status, new):
            raise E.OrderStatusTransitionException(
                f"The order status can't be changed from '{order.status}' to '{new}'.",
                orderNo=order.order_no, currentStatus=order.status, newStatus=new)
        order.status = new

    # -- OCAPI Data API --------------------------------------------------------------------------------
    def put_status(self, site_id: str, order_no: str, field: str, body: Any) -> None:
        """``PUT /sites/{site}/orders/{no}/{field}`` with ``{"status": ...}`` (204)."""
        if not isinstance(body, dict):
            raise E.BodyDecodingException("The request body must be a JSON object.")
        current = self.get(site_id, order_no)
        if "status" not in body:
            raise E.PropertyConstraintViolationException("The property 'status' is required.", property="status")
        unknown = [k for k in body if k not in ("status", "_v", "_type")]
        if unknown:
            raise E.UnknownPropertyException(property=unknown[0], document="order_status_update_request")
        order = copy.deepcopy(current)
        if field == "external_status":
            value = body["status"]
            if not isinstance(value, str) or not 1 <= len(value) <= 256:
                raise E.PropertyConstraintViolationException("'status' must be a string of 1 to 256 characters.")
            order.external_order_status = value
        elif field == "status":
            self._set_status(order, body["status"])
        elif field == "shipping_status":
            set_shipping_status(order, _enum("status", body["status"], SHIPPING_STATUSES))
        else:
            setattr(order, field, _enum("status", body["status"], STATUS_FIELDS[field]))
        self._commit(current, order, "sfcc.order.status_put", field=field, value=body["status"])

    def data_patch(self, site_id: str, order_no: str, body: Any) -> None:
        """``PATCH /sites/{site}/orders/{no}``: custom attributes only (204)."""
        if not isinstance(body, dict):
            raise E.BodyDecodingException("The request body must be a JSON object.")
        current = self.get(site_id, order_no)
        order = copy.deepcopy(current)
        defs = self.config.attributes.get("Order", {})
        for key, value in body.items():
            if key.startswith("c_"):
                apply_custom(order.custom, defs, key, value, "order")
            elif key not in ("_v", "_type", "_resource_state"):
                raise E.UnknownPropertyException(property=key, document="order_update_request")
        sync_status_pair(order.custom, "c_externalOrderStatus" in body, "c_externalChannelOrderStatus" in body)
        self._commit(current, order, "sfcc.order.data_patched", export_set="c_externalExportStatus" in body)

    # -- internals ---------------------------------------------------------------------------------
    def _commit(self, current: SfccOrder, order: SfccOrder, kind: str, export_set: bool = False,
                **detail: Any) -> None:
        # A change TikTok would see makes the order feed-ready, unless the writer set the export status itself.
        if not export_set and _tiktok_view(order) != _tiktok_view(current):
            order.custom["externalExportStatus"] = EXPORT_READY
        order.revision += 1
        order.last_modified = self.clock.now()
        self.orders[order.order_no] = order
        self._track(order)
        self.journal.record(kind, order_id=order.external_order_id, order_no=order.order_no, **detail)
        self._changed(order)

    def _track(self, order: SfccOrder) -> None:
        self.index.file(order)
        if order.channel_type == "tiktok" and order.custom.get("externalExportStatus") == EXPORT_READY:
            self.ready.add(order.order_no)
        else:
            self.ready.discard(order.order_no)

    def index_problems(self) -> list[str]:
        """Where the READY set or the search index disagrees with a scan of the orders (simulator.invariants)."""
        problems = self.index.check(self.orders.values())
        ready = {o.order_no for o in self.orders.values()
                 if o.channel_type == "tiktok" and o.custom.get("externalExportStatus") == EXPORT_READY}
        if ready != self.ready:
            problems.append("the READY set disagrees with the orders' c_externalExportStatus")
        return problems

    def _changed(self, order: SfccOrder) -> None:
        for listener in self.listeners:
            listener(order)

    def mark_exported(self, order_no: str, exported: bool = True) -> None:
        """The export job wrote the order: ``c_externalExportStatus`` = EXPORTED(1) (READY(2) again: not delivered)."""
        order = self.orders[order_no]
        order.custom["externalExportStatus"] = EXPORT_EXPORTED if exported else EXPORT_READY
        order.revision += 1
        self._track(order)
        (self._exported if exported else self._export_undone)(order.external_order_id, order_no, "FUL-3")

    def channel_cancel(self, order_no: str) -> SfccOrder:
        """The pull job's cancel: lines and ``c_externalChannelOrderStatus`` to CANCELLED(6)."""
        current = self.orders.get(order_no)
        if current is None:
            raise E.OrderNotFoundException(orderNo=order_no)
        order = copy.deepcopy(current)
        for item in order.product_items:
            item.custom["externalLineItemStatus"] = LINE_CANCELLED
        order.custom.update(externalChannelOrderStatus=CHANNEL_STATUS_CANCELLED, externalOrderStatus="CANCELLED")
        self._commit(current, order, "sfcc.order.channel_cancelled")
        return order

    def apply_batch_status(self, order_no: str, order_status: str | None, shipping: str | None,
                           tracking: str | None = None, carrier: str | None = None) -> SfccOrder:
        """The batch-file / pull job's update of one order (any site); faults as for the Data API."""
        current = self.orders.get(order_no)
        if current is None:
            raise E.OrderNotFoundException(orderNo=order_no)
        order = copy.deepcopy(current)
        if order_status:
            self._set_status(order, order_status)
        if shipping:
            set_shipping_status(order, _enum("shipping_status", shipping, SHIPPING_STATUSES))
        if tracking:
            for shipment in order.shipments:
                shipment.tracking_number = tracking
            for item in order.product_items:
                item.custom["trackingNumber"] = tracking
                if carrier:
                    item.custom["carrier"] = carrier
        self._commit(current, order, "sfcc.order.batch_status", status=order_status, shipping_status=shipping)
        return order


def _enum(prop: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise E.EnumConstraintViolationException(
            f"The value '{value}' of property '{prop}' is not one of {', '.join(allowed)}.",
            property=prop, value=str(value))
    return value


def set_shipping_status(order: SfccOrder, value: str) -> None:
    """Order and shipment shipping status (single-shipment TikTok orders move together)."""
    order.shipping_status = value
    for shipment in order.shipments:
        shipment.shipping_status = "shipped" if value == "shipped" else "not_shipped"
