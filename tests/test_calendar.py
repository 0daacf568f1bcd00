"""Business calendar: weekends, holidays and campaign windows (SLA-1, SLA-3, CAN-P2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.calendar import BusinessCalendar, CalendarError
from simulator.rules import RuleBook
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


def test_sla1_a_release_on_a_non_business_day_counts_from_midnight_of_the_next_business_day() -> None:
    """The monotonic rule: Friday 18:00 + 3 is Wednesday 18:00, Saturday 10:00 + 3 is Thursday 00:00."""
    cal = BusinessCalendar(holidays=frozenset({date(2026, 11, 26)}))
    assert cal.add_business_days(datetime(2026, 11, 6, 18, 0, tzinfo=UTC), 3) == datetime(2026, 11, 11, 18, 0, tzinfo=UTC)
    saturday = datetime(2026, 11, 7, 10, 0, tzinfo=UTC)
    assert cal.add_business_days(saturday, 3) == datetime(2026, 11, 12, 0, 0, tzinfo=UTC)  # Mon, Tue, Wed whole
    assert cal.add_business_days(saturday, 0) == datetime(2026, 11, 9, 0, 0, tzinfo=UTC)
    assert cal.add_business_days(datetime(2026, 11, 9, 0, 0, tzinfo=UTC), 3) == datetime(2026, 11, 12, 0, 0, tzinfo=UTC)
    # A holiday counts like a weekend day: Thanksgiving 10:00 + 1 is Monday 00:00 (Fri counted whole).
    assert cal.add_business_days(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), 1) == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


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


# -- shipped data: 2023-2028 holidays cross-checked against the `holidays` package ------------------
YEARS = range(2023, 2029)


def _expected_holidays(market: str) -> set[date]:
    import holidays

    source = (holidays.country_holidays("US", years=YEARS) if market == "US"
              else holidays.country_holidays("GB", subdiv="ENG", years=YEARS))
    return {day for day in source if day.weekday() < 5}  # weekend holidays are skipped anyway


@pytest.mark.parametrize("market", ["US", "UK"])
def test_shipped_holidays_equal_the_holidays_package_for_2023_to_2028(market: str) -> None:
    """US federal holidays (observed days, Thanksgiving included) and England & Wales bank holidays."""
    shipped = load_calendars(default_mocks_dir() / "calendar.yaml")[market].holidays
    expected = _expected_holidays(market)
    assert not expected - shipped, f"missing from mocks/calendar.yaml: {sorted(expected - shipped)}"
    assert not shipped - expected, f"not a {market} holiday: {sorted(shipped - expected)}"
    assert {d.year for d in shipped} == set(YEARS)
    if market == "US":  # fourth Thursday of November, every year
        assert all(any(d.month == 11 and d.weekday() == 3 and 22 <= d.day <= 28 for d in shipped if d.year == y)
                   for y in YEARS)


@pytest.mark.parametrize("market", ["US", "UK"])
def test_sla3_the_rithum_doc_window_ships_as_data(market: str) -> None:
    cal = load_calendars(default_mocks_dir() / "calendar.yaml")[market]
    window = cal.campaign_at(datetime(2023, 11, 20, 12, 0, tzinfo=cal.tz))
    assert window is not None and (window.start, window.end) == (date(2023, 11, 20), date(2023, 11, 27))
    assert window.extra_business_days == 1
    assert cal.campaign_extension(datetime(2023, 11, 28, 0, 0, tzinfo=cal.tz)) == 0


def test_sla3_each_window_keeps_its_own_extension_and_others_take_the_default() -> None:
    cal = BusinessCalendar.from_dict({"campaigns": [
        {"name": "two", "start": "2026-11-20", "end": "2026-11-27", "extra_business_days": 2},
        {"name": "plain", "start": "2026-12-01", "end": "2026-12-05"},
        {"name": "none", "start": "2026-12-10", "end": "2026-12-12", "extra_business_days": 0},
    ]})
    assert cal.campaign_extension(datetime(2026, 11, 21, tzinfo=UTC), default=1) == 2
    assert cal.campaign_extension(datetime(2026, 11, 21, tzinfo=UTC), default=5) == 2
    assert cal.campaign_extension(datetime(2026, 12, 2, tzinfo=UTC), default=3) == 3
    assert cal.campaign_extension(datetime(2026, 12, 11, tzinfo=UTC), default=3) == 0
    with pytest.raises(CalendarError, match="whole number"):
        BusinessCalendar.from_dict({"campaigns": [{"name": "x", "start": "2026-11-20", "end": "2026-11-27",
                                                   "extra_business_days": "2"}]})


# -- monotonicity: a later start never gets an earlier deadline ------------------------------------
SHIPPED = load_calendars(default_mocks_dir() / "calendar.yaml")
# US and UK as shipped, and the same zones with a seven-day week, which puts the DST changes
# (always on a Sunday) on business days so the wall-clock rules are exercised.
CALENDARS = {
    **{m: SHIPPED[m] for m in ("US", "UK")},
    **{f"{m}-7day": BusinessCalendar(SHIPPED[m].timezone, SHIPPED[m].holidays, frozenset(), SHIPPED[m].campaigns)
       for m in ("US", "UK")},
}
LOW, HIGH = datetime(2023, 1, 1, tzinfo=UTC), datetime(2028, 12, 20, tzinfo=UTC)


def _transitions(zone: str) -> list[datetime]:
    """UTC instants where ``zone`` changes offset, 2023-2028 (hourly scan; US/UK switch on the hour)."""
    cal = BusinessCalendar(zone)
    points, at = [], LOW
    offset = at.astimezone(cal.tz).utcoffset()
    while at < HIGH:
        at += timedelta(hours=1)
        now = at.astimezone(cal.tz).utcoffset()
        if now != offset:
            points.append(at)
            offset = now
    return points


INTERESTING = sorted(
    {t for zone in ("America/Los_Angeles", "Europe/London") for t in _transitions(zone)}
    | {datetime.combine(d, datetime.min.time(), tzinfo=SHIPPED[m].tz).astimezone(UTC)
       for m in ("US", "UK") for d in SHIPPED[m].holidays}
    | {datetime.combine(d, datetime.min.time(), tzinfo=SHIPPED[m].tz).astimezone(UTC)
       for m in ("US", "UK") for c in SHIPPED[m].campaigns for d in (c.start, c.end + timedelta(days=1))}
)


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Anywhere in 2023-2028, or within a few hours/days of a DST change, holiday or window edge."""
    if draw(st.booleans()):
        return LOW + timedelta(seconds=draw(st.integers(0, int((HIGH - LOW).total_seconds()))))
    anchor = draw(st.sampled_from(INTERESTING))
    return anchor + timedelta(seconds=draw(st.integers(-3 * 86400, 3 * 86400)))


