"""Business calendar: weekends, holidays, campaign windows and monotonic business-day deadlines (docs/calendar.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from simulator import yamlfiles
from simulator.sharing import Shared, time_key


class CalendarError(ValueError):
    """Calendar data that cannot be used (bad dates, inverted windows, unknown time zone)."""


@dataclass(frozen=True)
class CampaignWindow:
    """A holiday campaign: orders placed from ``start`` to ``end`` (inclusive dates) get extra SLA days.

    ``extra_business_days`` is the window's own extension (SLA-3); ``None`` means "the profile's
    ``campaign_extension_business_days``".
    """

    name: str
    start: date
    end: date
    extra_business_days: int | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise CalendarError(f"campaign {self.name!r} ends ({self.end}) before it starts ({self.start})")
        if self.extra_business_days is not None and self.extra_business_days < 0:
            raise CalendarError(f"campaign {self.name!r} has a negative extension")

    def extension(self, default: int) -> int:
        """The window's extra business days, or ``default`` when the window names none."""
        return default if self.extra_business_days is None else self.extra_business_days

    def contains(self, day: date) -> bool:
        """True when ``day`` falls inside the window."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days count as business days, in one market's time zone.

    Business-day arithmetic happens on local dates (:meth:`add_business_days` states the rule);
    deadlines are monotonic in the instant they count from.
    """

    timezone: str = "UTC"
    holidays: frozenset[date] = field(default_factory=frozenset)
    weekend: frozenset[int] = frozenset({5, 6})  # Monday is 0: Saturday and Sunday
    campaigns: tuple[CampaignWindow, ...] = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _shift_cache: dict[tuple[date, int], date] = field(init=False, repr=False, compare=False)
    _steady_cache: dict[date, bool] = field(init=False, repr=False, compare=False)
    _deadlines: Shared[datetime] = field(init=False, repr=False, compare=False)  # equal deadlines: one object

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except Exception as exc:  # zoneinfo raises several types for bad keys
            raise CalendarError(f"unknown time zone {self.timezone!r}") from exc
        if len(self.weekend) >= 7:
            raise CalendarError("a calendar needs at least one working weekday")
        object.__setattr__(self, "_zone", ZoneInfo(self.timezone))
        object.__setattr__(self, "_shift_cache", {})
        object.__setattr__(self, "_steady_cache", {})
        object.__setattr__(self, "_deadlines", Shared(time_key))

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

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``."""
        return self._shift(day, 1)

    def add_business_days(self, instant: datetime, days: int) -> datetime:
        """The deadline ``days`` business days after ``instant`` (SLA-1, SLA-3, SLA-4, SLA-5, CAN-P2).

        The count starts at ``instant`` if its local date is a business day, else at 00:00 local
        of the next business day; the deadline is that start's local time of day on the ``days``-th
        business day after the start's date. So Friday 18:00 + 3 is Wednesday 18:00 and Saturday
        10:00 + 3 is Thursday 00:00 (Mon, Tue, Wed counted whole): a later instant never gets an
        earlier deadline. Across daylight-saving changes a time of day that does not exist on the
        deadline's date becomes the instant the clocks jumped; an ambiguous one its first
        occurrence; and a start in the repeated hour counts from the end of that hour.
        """
        if days < 0:
            raise CalendarError("add_business_days takes a non-negative count")
        local = instant.astimezone(self._zone)
        day = local.date()
        if self.is_business_day(day):
            wall = self._wall_time(local)
        else:
            day, wall = self.next_business_day(day), time(0)
        return self._deadlines(self._resolve(self._shift(day, days), wall).astimezone(instant.tzinfo))

    def _wall_time(self, local: datetime) -> time:
        """The local time of day, with the second pass of a repeated hour held at that hour's end.

        Without the clamp a start at 01:15 in the repeated hour (after 01:45 the first time round)
        would get the earlier deadline.
        """
        wall = local.time()
        if not local.fold:
            return wall
        first = local.replace(fold=0)
        overlap = first.utcoffset() - local.utcoffset()  # type: ignore[operator]
        if overlap <= timedelta(0):
            return wall  # not an ambiguous time after all
        # The repeated hour began at the transition; its last wall time is the transition seen in
        # the old offset (02:00 when 02:00 becomes 01:00).
        transition = _transition(local.astimezone(UTC) - overlap, local.astimezone(UTC), self._zone)
        end = transition.astimezone(self._zone).replace(tzinfo=None) + overlap
        return end.time() if end.date() == local.date() else time.max

    def _resolve(self, day: date, wall: time) -> datetime:
        """The first instant on ``day`` showing ``wall`` (a wall time in a spring-forward gap: the jump)."""
        moved = datetime.combine(day, wall, tzinfo=self._zone)  # ``wall`` has fold 0: the first occurrence
        if self._steady(day):
            return moved
        naive = moved.replace(tzinfo=None)
        if moved.astimezone(UTC).astimezone(self._zone).replace(tzinfo=None) == naive:
            return moved
        # Nonexistent: fold=1 reads it in the new offset (before the jump), fold=0 in the old one.
        before, after = moved.replace(fold=1).astimezone(UTC), moved.replace(fold=0).astimezone(UTC)
        return _transition(min(before, after), max(before, after), self._zone).astimezone(self._zone)

    def _steady(self, day: date) -> bool:
        """True when ``day`` has one UTC offset all day (every wall time exists once): the common case."""
        steady = self._steady_cache.get(day)
        if steady is None:
            # Offsets a little before the day's first instant and after its last: equal unless the
            # clocks change on that date (two changes within 28 hours happen in no real zone).
            start = datetime.combine(day, time(0), tzinfo=self._zone).astimezone(UTC)
            before, after = (start + timedelta(hours=h) for h in (-2, 26))
            steady = before.astimezone(self._zone).utcoffset() == after.astimezone(self._zone).utcoffset()
            if len(self._steady_cache) > 4096:
                self._steady_cache.clear()
            self._steady_cache[day] = steady
        return steady

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

    def campaign_extension(self, instant: datetime, default: int = 1) -> int:
        """Extra business days for an order placed at ``instant`` (SLA-3): the window's own value
        (``default`` for windows without one); the largest of overlapping windows wins."""
        window = self.campaign_at(instant, default)
        return window.extension(default) if window is not None else 0

    def campaign_at(self, instant: datetime, default: int = 1) -> CampaignWindow | None:
        """The campaign window containing ``instant`` that extends most (the first on ties), if any."""
        day = self.local_date(instant)
        best: CampaignWindow | None = None
        for window in self.campaigns:
            if window.contains(day) and (best is None or window.extension(default) > best.extension(default)):
                best = window
        return best

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
                    extra_business_days=_optional_int(c.get("extra_business_days")),
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
        return cls.from_dict(yamlfiles.load(path) or {})

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


def _transition(lo: datetime, hi: datetime, zone: ZoneInfo) -> datetime:
    """The first whole second in ``(lo, hi]`` (UTC) whose offset in ``zone`` differs from ``lo``'s."""
    offset = lo.astimezone(zone).utcoffset()
    low, high = 0, int((hi - lo).total_seconds())
    while low < high:
        mid = (low + high) // 2
        if (lo + timedelta(seconds=mid)).astimezone(zone).utcoffset() == offset:
            low = mid + 1
        else:
            high = mid
    return lo + timedelta(seconds=low)


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise CalendarError(f"extra_business_days must be a whole number, not {value!r}")
    return value


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CalendarError(f"not a date: {value!r}") from exc
