"""Business-day deadlines on orders: the monotonic start rule (docs/calendar.md) and campaign extensions."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from simulator.calendar import BusinessCalendar, CampaignWindow
from simulator.world import World
from tests.fixtures.engine import SKU_A, engine_world, place, release

LA = ZoneInfo("America/Los_Angeles")
THANKSGIVING = date(2026, 11, 26)


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LA)  # type: ignore[misc]


def _world(start: datetime, *campaigns: CampaignWindow, **kwargs: object) -> World:
    world = engine_world(start=start, **kwargs)
    world.engine.calendars["US"] = BusinessCalendar("America/Los_Angeles", frozenset({THANKSGIVING}),
                                                    campaigns=campaigns)
    return world


def test_sla1_an_order_confirmed_later_never_gets_an_earlier_dispatch_deadline() -> None:
    """Friday 18:00 release: Wednesday 18:00. Saturday 10:00 release: counts from Monday 00:00, so
    Thursday 00:00 (before the fix it was Wednesday 10:00, earlier than Friday's order)."""
    world = _world(_local(2026, 11, 13, 17, 0))
    friday = release(world, place(world))
    world.advance(to=_local(2026, 11, 14, 9, 0))
    saturday = release(world, place(world))
    assert friday.rts_sla_time == _local(2026, 11, 18, 18, 0)
    assert saturday.rts_sla_time == _local(2026, 11, 19, 0, 0)
    # Pre-sale (SLA-1, listing's period) follows the same rule: Mon 16 .. Fri 20 whole, due Mon 23 00:00.
    world.inventory.get(SKU_A).presale_dispatch_days = 5
    presale = release(world, place(world))
    assert presale.released_time == _local(2026, 11, 14, 11, 0) and presale.rts_sla_time == _local(2026, 11, 23, 0, 0)


def test_sla5_can_p2_business_day_auto_cancel_counts_from_the_next_business_day() -> None:
    """Rithum: 7 business days. Released Thursday 26 Nov (Thanksgiving): Fri 27 is day one."""
    world = _world(_local(2026, 11, 26, 8, 0))
    order = release(world, place(world, profile="rithum"))
    # Fri 27, Mon 30, Tue 1, Wed 2, Thu 3, Fri 4, Mon 7 counted whole: due Tue 8 Dec 00:00.
    assert order.cancel_order_sla_time == _local(2026, 12, 8, 0, 0)
    world.advance(to=_local(2026, 12, 8, 0, 0))
    assert order.status == "CANCELLED" and order.cancel_reason == "system_cancel_order_reason_shipping_timeout"


def test_sla4_estimated_delivery_from_a_sunday_placement_counts_from_monday() -> None:
    world = _world(_local(2026, 11, 15, 20, 0))
    order = place(world, handling_days=1, shipping_days=2)
    assert order.estimated_delivery_time == _local(2026, 11, 19, 0, 0)  # Mon, Tue, Wed whole


def test_sla3_a_window_with_extra_business_days_2_extends_by_2() -> None:
    """Each window's own extra days; a window without one takes the profile's default."""
    two = CampaignWindow("Double", date(2026, 11, 16), date(2026, 11, 17), extra_business_days=2)
    plain = CampaignWindow("Plain", date(2026, 11, 18), date(2026, 11, 18))
    world = _world(_local(2026, 11, 16, 10, 0), two, plain)
    in_two = release(world, place(world))  # Mon 11:00 + 3 + 2: Tue, Wed, Thu, Fri, Mon 23
    assert in_two.rts_sla_time == _local(2026, 11, 23, 11, 0) and in_two.campaign == "Double"
    world.advance(to=_local(2026, 11, 18, 10, 0))
    in_plain = release(world, place(world))  # Wed 11:00 + 3 + 1: Thu, Fri, Mon, Tue 24
    assert in_plain.rts_sla_time == _local(2026, 11, 24, 11, 0) and in_plain.campaign == "Plain"

    overridden = _world(_local(2026, 11, 16, 10, 0), two, plain,
                        profile_overrides={"direct": {"campaign_extension_business_days": 3}})
    assert release(overridden, place(overridden)).rts_sla_time == _local(2026, 11, 23, 11, 0)  # still +2
    overridden.advance(to=_local(2026, 11, 18, 10, 0))
    # Wed 11:00 + 3 + 3: Thu, Fri, Mon, Tue, Wed, (Thanksgiving skipped) Fri 27
    assert release(overridden, place(overridden)).rts_sla_time == _local(2026, 11, 27, 11, 0)
