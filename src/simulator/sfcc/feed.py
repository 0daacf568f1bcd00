"""Impex order XML (namespace ``.../impex/order/2006-10-31``): writer, reader; and the OMS status CSV reader."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from typing import Any, BinaryIO

from simulator.sfcc.models import Address, SfccOrder
from simulator.sfcc.serializers import date_text
from simulator.sharing import time_key

NS = "http://www.demandware.com/xml/impex/order/2006-10-31"
ET.register_namespace("", NS)


# Characters an XML parser refuses or rewrites (CR): a file holding one is parsed for real by its reader.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10))
_UNPRINTABLE = bytes([*range(32), 127])  # what str.isprintable refuses among ASCII characters


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

# The export file is written as text, exactly as ElementTree writes it after ``ET.indent`` (two spaces a
# level, one element a line, ``<tag />`` when empty): ElementTree's Python serializer cost a millisecond
# an order, and the job writes every order that changed since its last run. Each order is poured into
# templates made once here: constant lines, and leaves whose text is escaped only when it holds markup.

Leaf = tuple[str, str, str]  # an element with text: (opening, closing, empty form)


def _leaf(pad: str, tag: str, attrs: str = "") -> Leaf:
    return f"{pad}<{tag}{attrs}>", f"</{tag}>", f"{pad}<{tag}{attrs} />"


def _group(pad: str, tag: str) -> Leaf:
    """An element with children: (opening line, closing line, empty form)."""
    return f"{pad}<{tag}>", f"{pad}</{tag}>", f"{pad}<{tag} />"


class _Template:
    """Constant lines (``str``) and leaves (``(pad, tag[, attrs])``) in file order.

    ``frame`` is the text around the leaves' texts: every other item, the texts' slots between them
    (a join is several times cheaper than ``str.format`` on a template this long).
    """

    __slots__ = ("parts", "frame")

    def __init__(self, *parts: str | tuple[str, ...]) -> None:
        self.parts = tuple(part if isinstance(part, str) else _leaf(*part) for part in parts)
        frame, text = [], ""
        for part in self.parts:
            if isinstance(part, str):
                text += part + "\n"
            else:
                frame.append(text + part[0])
                text = part[1] + "\n"
        frame.append(text[:-1])
        self.frame: list[str] = [piece for const in frame for piece in (const, "")][:-1]


def _price(pad: str, tag: str) -> tuple[str | tuple[str, ...], ...]:
    inner = pad + "  "
    return f"{pad}<{tag}>", (inner, "net-price"), (inner, "tax"), (inner, "gross-price"), f"{pad}</{tag}>"


def _fill(lines: list[str], template: _Template, texts: tuple[str, ...]) -> None:
    """Append ``template``'s lines, its leaves holding ``texts`` (plain text, escaped here) in order."""
    if all(texts):  # the common case, one join: every leaf has text and no text holds markup
        joined = "".join(texts)
        if "&" not in joined and "<" not in joined and ">" not in joined:
            frame = template.frame.copy()
            frame[1::2] = texts
            lines.append("".join(frame))
            return
    values = iter(texts)
    for part in template.parts:
        if isinstance(part, str):
            lines.append(part)
            continue
        text = next(values)
        if not text:
            lines.append(part[2])
            continue
        if "&" in text or "<" in text or ">" in text:
            text = _cdata(text)
        lines.append(part[0] + text + part[1])


