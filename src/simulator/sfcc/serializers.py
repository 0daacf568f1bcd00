"""OCAPI documents: ``order`` (snake_case, ``_v``, ``_type``, ``_resource_state``, ``c_*``) and search results."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from simulator.sfcc.models import Address, PaymentInstrument, ProductItem, SfccOrder, Shipment


def doc_version(url_version: str) -> str:
    """``v22_6`` -> ``22.6``."""
    return url_version.lstrip("v").replace("_", ".")


def resource_state(order: SfccOrder) -> str:
    """The hash a PATCH must echo unchanged (changes with every revision)."""
    return _state(order.order_no, order.revision, order.last_modified)


def _state(order_no: str, revision: int, last_modified: datetime) -> str:
    return hashlib.sha256(f"{order_no}:{revision}:{last_modified.isoformat()}".encode()).hexdigest()


def date_text(value: datetime, *, millis: bool = True) -> str:
    """SFCC's ``yyyy-MM-ddTHH:mm:ss.SSSZ`` (``millis=False``: ``.000`` always, as the impex feed writes it)."""
    fraction = f"{value.microsecond // 1000:03d}" if millis else "000"
    if value.year < 1000:  # strftime does not pad the year to four digits
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + fraction + "Z"
    return (f"{value.year}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
            f"{value.second:02d}.{fraction}Z")  # strftime's result, a third of its cost


_num = float  # OCAPI numbers are JSON numbers


def _custom(custom: dict[str, Any]) -> dict[str, Any]:
    return {f"c_{k}": v for k, v in sorted(custom.items())}


def address(value: Address) -> dict[str, Any]:
    """An ``order_address`` document."""
    doc: dict[str, Any] = {"_type": "order_address", "first_name": value.first_name, "last_name": value.last_name,
                           "full_name": value.full_name}
    for key in ("address1", "address2", "city", "postal_code", "state_code", "country_code", "phone"):
        if getattr(value, key):
            doc[key] = getattr(value, key)
    return doc


def _item(item: ProductItem) -> dict[str, Any]:
    price, tax = _num(item.price), _num(item.tax)  # each read once: a property, and conversions cost
    return {
        "_type": "product_item", "adjusted_tax": tax, "base_price": _num(item.base_price),
        "bonus_product_line_item": False, "gift": False, "item_id": item.item_id, "item_text": item.product_name,
        "price": price, "price_after_item_discount": price,
        "price_after_order_discount": price, "product_id": item.product_id,
        "product_name": item.product_name, "quantity": item.quantity, "shipment_id": item.shipment_id,
        "tax": tax, "tax_basis": price, "tax_class_id": "standard",
        "tax_rate": _num(item.tax_rate), **_custom(item.custom),
    }


def _shipment(order: SfccOrder, shipment: Shipment) -> dict[str, Any]:
    merch = tax = Decimal("0")
    for i in order.product_items:
        if i.shipment_id == shipment.shipment_id:
            merch += i.price
            tax += i.tax
    merch_tax, shipping_total, shipping_tax = _num(tax), _num(shipment.shipping_total), _num(shipment.shipping_tax)
    doc: dict[str, Any] = {
        "_type": "shipment", "adjusted_merchandize_total_tax": merch_tax,
        "adjusted_shipping_total_tax": shipping_tax, "gift": False,
        "merchandize_total_tax": merch_tax, "product_sub_total": _num(merch), "product_total": _num(merch),
        "shipment_id": shipment.shipment_id, "shipment_no": shipment.shipment_no,
        "shipment_total": _num(merch + tax + shipment.shipping_total + shipment.shipping_tax),
        "shipping_address": address(shipment.shipping_address),
        "shipping_method": {"_type": "shipping_method", "id": shipment.shipping_method_id,
                            "name": shipment.shipping_method_name, "price": shipping_total},
        "shipping_status": shipment.shipping_status, "shipping_total": shipping_total,
        "shipping_total_tax": shipping_tax, "tax_total": _num(tax + shipment.shipping_tax),
    }
    if shipment.tracking_number:
        doc["tracking_number"] = shipment.tracking_number
    doc.update(_custom(shipment.custom))
    return doc


def _payment(pi: PaymentInstrument) -> dict[str, Any]:
    return {"_type": "order_payment_instrument", "amount": _num(pi.amount),
            "payment_instrument_id": pi.payment_instrument_id,
            "payment_method_id": pi.payment_method_id}


