"""The export file is written as text: it is ElementTree's own output, and its reader's shortcut equals a parse (FUL-3).

The writer replaced ``ET.indent`` + ``ET.tostring`` (a millisecond an order); the file must stay the
bytes ElementTree writes, so parsing it and writing it again with ElementTree changes nothing. The
in-process pickup takes what the writer knew instead of parsing; over random orders with awkward text
(markup, whitespace, control characters, lone surrogates) that must equal :func:`parse_orders_xml`.
"""

from __future__ import annotations

import copy
import io
import xml.etree.ElementTree as ET
from dataclasses import asdict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.sfcc import feed
from simulator.sfcc.models import SfccOrder
from simulator.world import World

TEXT = st.one_of(st.sampled_from(["", " ", " x ", "a&b<c>\"d'", "tab\there", "nl\nx", "\r\nz", "ünï©ødé", "0"]),
                 st.text(max_size=6))
VALUE = st.one_of(TEXT, st.none(), st.integers(-3, 3), st.booleans())


@pytest.fixture(scope="module")
def orders() -> list[SfccOrder]:
    world = World.create(seed=3)
    tiktok = world.systems["tiktok"]
    for _ in range(3):
        tiktok.place_order(profile="sfcc")
    world.advance(seconds=3700)
    placed = list(world.systems["sfcc"].orders.orders.values())
    world.close()
    assert placed
    return placed


def _canonical(data: bytes) -> bytes:
    root = ET.fromstring(data)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _vary(order: SfccOrder, draw: Any) -> SfccOrder:
    order = copy.deepcopy(order)
    order.customer_name, order.billing_address.city = draw(TEXT), draw(TEXT)
    order.custom[draw(st.sampled_from(["zz", "nl\nkey", "a&b"]))] = draw(VALUE)
    order.product_items[0].custom["q"] = draw(VALUE)
    order.shipments[0].tracking_number = draw(st.one_of(st.none(), TEXT))
    if draw(st.booleans()):
        order.shipments = []
    if draw(st.booleans()):
        order.product_items = []
    if draw(st.booleans()):
        order.custom = {}
    return order


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_ful3_export_file_is_elementtree_output_and_its_records_a_parse(orders: list[SfccOrder],
                                                                        data: st.DataObject) -> None:
    """FUL-3: a file of varied orders re-serialises to itself; the records its writer returns equal a parse."""
    chosen = [_vary(o, data.draw) for o in data.draw(st.lists(st.sampled_from(orders), max_size=3))]
    out = io.BytesIO()
    records = feed.write_orders_xml(chosen, out)
    written = out.getvalue()
    assert written == feed.orders_xml(chosen)
    try:
        parsed = feed.parse_orders_xml(written)
    except ET.ParseError:  # characters XML cannot carry: the writer hands no records over, the reader refuses
        assert records is None
        return
    if b"\r" not in written:  # a parser reads CR as LF: such a file cannot round-trip byte for byte
        assert _canonical(written) == written
    if records is not None:
        assert [asdict(o) for o in records] == [asdict(o) for o in parsed]
    assert [o.order_no for o in parsed] == [o.order_no for o in chosen]


AMOUNTS = [Decimal(text) for text in ("0", "0.00", "-0.00", "1.5", "19.99", "1E+2", "0.005", "12.345")]


def _reference(order: SfccOrder) -> tuple[str, feed.FeedOrder]:
    lines: list[str] = []
    record = feed._order(lines, order)
    return "\n".join(lines) + "\n", record


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_ful3_one_join_per_order_writes_the_reference_text(orders: list[SfccOrder], data: st.DataObject) -> None:
    """FUL-3: an order written in one join (its structure's frame) is the templates' text and record, byte for byte."""
    order = copy.deepcopy(data.draw(st.sampled_from(orders)))
    awkward = data.draw(st.booleans())  # some text the one join must leave to the templates, or none
    plain = st.sampled_from(["x", "Ab 1", "ünï©ødé", "0", *(["tab\there", "a&b", ""] if awkward else [])])
    for _ in range(data.draw(st.integers(0, 2))):  # more lines, shipments and payments: other frames
        order.product_items.append(copy.deepcopy(order.product_items[0]))
        order.product_items[-1].custom[data.draw(plain) or "k"] = data.draw(VALUE if awkward else plain)
    if data.draw(st.booleans()):
        order.shipments.append(copy.deepcopy(order.shipments[0]))
        order.shipments[-1].shipment_id = data.draw(plain)
        order.shipments[-1].custom["c"] = data.draw(plain)
    if data.draw(st.booleans()):
        order.payment_instruments = order.payment_instruments * 2
    order.billing_address.address2, order.shipments[0].shipping_address.city = data.draw(plain), data.draw(plain)
    order.shipments[0].tracking_number = data.draw(st.one_of(st.none(), plain))
    order.customer_name = data.draw(plain)
    order.custom[data.draw(st.sampled_from(["zz", "a&b"]))] = data.draw(VALUE if awkward else plain)
    # Amount objects from one pool, each field drawn alone: the amounts cache must tell every combination apart.
    money = st.sampled_from(AMOUNTS)
    for item in order.product_items:
        for name in ("base_price", "tax", "tax_rate"):
            if data.draw(st.booleans()):
                setattr(item, name, data.draw(money))
        item.quantity = data.draw(st.sampled_from([item.quantity, 2, 3]))
    for shipment in order.shipments:
        for name in ("shipping_total", "shipping_tax"):
            if data.draw(st.booleans()):
                setattr(shipment, name, data.draw(money))
    for pi in order.payment_instruments:
        if data.draw(st.booleans()):
            pi.amount = data.draw(money)
    fast = feed._fast_order(order)
    text, record = _reference(order)
    if fast is not None:
        assert fast[0] == text
        assert asdict(fast[2]) == asdict(record)
        if fast[1]:  # said readable as written: no character a parser refuses or rewrites
            encoded = text.encode("utf-8")
            assert encoded.translate(None, feed._CONTROL) == encoded and b"\r" not in encoded
            assert b"\xef\xbf\xbe" not in encoded and b"\xef\xbf\xbf" not in encoded


def test_ful3_orders_as_placed_take_the_one_join(orders: list[SfccOrder]) -> None:
    """The shortcut is not vacuous: the orders a world places are written in one join."""
    for order in orders:
        fast = feed._fast_order(order)
        assert fast is not None and fast[1] and fast[0] == _reference(order)[0]