@settings(max_examples=600, derandomize=True, deadline=None)
@given(market=st.sampled_from(sorted(CALENDARS)), first=instants(), gap=st.integers(0, 4 * 86400),
       days=st.integers(0, 10))
def test_sla1_sla5_business_day_deadlines_are_monotonic(market: str, first: datetime, gap: int, days: int) -> None:
    """SLA-1/SLA-3/SLA-4/SLA-5/CAN-P2 deadlines: a later start never gets an earlier deadline, the
    deadline never precedes its start, and it falls on a business day."""
    cal = CALENDARS[market]
    second = first + timedelta(seconds=gap)
    due_first, due_second = cal.add_business_days(first, days), cal.add_business_days(second, days)
    assert due_first <= due_second, (first.astimezone(cal.tz), second.astimezone(cal.tz), days)
    assert due_first >= first and cal.is_business_day(cal.local_date(due_first))
    if days:
        assert due_first > first


@settings(max_examples=400, derandomize=True, deadline=None)
@given(market=st.sampled_from(["US", "UK"]), first=instants(), gap=st.integers(0, 4 * 86400),
       profile=st.sampled_from(["sfcc", "rithum", "direct"]))
def test_sla1_sla3_dispatch_deadlines_are_monotonic_across_campaign_windows(
        market: str, first: datetime, gap: int, profile: str) -> None:
    """Orders released later (placed one hold earlier) never get an earlier dispatch deadline, except
    when only the earlier one was placed inside a campaign window (SLA-3 extends those orders only)."""
    cal = SHIPPED[market]
    rules = RuleBook.load()[profile]
    second = first + timedelta(seconds=gap)
    placed_first, placed_second = first - rules.hold, second - rules.hold
    due_first = rules.dispatch_deadline(first, placed_first, cal)
    due_second = rules.dispatch_deadline(second, placed_second, cal)
    default = rules.campaign_extension_business_days
    if cal.campaign_extension(placed_first, default) <= cal.campaign_extension(placed_second, default):
        assert due_first <= due_second, (first.astimezone(cal.tz), second.astimezone(cal.tz))


def test_sla1_deadlines_across_dst_changes_stay_in_order() -> None:
    """A wall time the deadline's date skips becomes the jump (03:00); the repeated hour's second pass
    counts from that hour's end, so 01:15 (second time) is not due before 01:45 (first time)."""
    cal = BusinessCalendar("America/Los_Angeles", weekend=frozenset())  # DST changes fall on Sundays
    la = cal.tz
    spring = [cal.add_business_days(datetime(2026, 3, 6, h, m, tzinfo=la), 2) for h, m in ((1, 59), (2, 30), (3, 15))]
    assert [d.astimezone(la).isoformat() for d in spring] == [
        "2026-03-08T01:59:00-08:00", "2026-03-08T03:00:00-07:00", "2026-03-08T03:15:00-07:00"]
    autumn = [datetime(2026, 11, 1, 1, 45, tzinfo=la), datetime(2026, 11, 1, 1, 15, fold=1, tzinfo=la),
              datetime(2026, 11, 1, 2, 0, tzinfo=la)]
    assert autumn == sorted(autumn, key=lambda t: t.astimezone(UTC))
    due = [cal.add_business_days(t.astimezone(UTC), 1).astimezone(la).isoformat() for t in autumn]
    assert due == ["2026-11-02T01:45:00-08:00", "2026-11-02T02:00:00-08:00", "2026-11-02T02:00:00-08:00"]
    # On the autumn date itself an ambiguous wall time means its first occurrence.
    assert cal.add_business_days(datetime(2026, 10, 31, 1, 30, tzinfo=la), 1).utcoffset() == timedelta(hours=-7)