def _str(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _strs(values: Sequence[Any]) -> Iterator[str]:
    """``_str`` of each value, mapped in C: ``str`` writes every value alike but None (one call, not one a value)."""
    return map(_str, values) if None in values else map(str, values)


_HEADER = _Template((P2, "order-date"), (P2, "created-by"), (P2, "original-order-no"), (P2, "currency"),
                    f"{P2}<customer-locale>default</customer-locale>", f"{P2}<taxation>net</taxation>",
                    (P2, "invoice-no"), f"{P2}<customer>", (P3, "customer-name"), (P3, "customer-email"))
_STATUS = _Template(f"{P2}</customer>", f"{P2}<status>", (P3, "order-status"), (P3, "shipping-status"),
                    (P3, "confirmation-status"), (P3, "payment-status"), f"{P2}</status>", (P2, "current-order-no"))
_ITEM = _Template(f"{P3}<product-lineitem>", (P4, "net-price"), (P4, "tax"), (P4, "gross-price"),
                  (P4, "base-price"), (P4, "lineitem-text"), (P4, "tax-basis"), (P4, "position"),
                  (P4, "product-id"), (P4, "product-name"), (P4, "quantity", ' unit=""'), (P4, "tax-rate"),
                  (P4, "shipment-id"), f"{P4}<gift>false</gift>")
_SHIPPING_LINE = _Template(f"{P3}<shipping-lineitem>", (P4, "net-price"), (P4, "tax"), (P4, "gross-price"),
                           (P4, "base-price"), f"{P4}<lineitem-text>Shipping</lineitem-text>",
                           f"{P4}<item-id>STANDARD_SHIPPING</item-id>", (P4, "shipment-id"),
                           f"{P4}<tax-rate>0.0</tax-rate>", f"{P3}</shipping-lineitem>")
_SHIPMENT = _Template(f"{P4}<status>", (P5, "shipping-status"), f"{P4}</status>", (P4, "shipping-method"))
_ZERO = Decimal(0)
_TRACKING = _Template((P4, "tracking-number"))
_SHIPMENT_TOTALS = _Template(f"{P4}<gift>false</gift>", f"{P4}<totals>", *_price(P5, "merchandize-total"),
                             *_price(P5, "shipping-total"), *_price(P5, "shipment-total"), f"{P4}</totals>")
_TOTALS = _Template(f"{P2}<totals>", *_price(P3, "merchandize-total"), *_price(P3, "adjusted-merchandize-total"),
                    *_price(P3, "shipping-total"), *_price(P3, "adjusted-shipping-total"),
                    *_price(P3, "order-total"), f"{P2}</totals>")
_PAYMENT = _Template(f"{P3}<payment>", f"{P4}<custom-method>", (P5, "method-name"), f"{P4}</custom-method>",
                     (P4, "amount"), (P4, "processor-id"), (P4, "transaction-id"), f"{P3}</payment>")
_ITEMS, _SHIPPING_LINES, _SHIPMENTS, _PAYMENTS = (_group(P2, tag) for tag in (
    "product-lineitems", "shipping-lineitems", "shipments", "payments"))
_ADDRESS_FIELDS = ("first_name", "last_name", "address1", "address2", "city", "postal_code", "state_code",
                   "country_code", "phone")
_BILLING, _SHIPPING_ADDRESS = _group(P3, "billing-address"), _group(P4, "shipping-address")
_BILLING_LEAVES, _SHIPPING_LEAVES = (tuple(_leaf(pad, key.replace("_", "-")) for key in _ADDRESS_FIELDS)
                                     for pad in (P4, P5))
_ADDRESS_VALUES = attrgetter(*_ADDRESS_FIELDS)
_NL = "\n"


def _close(lines: list[str], group: Leaf, mark: int) -> None:
    """End a group opened at ``lines[mark - 1]``: its closing line, or its empty form when nothing was added."""
    if len(lines) == mark:
        lines[-1] = group[2]
    else:
        lines.append(group[1])


def _address(lines: list[str], group: Leaf, leaves: tuple[Leaf, ...], value: Address) -> None:
    texts = [_str(text) if text else "" for text in _ADDRESS_VALUES(value)]
    joined = "".join(texts)
    if not joined:
        lines.append(group[2])
        return
    if "&" in joined or "<" in joined or ">" in joined:
        texts = [_cdata(text) for text in texts]
    parts = [leaf[0] + text + leaf[1] for leaf, text in zip(leaves, texts, strict=True) if text]
    lines.append(f"{group[0]}\n{_NL.join(parts)}\n{group[1]}")


@lru_cache(maxsize=256)
def _custom_template(pad: str, keys: tuple[str, ...]) -> _Template:
    """``custom-attributes`` with these attribute ids (orders of one kind share their keys: made once)."""
    inner = pad + "  "
    return _Template(f"{pad}<custom-attributes>",
                     *((inner, "custom-attribute", f' attribute-id="{_attr(key)}"') for key in keys),
                     f"{pad}</custom-attributes>")


def _customs(lines: list[str], pad: str, custom: dict[str, Any]) -> dict[str, str]:
    """Write ``custom-attributes``; returns what a reader parses back (values as text, stripped)."""
    if not custom:
        return {}
    keys = tuple(sorted(custom))
    texts = tuple([_str(custom[key]) for key in keys])
    _fill(lines, _custom_template(pad, keys), texts)
    return {key: text.strip() for key, text in zip(keys, texts, strict=True)}


def _order(lines: list[str], order: SfccOrder) -> FeedOrder:
    # Totals summed here in one pass each (the model's properties sum again per read); every amount
    # is written with two decimals, so the sum's exponent does not show.
    product_total = product_tax = shipping_total = shipping_tax = _ZERO
    for item in order.product_items:
        product_total += item.price
        product_tax += item.tax
    for shipment in order.shipments:
        shipping_total += shipment.shipping_total
        shipping_tax += shipment.shipping_tax
    tax_total = product_tax + shipping_tax
    status, shipping = order.status.upper(), order.shipping_status.upper()
    order_no = order.order_no
    lines.append(f'{P1}<order order-no="{_attr(order_no)}">')
    _fill(lines, _HEADER, (date_text(order.creation_date, millis=False), _str(order.created_by),
                           order_no, _str(order.currency), order_no, _str(order.customer_name),
                           _str(order.customer_email)))
    _address(lines, _BILLING, _BILLING_LEAVES, order.billing_address)
    _fill(lines, _STATUS, (status, shipping, order.confirmation_status.upper(), order.payment_status.upper(),
                           order_no))
    read_lines = []
    lines.append(_ITEMS[0])
    mark = len(lines)
    for item in order.product_items:
        price, tax = item.price, item.tax
        line = f"{price:.2f}"
        _fill(lines, _ITEM, (line, f"{tax:.2f}", f"{price + tax:.2f}", f"{item.base_price:.2f}",
                             _str(item.product_name), line, _str(item.position), _str(item.product_id),
                             _str(item.product_name), f"{item.quantity:.1f}", f"{item.tax_rate}",
                             _str(item.shipment_id)))
        read_lines.append({"product-id": str(item.product_id).strip(), **_customs(lines, P4, item.custom)})
        lines.append(f"{P3}</product-lineitem>")
    _close(lines, _ITEMS, mark)
    merchandize = (f"{product_total:.2f}", f"{product_tax:.2f}", f"{product_total + product_tax:.2f}")
    lines.append(_SHIPPING_LINES[0])
    mark = len(lines)
    shipment_prices = []
    for shipment in order.shipments:
        total, tax = shipment.shipping_total, shipment.shipping_tax
        prices = (f"{total:.2f}", f"{tax:.2f}", f"{total + tax:.2f}")
        shipment_prices.append(prices)
        _fill(lines, _SHIPPING_LINE, (*prices, prices[0], _str(shipment.shipment_id)))
    _close(lines, _SHIPPING_LINES, mark)
    read_shipments = []
    lines.append(_SHIPMENTS[0])
    mark = len(lines)
    for shipment, prices in zip(order.shipments, shipment_prices, strict=True):
        state = shipment.shipping_status.upper()
        lines.append(f'{P3}<shipment shipment-id="{_attr(shipment.shipment_id)}">')
        _fill(lines, _SHIPMENT, (state, _str(shipment.shipping_method_id)))
        if shipment.tracking_number:  # UNCERTAIN position (sfcc-ocapi.md section 10)
            _fill(lines, _TRACKING, (_str(shipment.tracking_number),))
        _address(lines, _SHIPPING_ADDRESS, _SHIPPING_LEAVES, shipment.shipping_address)
        net = product_total + shipment.shipping_total
        _fill(lines, _SHIPMENT_TOTALS, (*merchandize, *prices, f"{net:.2f}", f"{tax_total:.2f}",
                                        f"{net + tax_total:.2f}"))
        _customs(lines, P4, shipment.custom)
        lines.append(f"{P3}</shipment>")
        read_shipments.append(FeedShipment(shipment.shipment_id, state.strip(),
                                           str(shipment.tracking_number or "").strip() or None))
    _close(lines, _SHIPMENTS, mark)
    net = product_total + shipping_total
    shipping_prices = (f"{shipping_total:.2f}", f"{shipping_tax:.2f}", f"{shipping_total + shipping_tax:.2f}")
    _fill(lines, _TOTALS, (*merchandize, *merchandize, *shipping_prices, *shipping_prices, f"{net:.2f}",
                           f"{tax_total:.2f}", f"{net + tax_total:.2f}"))
    lines.append(_PAYMENTS[0])
    mark = len(lines)
    for pi in order.payment_instruments:
        _fill(lines, _PAYMENT, (_str(pi.payment_method_id), f"{pi.amount:.2f}", _str(pi.processor_id),
                                _str(pi.transaction_id)))
    _close(lines, _PAYMENTS, mark)
    custom = _customs(lines, P2, order.custom)
    lines.append(f"{P1}</order>")
    return FeedOrder(order_no, status.strip(), shipping.strip(), custom, read_shipments, read_lines)



# -- the same text, an order in one join ------------------------------------------------------------------
# ``_order`` fills a dozen templates per order; most orders of an export share one structure (how many
# items, shipments and payments, which custom attribute ids, which address fields are set), so the whole
# order's text is one frame per structure, made once, its slots filled in a single join. The frame is
# the reference's output only while every slot holds text (an empty leaf is written ``<tag />``) and no
# text needs escaping: other orders take the reference path (tests/sfcc/test_feed_writer.py proves both equal).

class _Frame:
    """A frame under construction: constant text between slots (``parts``) and the text since the last slot."""

    __slots__ = ("parts", "text")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.text = ""

    def line(self, text: str) -> None:
        self.text += text + "\n"

    def slot(self, before: str, after: str) -> None:
        self.parts.append(self.text + before)
        self.text = after + "\n"

    def template(self, template: _Template) -> None:
        for part in template.parts:
            if isinstance(part, str):
                self.line(part)
            else:
                self.slot(part[0], part[1])

    def group(self, group: Leaf, count: int) -> None:
        """Open a group (``count`` children follow) or write its empty form."""
        self.line(group[0] if count else group[2])

    def address(self, group: Leaf, leaves: tuple[Leaf, ...], mask: tuple[bool, ...]) -> None:
        if not any(mask):
            self.line(group[2])
            return
        self.line(group[0])
        for leaf, present in zip(leaves, mask, strict=True):
            if present:
                self.slot(leaf[0], leaf[1])
        self.line(group[1])

    def customs(self, pad: str, keys: tuple[str, ...]) -> None:
        if keys:
            self.template(_custom_template(pad, keys))

    def done(self) -> list[str]:
        """The frame: constants and slots alternating (``frame[1::2]`` are the slots), ending in a constant."""
        self.parts.append(self.text)
        return [piece for const in self.parts for piece in (const, "")][:-1]


Shape = tuple[Any, ...]


@lru_cache(maxsize=256)
def _frame(shape: Shape) -> list[str]:
    """The frame of every order with this structure (the shape :func:`_fast_order` reads off an order)."""
    billing, items, shipments, payments, custom = shape
    frame = _Frame()
    frame.slot(f'{P1}<order order-no="', '">')
    frame.template(_HEADER)
    frame.address(_BILLING, _BILLING_LEAVES, billing)
    frame.template(_STATUS)
    frame.group(_ITEMS, len(items))
    for keys in items:
        frame.template(_ITEM)
        frame.customs(P4, keys)
        frame.line(f"{P3}</product-lineitem>")
    if items:
        frame.line(_ITEMS[1])
    frame.group(_SHIPPING_LINES, len(shipments))
    for _ in shipments:
        frame.template(_SHIPPING_LINE)
    if shipments:
        frame.line(_SHIPPING_LINES[1])
    frame.group(_SHIPMENTS, len(shipments))
    for tracking, mask, keys in shipments:
        frame.slot(f'{P3}<shipment shipment-id="', '">')
        frame.template(_SHIPMENT)
        if tracking:
            frame.template(_TRACKING)
        frame.address(_SHIPPING_ADDRESS, _SHIPPING_LEAVES, mask)
        frame.template(_SHIPMENT_TOTALS)
        frame.customs(P4, keys)
        frame.line(f"{P3}</shipment>")
    if shipments:
        frame.line(_SHIPMENTS[1])
    frame.template(_TOTALS)
    frame.group(_PAYMENTS, payments)
    for _ in range(payments):
        frame.template(_PAYMENT)
    if payments:
        frame.line(_PAYMENTS[1])
    frame.customs(P2, custom)
    frame.text += f"{P1}</order>\n"
    return frame.done()


_DATES: dict[Hashable, str] = {}  # an export's orders were mostly created at a few instants


def _order_date(value: datetime) -> str:
    key = time_key(value)  # equal instants in other zones print differently
    text = _DATES.get(key)
    if text is None:
        if len(_DATES) >= 4096:
            _DATES.clear()
        text = _DATES[key] = date_text(value, millis=False)
    return text


def _address_texts(texts: list[str], value: Address) -> tuple[bool, ...]:
    values = _ADDRESS_VALUES(value)
    texts += map(str, filter(None, values))  # the fields set, as ``_str`` writes them (in C: no comprehension frame)
    return tuple(map(bool, values))


_SORTED: dict[tuple[str, ...], tuple[str, ...]] = {}  # a custom dict's keys, in insertion order -> sorted


def _custom_texts(texts: list[str], custom: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, str]]:
    if not custom:
        return (), {}
    given = tuple(custom)
    keys = _SORTED.get(given)
    if keys is None:  # the orders of an export share a few key sets: each sorted once
        if len(_SORTED) >= 4096:
            _SORTED.clear()
        keys = _SORTED[given] = tuple(sorted(given))
    values = list(_strs(list(map(custom.__getitem__, keys))))  # mapped in C: no comprehension frames
    texts += values
    return keys, dict(zip(keys, map(str.strip, values), strict=True))


