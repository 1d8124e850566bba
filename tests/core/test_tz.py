"""Shanghai's days in UTC: the one rule every query over local days uses (core.tz)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from core import tz


def test_a_local_day_is_bounded_by_the_utc_moments_of_its_midnights() -> None:
    assert tz.day_bounds(date(2026, 5, 20)) == (datetime(2026, 5, 19, 16, tzinfo=UTC),
                                                datetime(2026, 5, 20, 16, tzinfo=UTC))
    first, end = tz.day_bounds(date(2026, 5, 20), date(2026, 5, 22))
    assert (first, end) == (datetime(2026, 5, 19, 16, tzinfo=UTC), datetime(2026, 5, 22, 16, tzinfo=UTC))
    assert first.tzinfo is UTC  # SQLite compares the stored UTC text: a +08:00 bound sorts wrongly


def test_the_local_day_and_its_text_are_shanghais() -> None:
    late = datetime(2026, 5, 19, 16, 30, tzinfo=UTC)  # 00:30 on the 20th in Shanghai
    assert tz.local_day(late) == date(2026, 5, 20)
    assert tz.local(late).hour == 0
    assert tz.minute_text(late) == "2026-05-20 00:30"
    assert tz.date_text(late) == "2026-05-20"


def test_a_time_without_a_zone_is_shanghais() -> None:
    assert tz.assume_local(datetime(2026, 5, 20, 9)) == datetime(2026, 5, 20, 1, tzinfo=UTC)
    aware = datetime(2026, 5, 20, 9, tzinfo=UTC)
    assert tz.assume_local(aware) is aware
    assert tz.at(date(2026, 5, 20), time(10)) == datetime(2026, 5, 20, 2, tzinfo=UTC)
