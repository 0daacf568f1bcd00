"""Impex order XML (namespace ``.../impex/order/2006-10-31``): writer, reader; and the OMS status CSV reader."""

from __future__ import annotations

import csv
import hashlib
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from simulator.sfcc.models import Address, SfccOrder

NS = "http://www.demandware.com/xml/impex/order/2006-10-31"
ET.register_namespace("", NS)


# Characters an XML parser refuses or rewrites (CR): a file holding one is parsed for real by its reader.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10))


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


P1, P2, P3, P4, P5 = ("  " * depth for depth in range(1, 6))
_ADDRESS = tuple((key, key.replace("_", "-")) for key in (
    "first_name", "last_name", "address1", "address2", "city", "postal_code", "state_code", "country_code", "phone"))

# The export file is written as text, exactly as ElementTree writes it after ``ET.indent`` (two spaces a
# level, one element a line, ``<tag />`` when empty): ElementTree's Python serializer cost a millisecond
# an order, and the job writes every order that changed since its last run.


def _leaf(pad: str, tag: str, value: Any, attrs: str = "") -> str:
    text = "" if value is None else str(value)
    return f"{pad}<{tag}{attrs}>{_cdata(text)}</{tag}>" if text else f"{pad}<{tag}{attrs} />"


def _group(lines: list[str], pad: str, tag: str, children: list[str], attrs: str = "") -> None:
    if children:
        lines.append(f"{pad}<{tag}{attrs}>")
        lines += children
        lines.append(f"{pad}</{tag}>")
    else:
        lines.append(f"{pad}<{tag}{attrs} />")


def _price(lines: list[str], pad: str, tag: str, net: Decimal, tax: Decimal) -> None:
    inner = pad + "  "
    lines += (f"{pad}<{tag}>", f"{inner}<net-price>{net:.2f}</net-price>", f"{inner}<tax>{tax:.2f}</tax>",
              f"{inner}<gross-price>{net + tax:.2f}</gross-price>", f"{pad}</{tag}>")


def _address(lines: list[str], pad: str, tag: str, value: Address) -> None:
    inner = pad + "  "
    _group(lines, pad, tag, [_leaf(inner, name, getattr(value, key)) for key, name in _ADDRESS if getattr(value, key)])


def _customs(lines: list[str], pad: str, custom: dict[str, Any]) -> dict[str, str]:
    """Write ``custom-attributes``; returns what a reader parses back (values as text, stripped)."""
    if not custom:
        return {}
    inner = pad + "  "
    items = sorted(custom.items())
    _group(lines, pad, "custom-attributes",
           [_leaf(inner, "custom-attribute", value, f' attribute-id="{_attr(key)}"') for key, value in items])
    return {key: "" if value is None else str(value).strip() for key, value in items}