def order_document(order: SfccOrder, version: str, *, custom: dict[str, Any] | None = None,
                   state: str | None = None) -> dict[str, Any]:
    """The OCAPI Shop ``order`` document (``custom``, ``state``: the custom attributes and resource state to show)."""
    product_total, product_tax = order.product_total, order.product_tax  # each a sum: computed once
    shipping_total, shipping_tax = order.shipping_total, order.shipping_tax
    merch_tax, ship_tax = _num(product_tax), _num(shipping_tax)
    doc: dict[str, Any] = {
        "_v": version, "_type": "order", "_resource_state": state or resource_state(order),
        "adjusted_merchandize_total_tax": merch_tax,
        "adjusted_shipping_total_tax": ship_tax,
        "billing_address": address(order.billing_address), "channel_type": order.channel_type,
        "confirmation_status": order.confirmation_status, "created_by": order.created_by,
        "creation_date": date_text(order.creation_date), "currency": order.currency,
        "customer_info": {"_type": "customer_info", "customer_id": f"cust-{order.order_token[:16]}",
                          "customer_name": order.customer_name, "email": order.customer_email},
        "customer_name": order.customer_name, "export_status": order.export_status,
        "last_modified": date_text(order.last_modified), "merchandize_total_tax": merch_tax,
        "notes": {"_type": "simple_link", "link": f"/orders/{order.order_no}/notes"},
        "order_no": order.order_no, "order_token": order.order_token, "order_total": _num(product_total + shipping_total + (product_tax + shipping_tax)),
        "payment_instruments": [_payment(p) for p in order.payment_instruments],
        "payment_status": order.payment_status,
        "product_items": [_item(i) for i in order.product_items],
        "product_sub_total": (product := _num(product_total)), "product_total": product,
        "shipments": [_shipment(order, s) for s in order.shipments],
        "shipping_items": [{"_type": "shipping_item", "adjusted_tax": _num(s.shipping_tax),
                            "base_price": _num(s.shipping_total), "item_id": f"ship-{s.shipment_id}",
                            "item_text": "Shipping", "price": _num(s.shipping_total), "shipment_id": s.shipment_id,
                            "tax": _num(s.shipping_tax)} for s in order.shipments],
        "shipping_status": order.shipping_status, "shipping_total": _num(shipping_total),
        "shipping_total_tax": ship_tax, "site_id": order.site_id, "status": order.status,
        "tax_total": _num(product_tax + shipping_tax), "taxation": "net",
    }
    if order.external_order_status is not None:
        doc["external_order_status"] = order.external_order_status
    doc.update(_custom(order.custom if custom is None else custom))
    return doc


class _View(Mapping[str, Any]):
    """A document answered field by field (``get``) and built whole (``document``) only when read whole."""

    __slots__ = ()

    def document(self) -> dict[str, Any]:
        """The whole document."""
        raise NotImplementedError

    def get(self, key: str, default: Any = None) -> Any:
        """A property (``default`` when absent)."""
        return self.document().get(key, default)

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _ABSENT)
        if value is _ABSENT:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.document())

    def __len__(self) -> int:
        return len(self.document())


_ABSENT = object()


class OrderView(_View):
    """One revision's ``order`` document (:func:`order_document`), built whole only when read whole.

    In-process GetOrder answers with it: the connector's reconcile reads a few fields (statuses,
    custom attributes, product items) of every order the feed brings back, and those are answered
    without building the rest. The view shows the order as it was when taken: the only changes made
    to a stored order in place (the export job's ``c_externalExportStatus`` and revision) are copied
    at once; every other change commits a changed copy (OrderBook), leaving this order object as it was.
    """

    __slots__ = ("_order", "_version", "_custom", "_revision", "_modified", "_items", "_doc")
    _items: list[ItemView] | None

    def __init__(self, order: SfccOrder, version: str) -> None:
        self._order, self._version, self._custom = order, version, dict(order.custom)
        self._revision, self._modified = order.revision, order.last_modified
        self._items = None
        self._doc: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        """The whole document."""
        if self._doc is None:
            order = self._order
            self._doc = order_document(order, self._version, custom=self._custom,
                                       state=_state(order.order_no, self._revision, self._modified))
        return self._doc

    def get(self, key: str, default: Any = None) -> Any:
        """A property (``default`` when absent); custom attributes, statuses and items without the whole document."""
        if self._doc is None:
            if key.startswith("c_"):
                return self._custom.get(key[2:], default)
            if key == "shipping_status":
                return self._order.shipping_status
            if key == "product_items":
                if self._items is None:
                    self._items = [ItemView(i) for i in self._order.product_items]
                return self._items
        return self.document().get(key, default)


class ItemView(_View):
    """One ``product_item`` of an :class:`OrderView` (:func:`_item`), built whole only when read whole.

    The reconcile reads an item's ``product_id`` and line custom attributes (status, tracking, carrier)
    of every order the feed brings back; those are the item's own values, read without the rest.
    """

    __slots__ = ("_item", "_doc")

    def __init__(self, item: ProductItem) -> None:
        self._item = item
        self._doc: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        """The whole ``product_item`` document."""
        if self._doc is None:
            self._doc = _item(self._item)
        return self._doc

    def get(self, key: str, default: Any = None) -> Any:
        """A property (``default`` when absent): ``product_id`` and ``c_*`` without the whole document."""
        if self._doc is None:
            if key.startswith("c_"):
                return self._item.custom.get(key[2:], default)
            if key == "product_id":
                return self._item.product_id
        return self.document().get(key, default)


def search_result(hits: list[SfccOrder], total: int, start: int, query: Any, version: str) -> dict[str, Any]:
    """The ``order_search_result`` document."""
    return {
        "_v": version, "_type": "order_search_result", "count": len(hits),
        "hits": [{"_type": "order_search_hit", "data": order_document(o, version), "relevance": 1.0} for o in hits],
        "query": query, "start": start, "total": total,
    }
