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


def _text(value: str, field: str, limit: int, label: str) -> str:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise BookingError("invalid_input", field=field, detail=f"{label}不能超过{limit}个字")
    return text


def check_ages(service: str, age_min: int | None, age_max: int | None,
               gender_split: bool) -> None:
    """Age ranges and the gender split need the ID number, which only youth events ask for: on
    another service they would be silently ignored, so they are refused."""
    if service != rules.YOUTH:
        if age_min is not None or age_max is not None or gender_split:
            raise BookingError("invalid_input", field="age_min",
                               detail="年龄范围和男女各半只适用于幸福加油站青年交友活动")
        return
    for name, value in (("age_min", age_min), ("age_max", age_max)):
        if value is not None and not 16 <= value <= 120:
            raise BookingError("invalid_input", field=name, detail="年龄应为 16 至 120 周岁")
    low = age_min if age_min is not None else rules.YOUTH_AGES[0]
    high = age_max if age_max is not None else rules.YOUTH_AGES[1]
    if low > high:
        raise BookingError("invalid_input", field="age_max", detail="最大年龄不能小于最小年龄")


async def open_slot(service: str, starts_at: datetime, ends_at: datetime, capacity: int,
                    *, title: str = "", opens_at: datetime | None = None, theme: str = "",
                    place: str = "", age_min: int | None = None, age_max: int | None = None,
                    gender_split: bool = False) -> Slot:
    """Opens one slot. ``title``, ``theme`` and ``place`` are what residents see in the slot list
    (a 七夕 ceremony, a cemetery, a meet-up's venue); ``age_min``/``age_max`` (None: 18 and 45)
    and ``gender_split`` are for youth events only."""
    if service not in rules.DEFAULT_RULES:
        raise BookingError("invalid_input", field="service",
                           detail=f"服务代码应为 {', '.join(rules.DEFAULT_RULES)}")
    if not 1 <= capacity <= 100_000:
        raise BookingError("invalid_input", field="capacity", detail="名额应为 1 至 100000")
    check_ages(service, age_min, age_max, gender_split)
    return await Slot.create(service=service,
                             title=_text(title, "title", 200, "标题") or rules.DEFAULT_RULES[service].name,
                             theme=_text(theme, "theme", 100, "主题"),
                             place=_text(place, "place", 100, "地点"),
                             age_min=age_min, age_max=age_max, gender_split=gender_split,
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
