"""SLA-1 dispatch deadline on CA orders, SLA-3 campaign extension, SLA-2 Late Dispatch Rate over a mix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulator.engine import late_dispatch_rate
from simulator.world import World
from tests.fixtures.channeladvisor import Oms, make_world, next_tick, place, to_import


def _iso(value: datetime | None) -> str:
    assert value is not None
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_sla1_ca_order_shows_the_3_business_day_dispatch_deadline(oms: Oms, world: World) -> None:
    order = place(world)
    to_import(world, order)
    ca = oms.order(order)
    assert ca["EstimatedShipDateUtc"] == _iso(order.rts_sla_time)
    # Monday 10:00 UTC release, US calendar: Tue, Wed, Thu -> Thursday
    assert order.rts_sla_time == datetime(2026, 11, 5, 10, 0, tzinfo=UTC)


def test_sla3_campaign_orders_get_one_more_business_day() -> None:
    world = make_world(start=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # Monday inside BFCM 2026 (US)
    try:
        from flask.testing import FlaskClient  # noqa: F401

        from simulator.app import create_app

        oms = Oms(create_app(world).test_client(), world)
        order = place(world)
        to_import(world, order)
        # Tue 24, Wed 25, (Thu 26 is Thanksgiving), Fri 27 = 3 BD; +1 campaign day -> Mon 30
        assert order.rts_sla_time == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
        assert oms.order(order)["EstimatedShipDateUtc"] == "2026-11-30T10:00:00Z"
        assert order.campaign is not None
    finally:
        world.close()


def test_sla2_ldr_over_on_time_late_and_late_then_cancelled(oms: Oms, world: World) -> None:
    start = world.clock.now()
    on_time = [place(world) for _ in range(3)]
    late = place(world)
    late_cancelled = place(world)
    to_import(world, late_cancelled)
    for order in on_time:
        assert oms.ship(oms.ca_id(order)).status_code == 204
    next_tick(world)
    assert all(o.rts_time is not None and o.rts_time <= o.rts_sla_time for o in on_time)  # type: ignore[operator]
    world.advance(to=late.rts_sla_time + timedelta(minutes=1))  # type: ignore[operator]
    assert late.dispatch_missed and late_cancelled.dispatch_missed
    assert oms.ship(oms.ca_id(late)).status_code == 204
    assert oms.adjust(oms.ca_id(late_cancelled), Reason="ItemNotAvailable").status_code == 204
    next_tick(world)
    assert late.rts_time is not None and late.rts_time > late.rts_sla_time  # type: ignore[operator]
    assert late_cancelled.status == "CANCELLED" and late_cancelled.cancellation_initiator == "SELLER"
    end = world.clock.now() + timedelta(seconds=1)  # [start, end) must include this tick
    report = late_dispatch_rate(world.engine.orders.values(), start, end,
                                world.rules["rithum"].ldr_target)
    assert (report.shipped, report.shipped_late, report.cancelled_after_deadline) == (4, 1, 1)
    assert report.rate == 2 / 5 and not report.meets_target
