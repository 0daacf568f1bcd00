"""The connector against any SFCC base URL (a separately started mock), and SFCC-3 test safeguards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.app import create_app
from simulator.engine import OrderStatus
from simulator.sfcc.models import SafeguardRecord
from simulator.testing.live import LiveServer
from simulator.transport import in_process_session
from simulator.world import World
from tests.sfcc.conftest import HOLD, HOST, Sfcc, ensure_sku, journal_kinds, place


@pytest.fixture
def remote() -> Iterator[tuple[World, LiveServer]]:
    """A second SFCC mock server on 127.0.0.1 with its own world (its catalogue has the same products)."""
    other = World.create(seed=1, config={"sfcc": {"connector": False}})
    server = LiveServer(create_app(other)).start()
    yield other, server
    server.stop()
    other.close()


@pytest.mark.live
def test_connector_drives_a_separately_started_sfcc_server(remote: tuple[World, LiveServer]) -> None:
    """SFCC-1, SFCC-2, CAN-P1 over real HTTP: the order is created in the other server's SFCC, not locally."""
    other, server = remote
    world = World.create(seed=0, config={"sfcc": {"base_url": server.url}})
    try:
        sku = ensure_sku(world)
        with other.lock:
            other.inventory.add(type(sku)(**{f: getattr(sku, f) for f in sku.__slots__}))  # catalogue sync
        order = place(world)
        world.advance(seconds=HOLD - 1)
        assert other.systems["sfcc"].orders.orders == {}
        world.advance(seconds=1)
        remote_sfcc = Sfcc(requests.Session(), server.url)
        doc = remote_sfcc.find(order.id, remote_sfcc.bm_token())
        assert doc is not None and doc["c_externalOrderStatus"] == "New"
        assert world.systems["sfcc"].orders.orders == {}  # the local mock was never called
        world.engine.platform_cancel(order.id, "fraud")
        doc = remote_sfcc.get(doc["order_no"], remote_sfcc.bm_token()).json()
        assert doc["c_externalOrderStatus"] == "CANCELLED"
        assert journal_kinds(world, order, "connector.sfcc")[-1] == "connector.sfcc.cancelled"
    finally:
        world.close()


@pytest.mark.live
def test_unreachable_sfcc_is_retried_not_dropped() -> None:
    """SFCC-2: connection errors count as failed creates and are retried on the world clock."""
    with LiveServer(create_app(World.create(seed=3))) as server:
        dead_url = server.url
    world = World.create(seed=0, config={"sfcc": {"base_url": dead_url}})
    try:
        order = place(world)
        world.advance(seconds=HOLD + 60 + 300)
        failed = world.journal.entries(kind="connector.sfcc.create_failed", order_id=order.id)
        assert [e.data["http_status"] for e in failed] == [0, 0, 0]
        assert order.status == OrderStatus.AWAITING_SHIPMENT
    finally:
        world.close()


def test_sfcc3_staging_records_would_be_capture_and_email_without_letting_them_out(world: World) -> None:
    place(world)
    world.advance(seconds=HOLD)
    session = in_process_session(create_app(world), HOST)
    report = session.get(f"{HOST}/_sim/sfcc/safeguards").json()
    assert report["environment"] == "staging" and report["ok"] is True
    assert [(r["kind"], r["performed"], r["let_out"]) for r in report["records"]] == [
        ("payment_capture", False, False), ("order_confirmation_email", False, False)]


def test_sfcc3_unsafeguarded_staging_is_flagged() -> None:
    """SFCC-3: capture and emails left on in staging -> the inspection call flags what got out."""
    world = World.create(seed=0, config={"sfcc": {"safeguards": {"RefArch": {
        "payment_capture": True, "order_confirmation_emails": True, "storefront_protection": False}}}})
    try:
        ensure_sku(world)
        order = place(world)
        world.advance(seconds=HOLD)
        report = world.systems["sfcc"].safeguard_report()
        assert report["ok"] is False
        assert {v["kind"] for v in report["violations"]} == {"payment_capture", "order_confirmation_email"}
        assert {c["setting"] for c in report["config_issues"]} == {
            "storefront_protection", "payment_capture", "order_confirmation_emails"}
        assert len(world.journal.entries(kind="sfcc.safeguard.violation", order_id=order.id)) == 2
    finally:
        world.close()


def test_sfcc3_production_performs_capture_without_violation() -> None:
    world = World.create(seed=0, config={"sfcc": {"environment": "production",
                                                  "safeguards": {"RefArch": {"payment_capture": True}}}})
    try:
        ensure_sku(world)
        place(world)
        world.advance(seconds=HOLD)
        report = world.systems["sfcc"].safeguard_report()
        assert report["records"][0]["performed"] is True and report["violations"] == []
    finally:
        world.close()


def test_sim_order_view_projects_the_sfcc_order(world: World) -> None:
    order = place(world)
    assert world.systems["sfcc"].project_order(order.id) is None
    world.advance(seconds=HOLD)
    projected = world.systems["sfcc"].project_order(order.id)
    assert projected is not None and projected["c_externalOrderId"] == order.id and projected["_type"] == "order"


@settings(max_examples=20, deadline=None)
@given(environment=st.sampled_from(["staging", "production"]), capture=st.booleans(), emails=st.booleans(),
       reads=st.lists(st.integers(0, 5), max_size=3))
def test_sfcc3_safeguard_records_built_on_read_equal_the_journal_at_each_placement(
        environment: str, capture: bool, emails: bool, reads: list[int]) -> None:
    """SFCC-3: the records (built when first read, whenever that is) are the ones each placement journaled."""
    world = World.create(seed=1, config={"sfcc": {"environment": environment, "safeguards": {"RefArch": {
        "payment_capture": capture, "order_confirmation_emails": emails}}}})
    try:
        tiktok, book = world.systems["tiktok"], world.systems["sfcc"].orders
        for n in range(6):
            tiktok.place_order(profile="sfcc")
            world.advance(seconds=HOLD)
            if n in reads:
                assert len(book.safeguards) == 2 * len(book.orders)  # a read between placements
        kinds = ("sfcc.safeguard.payment_capture", "sfcc.safeguard.order_confirmation_email")
        eager = []
        for entry in world.journal:
            if entry.kind in kinds:
                data = dict(entry.data)
                order_no = data.pop("order_no")
                del data["order_id"], data["rule"]
                performed, let_out = data.pop("performed"), data.pop("let_out")
                eager.append(SafeguardRecord(entry.at, entry.kind.rsplit(".", 1)[1], book.orders[order_no].site_id,
                                             order_no, data, performed, let_out))
        assert len(eager) == 12 and book.safeguards == eager
        assert all(r.let_out == (r.performed and environment != "production") for r in eager)
        report = world.systems["sfcc"].safeguard_report()
        assert [(r["kind"], r["order_no"], r["let_out"]) for r in report["records"]] == [
            (r.kind, r.order_no, r.let_out) for r in eager]
    finally:
        world.close()