Money = tuple[list[tuple[str, ...]], tuple[str, str, str], list[tuple[str, ...]], tuple[str, ...], list[str]]
_MONEY: dict[tuple[int, ...], tuple[list[Any], Money]] = {}


def _money(order: SfccOrder) -> Money:
    """The order's amounts as the file writes them: per line, the merchandise total, per shipment, the
    order totals, per payment (see ``_order``).

    They follow from the lines' prices, quantities, taxes and rates, the shipments' charges and the
    payments' amounts alone. Those are shared objects (``simulator.sharing.amounts``): orders of one
    product at one price are keyed by the same objects, and format their amounts once. A key holds
    object ids; its entry holds the objects, so no other object can take those ids while it is kept.
    """
    items, shipments, payments = order.product_items, order.shipments, order.payment_instruments
    objects: list[Any] = []
    for item in items:
        objects += (item.base_price, item.quantity, item.tax, item.tax_rate)
    for shipment in shipments:
        objects += (shipment.shipping_total, shipment.shipping_tax)
    for payment in payments:
        objects.append(payment.amount)
    key = (len(items), len(shipments), *map(id, objects))
    hit = _MONEY.get(key)
    if hit is not None:
        return hit[1]
    product_total = product_tax = shipping_total = shipping_tax = _ZERO
    lines: list[tuple[str, ...]] = []
    for item in items:
        price, tax = item.price, item.tax
        product_total += price
        product_tax += tax
        lines.append((f"{price:.2f}", f"{tax:.2f}", f"{price + tax:.2f}", f"{item.base_price:.2f}",
                      f"{item.quantity:.1f}", f"{item.tax_rate}"))
    charges = []
    for shipment in shipments:
        total, tax = shipment.shipping_total, shipment.shipping_tax
        shipping_total += total
        shipping_tax += tax
        charges.append((total, tax))
    tax_total = product_tax + shipping_tax
    tax_text = f"{tax_total:.2f}"
    merchandize = (f"{product_total:.2f}", f"{product_tax:.2f}", f"{product_total + product_tax:.2f}")
    per_shipment: list[tuple[str, ...]] = []
    for total, tax in charges:
        net = product_total + total
        per_shipment.append((f"{total:.2f}", f"{tax:.2f}", f"{total + tax:.2f}", f"{net:.2f}", tax_text,
                             f"{net + tax_total:.2f}"))
    net = product_total + shipping_total
    totals = (f"{shipping_total:.2f}", f"{shipping_tax:.2f}", f"{shipping_total + shipping_tax:.2f}", f"{net:.2f}",
              tax_text, f"{net + tax_total:.2f}")
    money: Money = (lines, merchandize, per_shipment, totals, [f"{p.amount:.2f}" for p in payments])
    if len(_MONEY) >= 4096:
        _MONEY.clear()
    _MONEY[key] = (objects, money)
    return money


