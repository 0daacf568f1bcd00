"""The export file is written as text: it is ElementTree's own output, and its reader's shortcut equals a parse (FUL-3).

The writer replaced ``ET.indent`` + ``ET.tostring`` (a millisecond an order); the file must stay the
bytes ElementTree writes, so parsing it and writing it again with ElementTree changes nothing. The
in-process pickup takes what the writer knew instead of parsing; over random orders with awkward text
(markup, whitespace, control characters, lone surrogates) that must equal :func:`parse_orders_xml`.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from dataclasses import asdict
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
def test_ful3_export_file_is_elementtree_output_and_its_shortcut_a_parse(orders: list[SfccOrder],
                                                                         data: st.DataObject) -> None:
    """FUL-3: a file of varied orders re-serialises to itself; read_orders_xml equals parse_orders_xml."""
    chosen = [_vary(o, data.draw) for o in data.draw(st.lists(st.sampled_from(orders), max_size=3))]
    written = feed.orders_xml(chosen)
    try:
        parsed = feed.parse_orders_xml(written)
    except ET.ParseError:  # characters XML cannot carry: the reader must refuse the file the same way
        with pytest.raises(ET.ParseError):
            feed.read_orders_xml(written)
        return
    if b"\r" not in written:  # a parser reads CR as LF: such a file cannot round-trip byte for byte
        assert _canonical(written) == written
    assert [asdict(o) for o in feed.read_orders_xml(written)] == [asdict(o) for o in parsed]
    assert [o.order_no for o in parsed] == [o.order_no for o in chosen]
