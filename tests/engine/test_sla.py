"""SLA-1..SLA-5: dispatch deadline, campaign extension, Late Dispatch Rate, platform auto-cancel."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from simulator.calendar import BusinessCalendar, CampaignWindow
from simulator.engine import OrderStatus, late_dispatch_rate
from simulator.world import World
from tests.fixtures.engine import engine_world, place, release

LA = ZoneInfo("America/Los_Angeles")


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LA)  # type: ignore[misc]


def _world_at(start: datetime, calendar: BusinessCalendar | None = None) -> World:
    world = engine_world(start=start)
    if calendar is not None:
        world.engine.calendars["US"] = calendar
    return world


US_2026 = BusinessCalendar(timezone="America/Los_Angeles", holidays=frozenset({date(2026, 11, 11), date(2026, 11, 26)}))


def test_sla1_friday_evening_order_due_thursday_across_weekend_and_holiday() -> None:
    world = _world_at(_local(2026, 11, 6, 18, 0), US_2026)
    order = release(world, place(world))
    # hold ends Fri 19:00; Mon (1), Tue (2), Wed 11 Nov Veterans Day skipped, Thu (3)
    assert order.rts_sla_time == _local(2026, 11, 12, 19, 0)
    world.advance(to=order.rts_sla_time)
    assert not order.dispatch_missed  # shipping at the deadline instant is still on time (SLA-2)
    world.advance(seconds=1)
    assert order.dispatch_missed
    missed = world.journal.entries(kind="sla.dispatch_missed")
    assert [(e.data["order_id"], e.data["deadline"], e.at - e.data["deadline"]) for e in missed] == [
        (order.id, order.rts_sla_time, timedelta(microseconds=1))]


def test_sla1_shipping_before_the_deadline_cancels_the_deadline_timer() -> None:
    world = _world_at(_local(2026, 11, 2, 9, 0), US_2026)
    order = release(world, place(world))
    world.engine.ship_package(order.package_ids[0], tracking_number="T", shipping_provider_id="p")
    world.advance(seconds=10 * 86400)
    assert not order.dispatch_missed and world.journal.entries(kind="sla.dispatch_missed") == []


def test_sla1_presale_orders_use_the_listing_dispatch_period() -> None:
    world = _world_at(_local(2026, 11, 2, 9, 0), US_2026)
    world.inventory.get("172000000000000001").presale_dispatch_days = 10
    order = release(world, place(world))
    assert order.rts_sla_time == US_2026.add_business_days(order.released_time, 10)  # type: ignore[arg-type]


def test_sla3_campaign_window_adds_one_business_day() -> None:
    calendar = BusinessCalendar(
        timezone="America/Los_Angeles", holidays=US_2026.holidays,
        campaigns=(CampaignWindow("BFCM", date(2026, 11, 20), date(2026, 11, 27)),),
    )
    outside = _world_at(_local(2026, 11, 19, 10, 0), calendar)
    order = release(outside, place(outside))
    assert order.rts_sla_time == _local(2026, 11, 24, 11, 0) and order.campaign is None  # Fri, Mon, Tue
    inside = _world_at(_local(2026, 11, 20, 10, 0), calendar)
    order = release(inside, place(inside))
    # Mon 23 (1), Tue (2), Wed (3), Thu 26 Thanksgiving skipped, Fri 27 (4 = 3 + campaign day)
    assert order.rts_sla_time == _local(2026, 11, 27, 11, 0) and order.campaign == "BFCM"


@pytest.mark.parametrize(
    ("profile", "deadline"),
    [
        # CAN-P1: 15 calendar days after the hold ends (Mon 2 Nov 10:00 UTC -> Tue 17 Nov)
        ("sfcc", datetime(2026, 11, 17, 10, 0, tzinfo=ZoneInfo("UTC"))),
        # CAN-P2: 7 business days in the US calendar (Wed 11 Nov holiday skipped -> Thu 12 Nov)
        ("rithum", datetime(2026, 11, 12, 10, 0, tzinfo=ZoneInfo("UTC"))),
        ("direct", datetime(2026, 11, 12, 10, 0, tzinfo=ZoneInfo("UTC"))),
    ],
)
def test_sla5_unshipped_order_is_platform_cancelled_at_the_profile_limit(profile: str, deadline: datetime) -> None:
    """SLA-5 with CAN-P1 (sfcc: 15 calendar days) and CAN-P2 (rithum: 7 business days), one second apart."""
    world = _world_at(datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("UTC")), US_2026)
    order = release(world, place(world, profile=profile))
    assert order.cancel_order_sla_time == deadline
    world.advance(to=deadline - timedelta(seconds=1))
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    world.advance(seconds=1)
    assert order.status == OrderStatus.CANCELLED
    assert order.cancellation_initiator == "SYSTEM"
    assert order.cancel_reason == "system_cancel_order_reason_shipping_timeout"
    assert not order.cancel_after_shipped
    assert [n.kind for n in world.engine.notifications_for(order.id)] == ["order_cancelled"]
    assert world.inventory.get("172000000000000001").reserved == 0


def test_sla5_shipped_orders_are_not_auto_cancelled(world: World) -> None:
    order = release(world, place(world, profile="sfcc"))
    world.engine.ship_package(order.package_ids[0], tracking_number="T", shipping_provider_id="p")
    world.advance(seconds=20 * 86400)
    assert order.status == OrderStatus.AWAITING_COLLECTION


def test_sla2_late_dispatch_rate_counts_late_and_late_then_cancelled_orders() -> None:
    world = _world_at(datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("UTC")), US_2026)
    period_start = world.clock.now()
    on_time = [place(world) for _ in range(6)]
    late = [place(world) for _ in range(2)]
    late_cancelled = place(world)
    early_cancelled = place(world)
    world.advance(seconds=3600)
    for order in on_time:
        world.engine.ship_package(order.package_ids[0], tracking_number="T", shipping_provider_id="p")
    world.engine.seller_cancel(early_cancelled.id, "seller_cancel_reason_out_of_stock")
    assert late[0].rts_sla_time is not None
    world.advance(to=late[0].rts_sla_time + timedelta(hours=2))
    for order in late:
        world.engine.ship_package(order.package_ids[0], tracking_number="T", shipping_provider_id="p")
    world.engine.seller_cancel(late_cancelled.id, "seller_cancel_reason_out_of_stock")
    report = late_dispatch_rate(world.engine.orders.values(), period_start, world.clock.now() + timedelta(seconds=1))
    assert (report.shipped, report.shipped_late, report.cancelled_after_deadline) == (8, 2, 1)
    assert report.rate == pytest.approx(3 / 9)
    assert not report.meets_target
    before_late = late_dispatch_rate(world.engine.orders.values(), period_start, late[0].rts_sla_time)
    assert (before_late.shipped, before_late.rate) == (6, 0.0) and before_late.meets_target


def test_sla4_estimated_delivery_time_is_handling_plus_shipping_business_days() -> None:
    world = _world_at(_local(2026, 11, 6, 10, 0), US_2026)  # a Friday
    order = place(world, handling_days=2, shipping_days=3)
    # Mon (1), Tue (2), Wed 11 Nov holiday skipped, Thu (3), Fri (4), Mon 16 (5)
    assert order.estimated_delivery_time == _local(2026, 11, 16, 10, 0)
    assert place(world).estimated_delivery_time is None
    with pytest.raises(Exception, match="handling_days") as err:
        place(world, handling_days=-1, shipping_days=2)
    assert getattr(err.value, "rule", None) == "SLA-4"
