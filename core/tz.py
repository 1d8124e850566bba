"""The bureau's time zone: every date a resident or staff member reads is Shanghai's.

Shanghai has had a fixed +08:00 offset without DST since 1991; a fixed offset avoids depending on
the host's tz database for the one zone we show.

Timestamps are stored and compared in UTC (SQLite compares the stored UTC text, where a +08:00
bound would sort wrongly): a query over local days therefore takes ``day_bounds``, never a local
midnight of its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


def local(moment: datetime) -> datetime:
    """``moment`` on Shanghai's wall clock."""
    return moment.astimezone(SHANGHAI)


def local_day(now: datetime) -> date:
    """The bureau's calendar day: residents' "today" is Shanghai's, whatever the server's zone."""
    return now.astimezone(SHANGHAI).date()


def at(day: date, when: time = time(0)) -> datetime:
    """Shanghai's wall-clock ``when`` on ``day``, as an aware datetime."""
    return datetime.combine(day, when, SHANGHAI)


def assume_local(value: datetime) -> datetime:
    """A time typed without a zone (a form, the CLI) is Shanghai's; an aware one is kept."""
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """The UTC moments that bound the local days ``first`` … ``last`` (one day without ``last``):
    from Shanghai's midnight starting ``first`` (included) to the one ending ``last`` (excluded)."""
    end = (last or first) + timedelta(days=1)
    return at(first).astimezone(UTC), at(end).astimezone(UTC)


def minute_text(moment: datetime) -> str:
    """``2026-05-20 09:30``, Shanghai time: how staff and residents read a moment."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def date_text(moment: datetime) -> str:
    """``2026-05-20``, Shanghai's day of ``moment``."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d")
