"""Opening slots in bulk: a date range times daily windows, minus weekends, holidays, slots that
already exist and windows already begun. ``plan_bulk`` is pure (clock passed in); ``open_bulk``
writes the plan in one transaction, so a failure writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import site_settings, sql, tz
from core.booking import rules
from core.booking.errors import BookingError
from core.booking.reads import load_rules
from core.models import Slot
from core.tz import SHANGHAI

MAX_RANGE_DAYS = 92
MAX_WINDOWS = 24
MAX_CAPACITY = 100_000
Audit = Callable[[dict[str, Any], dict[str, Any]], Awaitable[None]]

# Staff type windows many ways: "9:00-10:00，10：00~11:00", "14:00 至 15:30"; normalised first.
_DASHES = re.compile(r"\s*(?:-|–|—|－|~|～|至|到)+\s*")
_SEPARATORS = re.compile(r"[,，、;；\s]+")
_WINDOW = re.compile(r"^(\d{1,2})(?::(\d{2}))?-(\d{1,2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class Window:
    start: time
    end: time

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def invalid(field: str, detail: str) -> BookingError:
    return BookingError("invalid_input", field=field, detail=detail)


def _clock(hour: str, minute: str | None, token: str) -> time:
    try:
        return time(int(hour), int(minute or 0))
    except ValueError:
        raise invalid("windows", f"时间段“{token}”中的时间无效") from None


def parse_windows(text: str) -> tuple[Window, ...]:
    """"09:00-10:00, 10:00-11:00" → sorted windows; names the offending window when one is bad."""
    cleaned = _DASHES.sub("-", (text or "").replace("：", ":").strip())
    tokens = [t for t in _SEPARATORS.split(cleaned) if t]
    if not tokens:
        raise invalid("windows", "请填写至少一个时间段，例如 09:00-10:00")
    if len(tokens) > MAX_WINDOWS:
        raise invalid("windows", f"一天最多 {MAX_WINDOWS} 个时间段")
    windows = []
    for token in tokens:
        match = _WINDOW.match(token)
        if not match:
            raise invalid("windows", f"时间段“{token}”格式不正确，应写成 09:00-10:00")
        start = _clock(match.group(1), match.group(2), token)
        end = _clock(match.group(3), match.group(4), token)
        if end <= start:
            raise invalid("windows", f"时间段“{token}”的结束时间应晚于开始时间")
        windows.append(Window(start, end))
    windows.sort(key=lambda w: (w.start, w.end))
    for before, after in pairwise(windows):
        if after.start < before.end:
            raise invalid("windows", f"时间段“{before.label}”与“{after.label}”重叠")
    return tuple(windows)


def check_capacity(value: int) -> int:
    if not 1 <= value <= MAX_CAPACITY:
        raise invalid("capacity", f"名额应为 1 至 {MAX_CAPACITY} 之间的整数")
    return value


MAX_TITLE, MAX_THEME, MAX_PLACE, MAX_AGE = 200, 100, 100, 120


def clean_text(value: str, field: str, label: str, limit: int) -> str:
    """One line, spaces collapsed: these show in lists, the mini-program and the bot."""
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise invalid(field, f"{label}不能超过 {limit} 个字（现为 {len(text)} 个）")
    return text


@dataclass(frozen=True)
class SlotLabels:
    """What staff may say about a slot besides its time: a title (the service's name when empty),
    a theme (a 520 or 七夕 ceremony), a place, an age range and a gender split. Every service may
    carry them; the services that use the age range and split read them at booking time."""

    title: str = ""
    theme: str = ""
    place: str = ""
    age_min: int | None = None
    age_max: int | None = None
    gender_split: bool = False

    def checked(self) -> SlotLabels:
        for field, age in (("age_min", self.age_min), ("age_max", self.age_max)):
            if age is not None and not 0 <= age <= MAX_AGE:
                raise invalid(field, f"年龄应为 0 至 {MAX_AGE} 之间的整数")
        if self.age_min is not None and self.age_max is not None and self.age_max < self.age_min:
            raise invalid("age_max", "最大年龄不能小于最小年龄")
        return SlotLabels(clean_text(self.title, "title", "标题", MAX_TITLE),
                          clean_text(self.theme, "theme", "主题", MAX_THEME),
                          clean_text(self.place, "place", "地点", MAX_PLACE),
                          self.age_min, self.age_max, self.gender_split)


@dataclass(frozen=True)
class BulkRequest:
    service: str
    first_day: date
    last_day: date
    windows: tuple[Window, ...]
    capacity: int
    skip_weekends: bool = True
    skip_holidays: bool = True
    opens_at: datetime | None = None
    labels: SlotLabels = SlotLabels()


@dataclass(frozen=True)
class BulkPlan:
    slots: tuple[tuple[datetime, datetime], ...]
    weekend_days: int = 0
    holiday_days: int = 0
    duplicates: int = 0
    past: int = 0  # windows of today that have already begun


def plan_bulk(req: BulkRequest, *, holidays: Collection[date], existing: Collection[datetime],
              now: datetime) -> BulkPlan:
    """Which slots a bulk open creates (pure). ``existing`` holds the start times of the open
    slots the service already has in the range; those are skipped and counted, not refused."""
    if req.service not in rules.DEFAULT_RULES:
        raise invalid("service", "请选择有效的预约服务")
    check_capacity(req.capacity)
    req.labels.checked()
    if not req.windows:
        raise invalid("windows", "请填写至少一个时间段，例如 09:00-10:00")
    if req.last_day < req.first_day:
        raise invalid("last_day", "结束日期不能早于开始日期")
    days = (req.last_day - req.first_day).days + 1
    if days > MAX_RANGE_DAYS:
        raise invalid("last_day", f"一次最多开放 {MAX_RANGE_DAYS} 天的号源（所选为 {days} 天）")
    if req.first_day < now.astimezone(SHANGHAI).date():
        raise invalid("first_day", "开始日期不能早于今天")
    taken = {moment.timestamp() for moment in existing}
    slots: list[tuple[datetime, datetime]] = []
    weekend_days = holiday_days = duplicates = past = 0
    for offset in range(days):
        day = req.first_day + timedelta(days=offset)
        if req.skip_weekends and day.weekday() >= 5:
            weekend_days += 1
            continue
        if req.skip_holidays and day in holidays:
            holiday_days += 1
            continue
        for window in req.windows:
            starts = datetime.combine(day, window.start, SHANGHAI)
            if starts <= now:
                past += 1
            elif starts.timestamp() in taken:
                duplicates += 1
            else:
                slots.append((starts, datetime.combine(day, window.end, SHANGHAI)))
    return BulkPlan(tuple(slots), weekend_days, holiday_days, duplicates, past)


async def _serialise_bulk_opens(conn: BaseDBAsyncClient) -> None:
    """Makes concurrent bulk opens (a double-clicked submit) take turns, so the duplicate check
    inside one sees the other's slots. A write that matches nothing still takes SQLite's write
    lock; PostgreSQL gets a transaction-scoped advisory lock."""
    await sql.take_turns(conn, 7310113001, "booking_slot")


async def _plan(req: BulkRequest, now: datetime) -> BulkPlan:
    """Inside ``open_bulk``'s transaction (it sets the connection in context) or alone."""
    holidays = await site_settings.load_holidays() if req.skip_holidays else set()
    # UTC bounds: SQLite compares the stored UTC text, where a +08:00 bound sorts wrongly.
    first, last = tz.day_bounds(req.first_day, req.last_day)
    # Closed slots do not count: reopening a time staff closed by mistake is a new slot.
    # cast: Tortoise types every values_list as tuples; flat=True on one field gives its values.
    query = Slot.filter(service=req.service, starts_at__gte=first, starts_at__lt=last,
                        closed_at__isnull=True)
    existing = cast(list[datetime], await query.values_list("starts_at", flat=True))
    return plan_bulk(req, holidays=holidays, existing=existing, now=now)


async def preview_bulk(req: BulkRequest, *, now: datetime) -> BulkPlan:
    """What ``open_bulk`` would create now, writing nothing (the console's preview step)."""
    return await _plan(req, now)


async def slot_title(service: str, labels: SlotLabels) -> str:
    # Staff may have renamed the service (booking_rules setting): untitled slots carry today's name.
    return labels.title or ((await load_rules())[service].name if service in rules.DEFAULT_RULES else "")


async def open_bulk(req: BulkRequest, *, now: datetime, audit: Audit | None = None) -> BulkPlan:
    """Opens the planned slots in one transaction: a failure writes nothing."""
    labels = req.labels.checked()
    title = await slot_title(req.service, labels)
    async with in_transaction() as conn:
        await _serialise_bulk_opens(conn)
        plan = await _plan(req, now)
        await Slot.bulk_create([Slot(service=req.service, title=title, theme=labels.theme,
                                     place=labels.place, age_min=labels.age_min,
                                     age_max=labels.age_max, gender_split=labels.gender_split,
                                     starts_at=s, ends_at=e, capacity=req.capacity,
                                     opens_at=req.opens_at)
                                for s, e in plan.slots])
        if audit is not None:
            await audit({}, {"service": req.service, "from": req.first_day.isoformat(),
                             "to": req.last_day.isoformat(),
                             "windows": [w.label for w in req.windows], "capacity": req.capacity,
                             "title": title, "theme": labels.theme, "place": labels.place,
                             "opened": len(plan.slots), "weekend_days": plan.weekend_days,
                             "holiday_days": plan.holiday_days, "duplicates": plan.duplicates,
                             "past": plan.past})
    return plan
