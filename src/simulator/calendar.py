"""Business calendar: weekends, holidays and campaign windows (SLA-1, SLA-3, CAN-P2), all data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml


class CalendarError(ValueError):
    """Calendar data that cannot be used (bad dates, inverted windows, unknown time zone)."""


@dataclass(frozen=True)
class CampaignWindow:
    """A holiday campaign: orders placed from ``start`` to ``end`` (inclusive dates) get extra SLA days."""

    name: str
    start: date
    end: date
    extra_business_days: int = 1

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise CalendarError(f"campaign {self.name!r} ends ({self.end}) before it starts ({self.start})")
        if self.extra_business_days < 0:
            raise CalendarError(f"campaign {self.name!r} has a negative extension")

    def contains(self, day: date) -> bool:
        """True when ``day`` falls inside the window."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days count as business days, in one market's time zone.

    Business-day arithmetic happens on local dates; the time of day is kept, so an order released
    on Friday 18:00 with a 3-business-day SLA is due Wednesday 18:00 (Mon, Tue, Wed).
    """

    timezone: str = "UTC"
    holidays: frozenset[date] = field(default_factory=frozenset)
    weekend: frozenset[int] = frozenset({5, 6})  # Monday is 0: Saturday and Sunday
    campaigns: tuple[CampaignWindow, ...] = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _shift_cache: dict[tuple[date, int], date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except Exception as exc:  # zoneinfo raises several types for bad keys
            raise CalendarError(f"unknown time zone {self.timezone!r}") from exc
        if len(self.weekend) >= 7:
            raise CalendarError("a calendar needs at least one working weekday")
        object.__setattr__(self, "_zone", ZoneInfo(self.timezone))
        object.__setattr__(self, "_shift_cache", {})

    @property
    def tz(self) -> ZoneInfo:
        """The market's time zone."""
        return self._zone

    def local_date(self, instant: datetime) -> date:
        """The calendar date of ``instant`` in the market's time zone."""
        return instant.astimezone(self._zone).date()

    def is_business_day(self, day: date) -> bool:
        """True unless ``day`` is a weekend day or a holiday."""
        return day.weekday() not in self.weekend and day not in self.holidays

    def add_business_days(self, instant: datetime, days: int) -> datetime:
        """``instant`` moved forward by ``days`` business days, keeping the local time of day.

        Each step moves to the next business day; starting on a weekend or holiday therefore
        counts the first business day after it as day one.
        """
        if days < 0:
            raise CalendarError("add_business_days takes a non-negative count")
        local = instant.astimezone(self._zone)
        day = self._shift(local.date(), days)
        moved = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=self._zone)
        return moved.astimezone(instant.tzinfo)

    def _shift(self, start: date, days: int) -> date:
        # Orders released on the same local day share their deadlines' dates: memoise per calendar.
        key = (start, days)
        cached = self._shift_cache.get(key)
        if cached is None:
            cached, remaining = start, days
            while remaining:
                cached += timedelta(days=1)
                if self.is_business_day(cached):
                    remaining -= 1
            if len(self._shift_cache) > 4096:
                self._shift_cache.clear()
            self._shift_cache[key] = cached
        return cached

    def business_days_between(self, start: datetime, end: datetime) -> int:
        """Whole business days after ``start``'s date up to and including ``end``'s date."""
        first, last = self.local_date(start), self.local_date(end)
        count, day = 0, first
        while day < last:
            day += timedelta(days=1)
            if self.is_business_day(day):
                count += 1
        return count

    def campaign_extension(self, instant: datetime) -> int:
        """Extra business days for an order placed at ``instant`` (SLA-3); the largest window wins."""
        day = self.local_date(instant)
        return max((c.extra_business_days for c in self.campaigns if c.contains(day)), default=0)

    def campaign_at(self, instant: datetime) -> CampaignWindow | None:
        """The campaign window containing ``instant``, if any."""
        day = self.local_date(instant)
        return next((c for c in self.campaigns if c.contains(day)), None)

    # -- data ----------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build a calendar from plain data (the ``calendar.yaml`` shape)."""
        try:
            holidays = frozenset(_as_date(d) for d in data.get("holidays", []) or [])
            campaigns = tuple(
                CampaignWindow(
                    name=str(c["name"]),
                    start=_as_date(c["start"]),
                    end=_as_date(c["end"]),
                    extra_business_days=int(c.get("extra_business_days", 1)),
                )
                for c in data.get("campaigns", []) or []
            )
            weekend = frozenset(_weekday(w) for w in data.get("weekend", ["Sat", "Sun"]))
        except (KeyError, TypeError) as exc:
            raise CalendarError(f"bad calendar data: {exc}") from exc
        return cls(
            timezone=str(data.get("timezone", "UTC")), holidays=holidays, weekend=weekend, campaigns=campaigns
        )

    @classmethod
    def load(cls, path: Path) -> BusinessCalendar:
        """Load a calendar from a YAML file."""
        with path.open(encoding="utf-8") as fh:
            return cls.from_dict(yaml.safe_load(fh) or {})

    def with_holidays(self, days: Iterable[date]) -> BusinessCalendar:
        """A copy with extra holidays."""
        return BusinessCalendar(self.timezone, self.holidays | frozenset(days), self.weekend, self.campaigns)


_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _weekday(value: object) -> int:
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    key = str(value).strip().lower()[:3]
    if key not in _WEEKDAYS:
        raise CalendarError(f"not a weekday: {value!r}")
    return _WEEKDAYS[key]


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CalendarError(f"not a date: {value!r}") from exc
