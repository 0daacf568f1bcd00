"""sharing.Shared: equal values handed out as one object, never a value that prints differently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from simulator.sharing import Shared, decimal_key, time_key

ZONES = [UTC, timezone(timedelta(hours=-5)), ZoneInfo("America/New_York"), ZoneInfo("Europe/London")]
times = st.builds(lambda naive, zone, fold: naive.replace(tzinfo=zone, fold=fold),
                  st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
                  st.sampled_from(ZONES), st.integers(0, 1))


@given(st.lists(times, min_size=1, max_size=30))
def test_a_shared_datetime_prints_as_the_one_given(values: list[datetime]) -> None:
    """Equal instants in other zones, or the two folds of a repeated hour, are never swapped for each other."""
    share = Shared(time_key, limit=8)
    for value in values:
        got = share(value)
        assert got == value and got.isoformat() == value.isoformat() and got.tzinfo is value.tzinfo


@given(st.lists(st.decimals(min_value=-10**6, max_value=10**6, places=3), min_size=1, max_size=30))
def test_a_shared_decimal_prints_as_the_one_given(values: list[Decimal]) -> None:
    """``1.5`` and ``1.500`` are equal but print differently: never swapped."""
    share = Shared(decimal_key, limit=8)
    for value in values + [v * Decimal("1.00") for v in values]:
        got = share(value)
        assert str(got) == str(value)


def test_equal_values_come_back_as_the_first_object_until_the_table_starts_over() -> None:
    share: Shared[datetime] = Shared(time_key, limit=2)
    a = datetime(2026, 11, 2, 9, tzinfo=UTC)
    same = a + timedelta(0)
    assert same is not a and share(a) is a and share(same) is a
    share(a + timedelta(1))
    share(a + timedelta(2))  # full: starts over
    assert share(same) is same
