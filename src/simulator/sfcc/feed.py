"""Impex order XML (namespace ``.../impex/order/2006-10-31``): writer, reader; and the OMS status CSV reader."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from simulator.sfcc.models import Address, SfccOrder

NS = "http://www.demandware.com/xml/impex/order/2006-10-31"
ET.register_namespace("", NS)


_PADS = ["  " * depth for depth in range(8)]
# Characters an XML parser refuses or rewrites (CR): a file holding one is parsed for real by its reader.
_UNPARSED = re.compile(rb"[\x00-\x08\x0b-\x1f]")


def _cdata(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attr(text: str) -> str:
    text = _cdata(text)
    for char, ref in (("\"", "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;")):
        if char in text:
            text = text.replace(char, ref)
    return text


class _Lines:
    """The export file as ElementTree writes it after ``ET.indent`` (two spaces a level), one element a line.

    Written as text directly: ElementTree's Python serializer cost milliseconds per order, and the job
    writes every order that changed since its last run.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def leaf(self, depth: int, tag: str, text: Any = None, attrs: str = "") -> None:
        value = "" if text is None else str(text)
        if value:
            self.lines.append(f"{_PADS[depth]}<{tag}{attrs}>{_cdata(value)}</{tag}>")
        else:
            self.lines.append(f"{_PADS[depth]}<{tag}{attrs} />")

    def open(self, depth: int, tag: str, attrs: str = "") -> int:
        self.lines.append(f"{_PADS[depth]}<{tag}{attrs}>")
        return len(self.lines)

    def close(self, depth: int, tag: str, opened: int) -> None:
        if len(self.lines) == opened:  # no child: ElementTree's short empty element
            self.lines[-1] = self.lines[-1][:-1] + " />"
        else:
            self.lines.append(f"{_PADS[depth]}</{tag}>")


def _price(out: _Lines, depth: int, tag: str, net: Decimal, tax: Decimal) -> None:
    at = out.open(depth, tag)
    out.leaf(depth + 1, "net-price", f"{net:.2f}")
    out.leaf(depth + 1, "tax", f"{tax:.2f}")
    out.leaf(depth + 1, "gross-price", f"{net + tax:.2f}")
    out.close(depth, tag, at)


def _address(out: _Lines, depth: int, tag: str, value: Address) -> None:
    at = out.open(depth, tag)
    for key in ("first_name", "last_name", "address1", "address2", "city", "postal_code", "state_code",
                "country_code", "phone"):
        if getattr(value, key):
            out.leaf(depth + 1, key.replace("_", "-"), getattr(value, key))
    out.close(depth, tag, at)


def _customs(out: _Lines, depth: int, custom: dict[str, Any]) -> dict[str, str]:
    """Write ``custom-attributes``; returns what a reader parses back (values as text, stripped)."""
    if not custom:
        return {}
    at = out.open(depth, "custom-attributes")
    read = {}
    for key, value in sorted(custom.items()):
        out.leaf(depth + 1, "custom-attribute", value, f' attribute-id="{_attr(key)}"')
        read[key] = "" if value is None else str(value).strip()
    out.close(depth, "custom-attributes", at)
    return read


