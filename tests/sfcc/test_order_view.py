"""In-process GetOrder answers with an OrderView: the OCAPI ``order`` document of that revision, read field by field.

The connector's reconcile reads a few fields of every order the feed brings back; the view answers
them without building the whole document, and must say exactly what the document says, also after
the export job changed the stored order in place (SFCC-1, FUL-3).
"""

from __future__ import annotations

import pytest

from simulator.connectors.sfcc_port import DirectPort
from simulator.sfcc.serializers import OrderView, order_document
from simulator.world import World

READ = ("shipping_status", "product_items", "c_externalExportStatus", "c_externalChannelOrderStatus",
        "c_externalOrderStatus", "c_orderTag", "c_externalReturnStatus", "c_cancelInfoHistory", "status",
        "_resource_state", "shipments", "no_such_property", "c_noSuchAttribute")


@pytest.fixture
def world() -> World:
    world = World.create(seed=5)
    tiktok = world.systems["tiktok"]
    for _ in range(3):
        tiktok.place_order(profile="sfcc")
    world.advance(seconds=3700)  # hold released: created in SFCC, and exported by the job
    yield world
    world.close()


def test_sfcc1_view_is_the_document_field_by_field_and_whole(world: World) -> None:
    """SFCC-1: every property read alone, and the view as a whole, equal order_document of the order."""
    book = world.systems["sfcc"].orders
    for order in book.orders.values():
        doc = order_document(order, "22.6")
        for key in READ:
            view = OrderView(order, "22.6")  # a fresh view per key: each read takes its own path
            assert view.get(key) == doc.get(key), key
            assert (key in view) == (key in doc), key
        view = OrderView(order, "22.6")
        assert view.get("product_items") == doc["product_items"]
        for index, item in enumerate(doc["product_items"]):  # each item field read alone, then whole
            for key in (*item, "c_externalLineItemStatus", "c_trackingNumber", "c_carrier", "c_noSuch", "nope"):
                alone = OrderView(order, "22.6").get("product_items")[index]
                assert alone.get(key) == item.get(key) and (key in alone) == (key in item), key
            assert dict(OrderView(order, "22.6").get("product_items")[index]) == item
        assert dict(view) == doc and len(view) == len(doc) and view == doc
        with pytest.raises(KeyError):
            view["no_such_property"]


def test_ful3_view_keeps_its_revision_when_the_export_job_changes_the_order_in_place(world: World) -> None:
    """FUL-3: mark_exported changes the stored order in place; a view taken before still shows the old revision."""
    backend = world.systems["sfcc"]
    port = DirectPort(backend)
    order = next(iter(backend.orders.orders.values()))
    before = order_document(order, "22.6")
    status, view = port.get(order.site_id, order.order_no)
    assert status == 200 and isinstance(view, OrderView)
    backend.orders.mark_exported(order.order_no, exported=False)  # the job exported it: READY again, in place
    assert backend.orders.orders[order.order_no] is order  # changed in place, not replaced
    assert order_document(order, "22.6")["c_externalExportStatus"] != before["c_externalExportStatus"]
    assert view.get("c_externalExportStatus") == before["c_externalExportStatus"]
    assert dict(view) == before  # _resource_state too: the revision the view was taken at