def _order(lines: list[str], order: SfccOrder) -> FeedOrder:
    product_total, product_tax = order.product_total, order.product_tax
    shipping_total, shipping_tax = order.shipping_total, order.shipping_tax
    tax_total = product_tax + shipping_tax
    status, shipping = order.status.upper(), order.shipping_status.upper()
    lines += (f'{P1}<order order-no="{_attr(order.order_no)}">',
              f"{P2}<order-date>{order.creation_date.strftime('%Y-%m-%dT%H:%M:%S.000Z')}</order-date>",
              _leaf(P2, "created-by", order.created_by), _leaf(P2, "original-order-no", order.order_no),
              _leaf(P2, "currency", order.currency), f"{P2}<customer-locale>default</customer-locale>",
              f"{P2}<taxation>net</taxation>", _leaf(P2, "invoice-no", order.order_no), f"{P2}<customer>",
              _leaf(P3, "customer-name", order.customer_name), _leaf(P3, "customer-email", order.customer_email))
    _address(lines, P3, "billing-address", order.billing_address)
    lines += (f"{P2}</customer>", f"{P2}<status>", _leaf(P3, "order-status", status),
              _leaf(P3, "shipping-status", shipping), _leaf(P3, "confirmation-status", order.confirmation_status.upper()),
              _leaf(P3, "payment-status", order.payment_status.upper()), f"{P2}</status>",
              _leaf(P2, "current-order-no", order.order_no))
    items: list[str] = []
    read_lines = []
    for item in order.product_items:
        price = item.price
        items += (f"{P3}<product-lineitem>", f"{P4}<net-price>{price:.2f}</net-price>", f"{P4}<tax>{item.tax:.2f}</tax>",
                  f"{P4}<gross-price>{price + item.tax:.2f}</gross-price>",
                  f"{P4}<base-price>{item.base_price:.2f}</base-price>", _leaf(P4, "lineitem-text", item.product_name),
                  f"{P4}<tax-basis>{price:.2f}</tax-basis>", _leaf(P4, "position", item.position),
                  _leaf(P4, "product-id", item.product_id), _leaf(P4, "product-name", item.product_name),
                  f'{P4}<quantity unit="">{item.quantity:.1f}</quantity>', _leaf(P4, "tax-rate", f"{item.tax_rate}"),
                  _leaf(P4, "shipment-id", item.shipment_id), f"{P4}<gift>false</gift>")
        read_lines.append({"product-id": str(item.product_id).strip(), **_customs(items, P4, item.custom)})
        items.append(f"{P3}</product-lineitem>")
    _group(lines, P2, "product-lineitems", items)
    shipping_lines: list[str] = []
    for shipment in order.shipments:
        total, tax = shipment.shipping_total, shipment.shipping_tax
        shipping_lines += (f"{P3}<shipping-lineitem>", f"{P4}<net-price>{total:.2f}</net-price>",
                           f"{P4}<tax>{tax:.2f}</tax>", f"{P4}<gross-price>{total + tax:.2f}</gross-price>",
                           f"{P4}<base-price>{total:.2f}</base-price>", f"{P4}<lineitem-text>Shipping</lineitem-text>",
                           f"{P4}<item-id>STANDARD_SHIPPING</item-id>", _leaf(P4, "shipment-id", shipment.shipment_id),
                           f"{P4}<tax-rate>0.0</tax-rate>", f"{P3}</shipping-lineitem>")
    _group(lines, P2, "shipping-lineitems", shipping_lines)
    shipments: list[str] = []
    read_shipments = []
    for shipment in order.shipments:
        state = shipment.shipping_status.upper()
        shipments += (f'{P3}<shipment shipment-id="{_attr(shipment.shipment_id)}">', f"{P4}<status>",
                      _leaf(P5, "shipping-status", state), f"{P4}</status>",
                      _leaf(P4, "shipping-method", shipment.shipping_method_id))
        if shipment.tracking_number:  # UNCERTAIN position (sfcc-ocapi.md section 10)
            shipments.append(_leaf(P4, "tracking-number", shipment.tracking_number))
        _address(shipments, P4, "shipping-address", shipment.shipping_address)
        shipments += (f"{P4}<gift>false</gift>", f"{P4}<totals>")
        _price(shipments, P5, "merchandize-total", product_total, product_tax)
        _price(shipments, P5, "shipping-total", shipment.shipping_total, shipment.shipping_tax)
        _price(shipments, P5, "shipment-total", product_total + shipment.shipping_total, tax_total)
        shipments.append(f"{P4}</totals>")
        _customs(shipments, P4, shipment.custom)
        shipments.append(f"{P3}</shipment>")
        read_shipments.append(FeedShipment(shipment.shipment_id, state.strip(),
                                           str(shipment.tracking_number or "").strip() or None))
    _group(lines, P2, "shipments", shipments)
    lines.append(f"{P2}<totals>")
    _price(lines, P3, "merchandize-total", product_total, product_tax)
    _price(lines, P3, "adjusted-merchandize-total", product_total, product_tax)
    _price(lines, P3, "shipping-total", shipping_total, shipping_tax)
    _price(lines, P3, "adjusted-shipping-total", shipping_total, shipping_tax)
    _price(lines, P3, "order-total", product_total + shipping_total, tax_total)
    lines.append(f"{P2}</totals>")
    payments: list[str] = []
    for pi in order.payment_instruments:
        payments += (f"{P3}<payment>", f"{P4}<custom-method>", _leaf(P5, "method-name", pi.payment_method_id),
                     f"{P4}</custom-method>", f"{P4}<amount>{pi.amount:.2f}</amount>",
                     _leaf(P4, "processor-id", pi.processor_id), _leaf(P4, "transaction-id", pi.transaction_id),
                     f"{P3}</payment>")
    _group(lines, P2, "payments", payments)
    custom = _customs(lines, P2, order.custom)
    lines.append(f"{P1}</order>")
    return FeedOrder(order.order_no, status.strip(), shipping.strip(), custom, read_shipments, read_lines)


# What the last file written parses to, by (size, digest): the in-process reader takes it (read_orders_xml).
_last_written: tuple[int, bytes, list[FeedOrder]] | None = None
_HEAD = f"<?xml version='1.0' encoding='utf-8'?>\n<orders xmlns=\"{NS}\">\n".encode()
_EMPTY = f"<?xml version='1.0' encoding='utf-8'?>\n<orders xmlns=\"{NS}\" />\n".encode()


def _chunks(orders: list[SfccOrder], read: list[FeedOrder]) -> Iterator[tuple[bytes, bool]]:
    """The file in pieces, one order each: (bytes, True when a parser reads them back unchanged)."""
    if not orders:
        yield _EMPTY, True
        return
    yield _HEAD, True
    for order in orders:
        lines: list[str] = []
        read.append(_order(lines, order))
        text = "\n".join(lines) + "\n"
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: character references, as ElementTree writes them
            yield text.encode("utf-8", "xmlcharrefreplace"), False
            continue
        plain = len(data.translate(None, _CONTROL)) == len(data)
        yield data, plain and b"\xef\xbf\xbe" not in data and b"\xef\xbf\xbf" not in data
    yield b"</orders>\n", True


def write_orders_xml(orders: list[SfccOrder], out: BinaryIO) -> None:
    """Write the export file to ``out`` an order at a time (an export of many orders never sits in memory whole)."""
    global _last_written
    read: list[FeedOrder] = []
    digest, size, plain = hashlib.blake2b(digest_size=32), 0, True
    for chunk, readable in _chunks(orders, read):
        out.write(chunk)
        digest.update(chunk)
        size += len(chunk)
        plain = plain and readable
    _last_written = (size, digest.digest(), read) if plain else None


def orders_xml(orders: list[SfccOrder]) -> bytes:
    """The export file: ``<orders xmlns=...>`` with one ``<order>`` per order (UTF-8, with declaration)."""
    out = io.BytesIO()
    write_orders_xml(orders, out)
    return out.getvalue()


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
    if last is not None and last[0] == len(data) and last[1] == hashlib.blake2b(data, digest_size=32).digest():
        _last_written = None  # handed over once: the reader owns these objects
        return last[2]
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
