"""Impex order XML (namespace ``.../impex/order/2006-10-31``): writer, reader; and the OMS status CSV reader."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from simulator.sfcc.models import Address, SfccOrder

NS = "http://www.demandware.com/xml/impex/order/2006-10-31"
ET.register_namespace("", NS)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, _q(tag), {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        node.text = str(text)
    return node


def _price(parent: ET.Element, tag: str, net: Decimal, tax: Decimal) -> None:
    node = _sub(parent, tag)
    _sub(node, "net-price", f"{net:.2f}")
    _sub(node, "tax", f"{tax:.2f}")
    _sub(node, "gross-price", f"{net + tax:.2f}")


def _address(parent: ET.Element, tag: str, value: Address) -> None:
    node = _sub(parent, tag)
    for key in ("first_name", "last_name", "address1", "address2", "city", "postal_code", "state_code",
                "country_code", "phone"):
        if getattr(value, key):
            _sub(node, key.replace("_", "-"), getattr(value, key))


def _customs(parent: ET.Element, custom: dict[str, Any]) -> None:
    if custom:
        node = _sub(parent, "custom-attributes")
        for key, value in sorted(custom.items()):
            _sub(node, "custom-attribute", value, attribute_id=key)


def _order(root: ET.Element, order: SfccOrder) -> None:
    node = _sub(root, "order", order_no=order.order_no)
    _sub(node, "order-date", order.creation_date.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    _sub(node, "created-by", order.created_by)
    _sub(node, "original-order-no", order.order_no)
    _sub(node, "currency", order.currency)
    _sub(node, "customer-locale", "default")
    _sub(node, "taxation", "net")
    _sub(node, "invoice-no", order.order_no)
    customer = _sub(node, "customer")
    _sub(customer, "customer-name", order.customer_name)
    _sub(customer, "customer-email", order.customer_email)
    _address(customer, "billing-address", order.billing_address)
    status = _sub(node, "status")
    _sub(status, "order-status", order.status.upper())
    _sub(status, "shipping-status", order.shipping_status.upper())
    _sub(status, "confirmation-status", order.confirmation_status.upper())
    _sub(status, "payment-status", order.payment_status.upper())
    _sub(node, "current-order-no", order.order_no)
    lines = _sub(node, "product-lineitems")
    for item in order.product_items:
        li = _sub(lines, "product-lineitem")
        for tag, value in (("net-price", f"{item.price:.2f}"), ("tax", f"{item.tax:.2f}"),
                           ("gross-price", f"{item.price + item.tax:.2f}"), ("base-price", f"{item.base_price:.2f}"),
                           ("lineitem-text", item.product_name), ("tax-basis", f"{item.price:.2f}"),
                           ("position", item.position), ("product-id", item.product_id),
                           ("product-name", item.product_name)):
            _sub(li, tag, value)
        _sub(li, "quantity", f"{item.quantity:.1f}", unit="")
        _sub(li, "tax-rate", f"{item.tax_rate}")
        _sub(li, "shipment-id", item.shipment_id)
        _sub(li, "gift", "false")
        _customs(li, item.custom)
    shipping_lines = _sub(node, "shipping-lineitems")
    for shipment in order.shipments:
        sl = _sub(shipping_lines, "shipping-lineitem")
        for tag, amount in (("net-price", shipment.shipping_total), ("tax", shipment.shipping_tax),
                            ("gross-price", shipment.shipping_total + shipment.shipping_tax),
                            ("base-price", shipment.shipping_total)):
            _sub(sl, tag, f"{amount:.2f}")
        _sub(sl, "lineitem-text", "Shipping")
        _sub(sl, "item-id", "STANDARD_SHIPPING")
        _sub(sl, "shipment-id", shipment.shipment_id)
        _sub(sl, "tax-rate", "0.0")
    shipments = _sub(node, "shipments")
    for shipment in order.shipments:
        sh = _sub(shipments, "shipment", shipment_id=shipment.shipment_id)
        _sub(_sub(sh, "status"), "shipping-status", shipment.shipping_status.upper())
        _sub(sh, "shipping-method", shipment.shipping_method_id)
        if shipment.tracking_number:  # UNCERTAIN position (sfcc-ocapi.md section 10)
            _sub(sh, "tracking-number", shipment.tracking_number)
        _address(sh, "shipping-address", shipment.shipping_address)
        _sub(sh, "gift", "false")
        totals = _sub(sh, "totals")
        _price(totals, "merchandize-total", order.product_total, order.product_tax)
        _price(totals, "shipping-total", shipment.shipping_total, shipment.shipping_tax)
        _price(totals, "shipment-total", order.product_total + shipment.shipping_total, order.tax_total)
        _customs(sh, shipment.custom)
    totals = _sub(node, "totals")
    _price(totals, "merchandize-total", order.product_total, order.product_tax)
    _price(totals, "adjusted-merchandize-total", order.product_total, order.product_tax)
    _price(totals, "shipping-total", order.shipping_total, order.shipping_tax)
    _price(totals, "adjusted-shipping-total", order.shipping_total, order.shipping_tax)
    _price(totals, "order-total", order.product_total + order.shipping_total, order.tax_total)
    payments = _sub(node, "payments")
    for pi in order.payment_instruments:
        pay = _sub(payments, "payment")
        _sub(_sub(pay, "custom-method"), "method-name", pi.payment_method_id)
        _sub(pay, "amount", f"{pi.amount:.2f}")
        _sub(pay, "processor-id", pi.processor_id)
        _sub(pay, "transaction-id", pi.transaction_id)
    _customs(node, order.custom)


def orders_xml(orders: list[SfccOrder]) -> bytes:
    """The export file: ``<orders xmlns=...>`` with one ``<order>`` per order (UTF-8, with declaration)."""
    root = ET.Element(_q("orders"))
    for order in orders:
        _order(root, order)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


@dataclass
class FeedShipment:
    """What a feed reader learns about one shipment."""

    shipment_id: str
    shipping_status: str
    tracking_number: str | None


@dataclass
class FeedOrder:
    """What a feed reader (TikTok) learns about one order."""

    order_no: str
    order_status: str
    shipping_status: str
    custom: dict[str, str]
    shipments: list[FeedShipment] = field(default_factory=list)
    lines: list[dict[str, str]] = field(default_factory=list)


def _text(node: ET.Element | None, path: str) -> str:
    found = node.find(path, {"o": NS}) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _custom_map(node: ET.Element | None) -> dict[str, str]:
    if node is None:
        return {}
    return {c.get("attribute-id", ""): (c.text or "").strip()
            for c in node.findall("o:custom-attributes/o:custom-attribute", {"o": NS})}


def read_orders_xml(data: bytes) -> list[FeedOrder]:
    """Parse an export file (raises ``ET.ParseError`` on malformed XML)."""
    root = ET.fromstring(data)
    ns = {"o": NS}
    result = []
    for node in root.findall("o:order", ns):
        shipments = [FeedShipment(s.get("shipment-id", ""), _text(s, "o:status/o:shipping-status"),
                                  _text(s, "o:tracking-number") or None)
                     for s in node.findall("o:shipments/o:shipment", ns)]
        lines = [{"product-id": _text(li, "o:product-id"), **_custom_map(li)}
                 for li in node.findall("o:product-lineitems/o:product-lineitem", ns)]
        result.append(FeedOrder(node.get("order-no", ""), _text(node, "o:status/o:order-status"),
                                _text(node, "o:status/o:shipping-status"), _custom_map(node), shipments, lines))
    return result


# -- OMS batch status file (job step custom.UpdateOrderStatus) -------------------------------------------
ORDER_TOKENS = {"ORDER_STATUS_CANCELLED": "cancelled", "ORDER_STATUS_COMPLETED": "completed",
                "ORDER_STATUS_NEW": "new", "ORDER_STATUS_OPEN": "open"}
SHIPPING_TOKENS = {"SHIPPING_STATUS_NOTSHIPPED": "not_shipped", "SHIPPING_STATUS_PARTSHIPPED": "part_shipped",
                   "SHIPPING_STATUS_SHIPPED": "shipped"}


@dataclass(frozen=True)
class StatusLine:
    """One CSV row: ``orderNo,orderStatus,shippingStatus[,trackingNumber,carrier]`` (last two: simulator extension)."""

    line_no: int
    order_no: str
    order_status: str | None
    shipping_status: str | None
    tracking_number: str | None = None
    carrier: str | None = None


class StatusFileError(ValueError):
    """A CSV row the job cannot read (reported with its line number; other rows still apply)."""


def read_status_csv(text: str) -> tuple[list[StatusLine], list[str]]:
    """Headerless CSV rows and the errors of unreadable rows (``line N: ...``)."""
    lines, errors = [], []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) < 3 or not cells[0]:
            errors.append(f"line {number}: expected orderNo,orderStatus,shippingStatus")
            continue
        order_token, ship_token = cells[1], cells[2]
        if order_token and order_token not in ORDER_TOKENS:
            errors.append(f"line {number}: unknown order status {order_token!r}")
            continue
        if ship_token and ship_token not in SHIPPING_TOKENS:
            errors.append(f"line {number}: unknown shipping status {ship_token!r}")
            continue
        extra = cells[3:5] + ["", ""]
        lines.append(StatusLine(number, cells[0], ORDER_TOKENS.get(order_token), SHIPPING_TOKENS.get(ship_token),
                                extra[0] or None, extra[1] or None))
    return lines, errors
