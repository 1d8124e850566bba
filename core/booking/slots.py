"""Opening slots (staff and the ``baoshan slots open`` command)."""

from __future__ import annotations

from datetime import date, datetime, time

from core import catalogue
from core.booking import rules
from core.booking.errors import BookingError
from core.models import Slot
from core.tz import SHANGHAI


def local_times(day: str, start: str, end: str) -> tuple[datetime, datetime]:
    """Shanghai wall-clock date and times → aware datetimes (stored as UTC by the ORM)."""
    try:
        d = date.fromisoformat(day)
        s, e = time.fromisoformat(start), time.fromisoformat(end)
    except ValueError:
        raise BookingError("invalid_input", field="date",
                           detail="日期应为 YYYY-MM-DD，时间应为 HH:MM") from None
    starts, ends = datetime.combine(d, s, SHANGHAI), datetime.combine(d, e, SHANGHAI)
    if ends <= starts:
        raise BookingError("invalid_input", field="end", detail="结束时间应晚于开始时间")
    return starts, ends


async def open_slot(service: str, starts_at: datetime, ends_at: datetime, capacity: int,
                    *, title: str = "", opens_at: datetime | None = None) -> Slot:
    if service not in rules.DEFAULT_RULES:
        raise BookingError("invalid_input", field="service",
                           detail=f"服务代码应为 {', '.join(rules.DEFAULT_RULES)}")
    if not 1 <= capacity <= 100_000:
        raise BookingError("invalid_input", field="capacity", detail="名额应为 1 至 100000")
    return await Slot.create(service=service, title=title or rules.DEFAULT_RULES[service].name,
                             starts_at=starts_at, ends_at=ends_at, capacity=capacity,
                             opens_at=opens_at)


def places_left(slot: Slot) -> int:
    """Places a resident could still take: none once staff have closed the slot (its bookings were
    closed and their places freed, so capacity - booked alone would show it wide open)."""
    return 0 if slot.closed_at is not None else max(0, slot.capacity - slot.booked)


async def coming(service: str, now: datetime, limit: int = 20) -> list[Slot]:
    """The service's open slots still to start, soonest first (the public 集体颁证 page, the bot)."""
    return await (Slot.filter(service=service, closed_at__isnull=True, starts_at__gt=now)
                  .order_by("starts_at", "id").limit(limit))


def ceremony_line(slot: Slot) -> str:
    """One coming ceremony in a few words residents read in the bot: no personal data."""
    left = places_left(slot)
    return catalogue.text("residents", "ceremony_line" if left else "ceremony_line_full", {
        "when": f"{slot.starts_at.astimezone(SHANGHAI):%m月%d日 %H:%M}", "title": slot.title,
        "theme": f"（{slot.theme}）" if slot.theme else "", "left": left})
