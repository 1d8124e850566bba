"""The bureau's time zone: every date a resident or staff member reads is Shanghai's.

Shanghai has had a fixed +08:00 offset without DST since 1991; a fixed offset avoids depending on
the host's tz database for the one zone we show.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_day(now: datetime) -> date:
    """The bureau's calendar day: residents' "today" is Shanghai's, whatever the server's zone."""
    return now.astimezone(SHANGHAI).date()
