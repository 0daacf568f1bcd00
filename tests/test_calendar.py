"""Business calendar: weekends, holidays and campaign windows (SLA-1, SLA-3, CAN-P2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from simulator.calendar import BusinessCalendar, CalendarError
from simulator.world import default_mocks_dir, load_calendars


def test_sla1_friday_evening_plus_three_business_days_skips_weekend_and_holiday() -> None:
    cal = BusinessCalendar(timezone="America/Los_Angeles", holidays=frozenset({date(2026, 11, 9)}))
    friday_evening = datetime(2026, 11, 6, 18, 30, tzinfo=UTC).astimezone(cal.tz).replace(hour=18, minute=30)
    due = cal.add_business_days(friday_evening, 3)
    # Sat, Sun skipped; Monday 9 Nov is a holiday: Tue (1), Wed (2), Thu (3)
    assert due.astimezone(cal.tz).date() == date(2026, 11, 12)
    assert due.astimezone(cal.tz).hour == 18 and due.astimezone(cal.tz).minute == 30


def test_business_days_are_counted_in_the_market_time_zone() -> None:
    cal = BusinessCalendar(timezone="America/Los_Angeles")
    # 2026-11-07 03:00 UTC is still Friday 19:00 in Los Angeles
    friday_local = datetime(2026, 11, 7, 3, 0, tzinfo=UTC)
    assert cal.local_date(friday_local).weekday() == 4
    assert cal.local_date(cal.add_business_days(friday_local, 1)) == date(2026, 11, 9)


def test_start_on_a_weekend_counts_the_next_business_day_as_day_one() -> None:
    cal = BusinessCalendar()
    saturday = datetime(2026, 11, 7, 12, 0, tzinfo=UTC)
    assert cal.add_business_days(saturday, 1).date() == date(2026, 11, 9)
    assert cal.add_business_days(saturday, 0) == saturday


def test_can_p2_seven_business_days_differs_from_can_p1_fifteen_calendar_days() -> None:
    cal = BusinessCalendar()
    monday = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert cal.add_business_days(monday, 7) == datetime(2026, 11, 11, 10, 0, tzinfo=UTC)
    assert monday + timedelta(days=15) == datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
    assert cal.business_days_between(monday, datetime(2026, 11, 11, 10, 0, tzinfo=UTC)) == 7


def test_sla3_campaign_window_adds_a_business_day_inside_the_window_only() -> None:
    cal = BusinessCalendar.from_dict(
        {"campaigns": [{"name": "BFCM", "start": "2023-11-20", "end": "2023-11-27", "extra_business_days": 1}]}
    )
    assert cal.campaign_extension(datetime(2023, 11, 19, 23, 59, tzinfo=UTC)) == 0
    assert cal.campaign_extension(datetime(2023, 11, 20, 0, 0, tzinfo=UTC)) == 1
    assert cal.campaign_extension(datetime(2023, 11, 27, 23, 59, tzinfo=UTC)) == 1
    assert cal.campaign_extension(datetime(2023, 11, 28, 0, 0, tzinfo=UTC)) == 0
    window = cal.campaign_at(datetime(2023, 11, 22, tzinfo=UTC))
    assert window is not None and window.name == "BFCM"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"holidays": ["2026-02-30"]}, "not a date"),
        ({"campaigns": [{"name": "x", "start": "2026-11-30", "end": "2026-11-01"}]}, "before it starts"),
        ({"weekend": ["Funday"]}, "weekday"),
        ({"campaigns": [{"start": "2026-11-01"}]}, "bad calendar data"),
    ],
)
def test_bad_calendar_data_is_refused_with_a_message(data: dict[str, object], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar.from_dict(data)


def test_shipped_calendars_load_for_us_and_uk() -> None:
    calendars = load_calendars(default_mocks_dir() / "calendar.yaml")
    assert {"default", "US", "UK"} <= set(calendars)
    assert date(2026, 11, 26) in calendars["US"].holidays  # Thanksgiving
    assert date(2026, 12, 28) in calendars["UK"].holidays  # Boxing Day substitute
    assert calendars["US"].timezone == "America/Los_Angeles"