def _fast_order(order: SfccOrder) -> tuple[str, bool, FeedOrder] | None:
    """The order's text (as ``_order`` writes it, with its newline), True when its texts are printable, and its
    record, in one join; None: take the reference path."""
    lines, merchandize, per_shipment, totals, amounts = _money(order)
    status, shipping = order.status.upper(), order.shipping_status.upper()
    order_no = order.order_no
    created_by, currency, name, email = _strs((order.created_by, order.currency, order.customer_name,
                                               order.customer_email))
    texts = [order_no, _order_date(order.creation_date), created_by, order_no, currency, order_no, name, email]
    billing_at = len(texts)
    billing = _address_texts(texts, order.billing_address)
    billing_end = len(texts)
    texts += (status, shipping, order.confirmation_status.upper(), order.payment_status.upper(), order_no)
    item_keys, read_lines = [], []
    for item, (line, tax, gross, base, quantity, rate) in zip(order.product_items, lines, strict=True):
        product_name, position, product_id, shipment_id = _strs((item.product_name, item.position, item.product_id,
                                                                 item.shipment_id))
        texts += (line, tax, gross, base, product_name, line, position, product_id, product_name, quantity, rate,
                  shipment_id)
        keys, custom = _custom_texts(texts, item.custom)
        item_keys.append(keys)
        read_lines.append({"product-id": str(item.product_id).strip(), **custom})
    for shipment, money in zip(order.shipments, per_shipment, strict=True):
        texts += (*money[:3], money[0], _str(shipment.shipment_id))
    shipment_shapes, read_shipments = [], []
    for shipment, money in zip(order.shipments, per_shipment, strict=True):
        state = shipment.shipping_status.upper()
        texts += (shipment.shipment_id, state, _str(shipment.shipping_method_id))
        tracking = shipment.tracking_number
        if tracking:
            texts.append(_str(tracking))
        if shipment.shipping_address is order.billing_address:  # TikTok's one address: its texts once
            texts += texts[billing_at:billing_end]
            mask = billing
        else:
            mask = _address_texts(texts, shipment.shipping_address)
        texts += (*merchandize, *money)
        keys, _ = _custom_texts(texts, shipment.custom)
        shipment_shapes.append((bool(tracking), mask, keys))
        read_shipments.append(FeedShipment(shipment.shipment_id, state.strip(), str(tracking or "").strip() or None))
    texts += (*merchandize, *merchandize, *totals[:3], *totals)
    for pi, amount in zip(order.payment_instruments, amounts, strict=True):
        method, processor, transaction = _strs((pi.payment_method_id, pi.processor_id, pi.transaction_id))
        texts += (method, amount, processor, transaction)
    custom_keys, custom = _custom_texts(texts, order.custom)
    joined = "".join(texts)
    # An empty leaf (``<tag />``), markup to escape, or what an attribute escapes (the order number and
    # shipment ids are among the texts; printable text holds no newline, tab or CR): the reference writes it.
    if not all(texts) or "&" in joined or "<" in joined or ">" in joined or '"' in joined:
        return None
    # ASCII text (most): printable is no byte below 0x20 and no DEL, a C scan twice as fast as isprintable.
    printable = len(joined.encode("ascii").translate(None, _UNPRINTABLE)) == len(joined) if joined.isascii() \
        else joined.isprintable()
    if not printable and ("\n" in joined or "\t" in joined or "\r" in joined):
        return None
    frame = _frame((billing, tuple(item_keys), tuple(shipment_shapes), len(order.payment_instruments),
                    custom_keys)).copy()
    frame[1::2] = texts
    # The frame's constants are plain ASCII: whether a parser reads the text back unchanged is a property
    # of the texts alone (printable text has no control character, surrogate or U+FFFE/U+FFFF).
    return ("".join(frame), printable,
            FeedOrder(order_no, status.strip(), shipping.strip(), custom, read_shipments, read_lines))