def _order(out: _Lines, order: SfccOrder) -> FeedOrder:
    at = out.open(1, "order", f' order-no="{_attr(order.order_no)}"')
    leaf = out.leaf
    leaf(2, "order-date", order.creation_date.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    leaf(2, "created-by", order.created_by)
    leaf(2, "original-order-no", order.order_no)
    leaf(2, "currency", order.currency)
    leaf(2, "customer-locale", "default")
    leaf(2, "taxation", "net")
    leaf(2, "invoice-no", order.order_no)
    customer = out.open(2, "customer")
    leaf(3, "customer-name", order.customer_name)
    leaf(3, "customer-email", order.customer_email)
    _address(out, 3, "billing-address", order.billing_address)
    out.close(2, "customer", customer)
    status = out.open(2, "status")
    leaf(3, "order-status", order.status.upper())
    leaf(3, "shipping-status", order.shipping_status.upper())
    leaf(3, "confirmation-status", order.confirmation_status.upper())
    leaf(3, "payment-status", order.payment_status.upper())
    out.close(2, "status", status)
    leaf(2, "current-order-no", order.order_no)
    lines = out.open(2, "product-lineitems")
    read_lines = []
    for item in order.product_items:
        li = out.open(3, "product-lineitem")
        for tag, value in (("net-price", f"{item.price:.2f}"), ("tax", f"{item.tax:.2f}"),
                           ("gross-price", f"{item.price + item.tax:.2f}"), ("base-price", f"{item.base_price:.2f}"),
                           ("lineitem-text", item.product_name), ("tax-basis", f"{item.price:.2f}"),
                           ("position", item.position), ("product-id", item.product_id),
                           ("product-name", item.product_name)):
            leaf(4, tag, value)
        leaf(4, "quantity", f"{item.quantity:.1f}", ' unit=""')
        leaf(4, "tax-rate", f"{item.tax_rate}")
        leaf(4, "shipment-id", item.shipment_id)
        leaf(4, "gift", "false")
        read_lines.append({"product-id": str(item.product_id).strip(), **_customs(out, 4, item.custom)})
        out.close(3, "product-lineitem", li)
    out.close(2, "product-lineitems", lines)
    shipping_lines = out.open(2, "shipping-lineitems")
    for shipment in order.shipments:
        sl = out.open(3, "shipping-lineitem")
        for tag, amount in (("net-price", shipment.shipping_total), ("tax", shipment.shipping_tax),
                            ("gross-price", shipment.shipping_total + shipment.shipping_tax),
                            ("base-price", shipment.shipping_total)):
            leaf(4, tag, f"{amount:.2f}")
        leaf(4, "lineitem-text", "Shipping")
        leaf(4, "item-id", "STANDARD_SHIPPING")
        leaf(4, "shipment-id", shipment.shipment_id)
        leaf(4, "tax-rate", "0.0")
        out.close(3, "shipping-lineitem", sl)
    out.close(2, "shipping-lineitems", shipping_lines)
    shipments = out.open(2, "shipments")
    read_shipments = []
    for shipment in order.shipments:
        sh = out.open(3, "shipment", f' shipment-id="{_attr(shipment.shipment_id)}"')
        state = out.open(4, "status")
        leaf(5, "shipping-status", shipment.shipping_status.upper())
        out.close(4, "status", state)
        leaf(4, "shipping-method", shipment.shipping_method_id)
        if shipment.tracking_number:  # UNCERTAIN position (sfcc-ocapi.md section 10)
            leaf(4, "tracking-number", shipment.tracking_number)
        _address(out, 4, "shipping-address", shipment.shipping_address)
        leaf(4, "gift", "false")
        totals = out.open(4, "totals")
        _price(out, 5, "merchandize-total", order.product_total, order.product_tax)
        _price(out, 5, "shipping-total", shipment.shipping_total, shipment.shipping_tax)
        _price(out, 5, "shipment-total", order.product_total + shipment.shipping_total, order.tax_total)
        out.close(4, "totals", totals)
        _customs(out, 4, shipment.custom)
        out.close(3, "shipment", sh)
        read_shipments.append(FeedShipment(shipment.shipment_id, shipment.shipping_status.upper().strip(),
                                           str(shipment.tracking_number or "").strip() or None))
    out.close(2, "shipments", shipments)
    totals = out.open(2, "totals")
    _price(out, 3, "merchandize-total", order.product_total, order.product_tax)
    _price(out, 3, "adjusted-merchandize-total", order.product_total, order.product_tax)
    _price(out, 3, "shipping-total", order.shipping_total, order.shipping_tax)
    _price(out, 3, "adjusted-shipping-total", order.shipping_total, order.shipping_tax)
    _price(out, 3, "order-total", order.product_total + order.shipping_total, order.tax_total)
    out.close(2, "totals", totals)
    payments = out.open(2, "payments")
    for pi in order.payment_instruments:
        pay = out.open(3, "payment")
        method = out.open(4, "custom-method")
        leaf(5, "method-name", pi.payment_method_id)
        out.close(4, "custom-method", method)
        leaf(4, "amount", f"{pi.amount:.2f}")
        leaf(4, "processor-id", pi.processor_id)
        leaf(4, "transaction-id", pi.transaction_id)
        out.close(3, "payment", pay)
    out.close(2, "payments", payments)
    custom = _customs(out, 2, order.custom)
    out.close(1, "order", at)
    return FeedOrder(order.order_no, order.status.upper().strip(), order.shipping_status.upper().strip(), custom,
                     read_shipments, read_lines)


_last_written: tuple[bytes, list[FeedOrder]] | None = None  # what the last file parses to (see read_orders_xml)


def orders_xml(orders: list[SfccOrder]) -> bytes:
    """The export file: ``<orders xmlns=...>`` with one ``<order>`` per order (UTF-8, with declaration)."""
    global _last_written
    out = _Lines()
    opened = out.open(0, "orders", f' xmlns="{NS}"')
    read = [_order(out, order) for order in orders]
    out.close(0, "orders", opened)
    text = "<?xml version='1.0' encoding='utf-8'?>\n" + "\n".join(out.lines) + "\n"
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: character references, as ElementTree writes them
        return text.encode("utf-8", "xmlcharrefreplace")
    if not _UNPARSED.search(data) and b"\xef\xbf\xbe" not in data and b"\xef\xbf\xbf" not in data:
        _last_written = (data, read)
    return data


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
    """Parse an export file (raises ``ET.ParseError`` on malformed XML).

    The file this process wrote last is not parsed again: its writer kept what parsing it yields
    (the same result; files with characters a parser rewrites or refuses are parsed for real).
    """
    global _last_written
    last = _last_written
    if last is not None and last[0] == data:
        _last_written = None  # handed over once: the reader owns these objects
        return last[1]
    return parse_orders_xml(data)


def parse_orders_xml(data: bytes) -> list[FeedOrder]:
    """Parse an export file with the XML parser (raises ``ET.ParseError`` on malformed XML)."""
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