_HEAD = f"<?xml version='1.0' encoding='utf-8'?>\n<orders xmlns=\"{NS}\">\n".encode()
_EMPTY = f"<?xml version='1.0' encoding='utf-8'?>\n<orders xmlns=\"{NS}\" />\n".encode()


def _chunks(orders: list[SfccOrder], read: list[FeedOrder]) -> Iterator[tuple[bytes, bool]]:
    """The file in pieces, one order each: (bytes, True when a parser reads them back unchanged)."""
    if not orders:
        yield _EMPTY, True
        return
    yield _HEAD, True
    for order in orders:
        fast = _fast_order(order)
        if fast is not None and fast[1]:  # printable ASCII or not, a parser reads it back unchanged
            read.append(fast[2])
            yield fast[0].encode("utf-8"), True
            continue
        lines: list[str] = []
        read.append(_order(lines, order) if fast is None else fast[2])
        text = "\n".join(lines) + "\n" if fast is None else fast[0]
        if text.isascii():  # no surrogate, no U+FFFE/U+FFFF: only control characters can stop a parser
            data = text.encode("ascii")
            yield data, len(data.translate(None, _CONTROL)) == len(data)
            continue
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: character references, as ElementTree writes them
            yield text.encode("utf-8", "xmlcharrefreplace"), False
            continue
        plain = len(data.translate(None, _CONTROL)) == len(data)
        yield data, plain and b"\xef\xbf\xbe" not in data and b"\xef\xbf\xbf" not in data
    yield b"</orders>\n", True


def write_orders_xml(orders: list[SfccOrder], out: BinaryIO) -> list[FeedOrder] | None:
    """Write the export file to ``out`` an order at a time (an export of many orders never sits in memory whole).

    Returns what parsing the file yields (:func:`parse_orders_xml`), known while writing it, so the
    in-process pickup need not parse it back; None when a text in it is one a parser rewrites or refuses.
    """
    read: list[FeedOrder] = []
    plain = True
    for chunk, readable in _chunks(orders, read):
        out.write(chunk)
        plain = plain and readable
    return read if plain else None


def orders_xml(orders: list[SfccOrder]) -> bytes:
    """The export file: ``<orders xmlns=...>`` with one ``<order>`` per order (UTF-8, with declaration)."""
    out = io.BytesIO()
    write_orders_xml(orders, out)
    return out.getvalue()


@dataclass(slots=True)
class FeedShipment:
    """What a feed reader learns about one shipment."""

    shipment_id: str
    shipping_status: str
    tracking_number: str | None


@dataclass(slots=True)
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
