"""清明/冬至 tomb-sweeping campaigns: the peak days' windows at every place, opened in one step.

A campaign is the set of ``tomb_sweeping`` slots carrying its name as their title ("2027年清明"):
staff name the peak days, the daily windows, the places and the persons per window, see the plan,
then open it; the fill per place and window is read back from those slots. ``plan_campaign`` is
pure (clock passed in); ``open_campaign`` writes the plan in one transaction with its audit row.
Off-peak days need no reservation, so only the named days are opened.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tortoise.transactions import in_transaction

from core import audit, catalogue, sql, tz
from core.booking import rules
from core.booking.bulk import Window, check_capacity, invalid
from core.models import Slot
from core.tz import SHANGHAI

MAX_DAYS = 10
MAX_PLACES = 40
PLACE_CHARS = 50
NAME_CHARS = 40
_DAY_SPLIT = re.compile(r"[,，、;；\s]+")


@dataclass(frozen=True)
class CampaignRequest:
    name: str
    days: tuple[date, ...]
    windows: tuple[Window, ...]
    places: tuple[str, ...]
    capacity: int  # persons per window and place
    opens_at: datetime  # when residents may start booking (often 08:00, two weeks ahead)


@dataclass(frozen=True)
class CampaignPlan:
    request: CampaignRequest
    slots: tuple[tuple[str, datetime, datetime], ...]  # (place, starts, ends)
    existing: int = 0  # windows already open for that place: skipped, not doubled

    @property
    def persons(self) -> int:
        return len(self.slots) * self.request.capacity


def parse_days(text: str) -> tuple[date, ...]:
    tokens = [t for t in _DAY_SPLIT.split((text or "").strip()) if t]
    if not tokens:
        raise invalid("days", "请填写高峰日，例如 2027-04-03, 2027-04-04")
    days = set()
    for token in tokens:
        try:
            days.add(date.fromisoformat(token))
        except ValueError:
            raise invalid("days", f"日期“{token}”格式不正确，应写成 2027-04-03") from None
    if len(days) > MAX_DAYS:
        raise invalid("days", f"一个祭扫季最多 {MAX_DAYS} 个高峰日")
    return tuple(sorted(days))


def parse_places(text: str) -> tuple[str, ...]:
    places: list[str] = []
    for line in (text or "").splitlines():
        place = " ".join(line.split())
        if not place or place in places:
            continue
        if len(place) > PLACE_CHARS:
            raise invalid("places", f"墓园名称“{place[:10]}…”超过 {PLACE_CHARS} 个字")
        places.append(place)
    if not places:
        raise invalid("places", "请填写至少一个墓园或骨灰堂，每行一个")
    if len(places) > MAX_PLACES:
        raise invalid("places", f"一次最多 {MAX_PLACES} 个墓园")
    return tuple(places)


def parse_name(text: str) -> str:
    name = " ".join((text or "").split())
    if not name or len(name) > NAME_CHARS:
        raise invalid("name", f"请填写祭扫季名称（{NAME_CHARS} 字以内），例如 2027年清明")
    return name


def plan_campaign(req: CampaignRequest, *, existing: set[tuple[str, float]],
                  now: datetime) -> CampaignPlan:
    """The slots a campaign opens (pure). ``existing`` holds (place, start timestamp) of the open
    tomb-sweeping slots already there; those are skipped and counted."""
    check_capacity(req.capacity)
    if not req.windows:
        raise invalid("windows", "请填写至少一个时段，例如 07:00-08:30")
    if req.days[0] <= now.astimezone(SHANGHAI).date():
        raise invalid("days", "高峰日应在今天之后")
    if req.opens_at.astimezone(SHANGHAI).date() >= req.days[0]:
        raise invalid("opens_at", "开放预约时间应早于第一个高峰日")
    slots: list[tuple[str, datetime, datetime]] = []
    skipped = 0
    for place in req.places:
        for day in req.days:
            for window in req.windows:
                starts = datetime.combine(day, window.start, SHANGHAI)
                if (place, starts.timestamp()) in existing:
                    skipped += 1
                    continue
                slots.append((place, starts, datetime.combine(day, window.end, SHANGHAI)))
    return CampaignPlan(req, tuple(slots), skipped)


async def _existing(req: CampaignRequest) -> set[tuple[str, float]]:
    # UTC bounds: SQLite compares the stored UTC text, where a +08:00 bound sorts wrongly.
    first, last = tz.day_bounds(req.days[0], req.days[-1])
    rows = await Slot.filter(service=rules.TOMB, place__in=list(req.places), closed_at__isnull=True,
                             starts_at__gte=first, starts_at__lt=last).values_list("place", "starts_at")
    return {(str(place), starts.timestamp()) for place, starts in rows}


async def preview(req: CampaignRequest, *, now: datetime) -> CampaignPlan:
    return plan_campaign(req, existing=await _existing(req), now=now)


async def open_campaign(req: CampaignRequest, *, actor: Any, now: datetime) -> CampaignPlan:
    """Opens the plan in one transaction (a double-clicked submit waits its turn and then finds
    the windows open), with one audit row naming what was opened."""
    async with in_transaction() as conn:
        await sql.take_turns(conn, 7310113015, "booking_slot")
        plan = plan_campaign(req, existing=await _existing(req), now=now)
        await Slot.bulk_create([
            Slot(service=rules.TOMB, title=req.name, place=place, starts_at=s, ends_at=e,
                 capacity=req.capacity, opens_at=req.opens_at) for place, s, e in plan.slots])
        await audit.record(actor, "tomb.campaign_open", req.name, before={}, after={
            "days": [d.isoformat() for d in req.days], "windows": [w.label for w in req.windows],
            "places": len(req.places), "capacity": req.capacity,
            "opens_at": req.opens_at.astimezone(SHANGHAI).isoformat(timespec="minutes"),
            "opened": len(plan.slots), "existing": plan.existing}, conn=conn)
    return plan


@dataclass
class Fill:
    """One campaign's fill: per place, per (day, window) the slot, its persons booked and capacity."""

    name: str
    days: list[date] = field(default_factory=list)
    windows: list[str] = field(default_factory=list)
    places: dict[str, dict[tuple[date, str], Slot]] = field(default_factory=dict)
    opens_at: datetime | None = None

    def totals(self) -> tuple[int, int]:
        slots = [s for cells in self.places.values() for s in cells.values()]
        return sum(s.booked for s in slots if not s.closed_at), sum(s.capacity for s in slots)


async def campaigns() -> list[tuple[str, int, int, date, date]]:
    """(name, persons booked, capacity, first day, last day) of every campaign, newest first."""
    rows: dict[str, list[Slot]] = defaultdict(list)
    for slot in await Slot.filter(service=rules.TOMB).order_by("starts_at"):
        rows[slot.title].append(slot)
    out = []
    for name, slots in rows.items():
        days = [s.starts_at.astimezone(SHANGHAI).date() for s in slots]
        out.append((name, sum(s.booked for s in slots if not s.closed_at),
                    sum(s.capacity for s in slots), min(days), max(days)))
    return sorted(out, key=lambda r: r[3], reverse=True)


async def fill(name: str) -> Fill | None:
    slots = await Slot.filter(service=rules.TOMB, title=name).order_by("starts_at", "place")
    if not slots:
        return None
    result = Fill(name, opens_at=min((s.opens_at for s in slots if s.opens_at), default=None))
    for slot in slots:
        local = slot.starts_at.astimezone(SHANGHAI)
        window = f"{local:%H:%M}-{slot.ends_at.astimezone(SHANGHAI):%H:%M}"
        if local.date() not in result.days:
            result.days.append(local.date())
        if window not in result.windows:
            result.windows.append(window)
        result.places.setdefault(slot.place, {})[(local.date(), window)] = slot
    result.windows.sort()
    return result


def _day(d: date) -> str:
    return f"{d.month}月{d.day}日"


async def status_text(now: datetime) -> str | None:
    """One sentence on the coming campaign for residents asking "清明扫墓要预约吗": its peak days
    and whether booking is not yet open, open, or full on some days. None when no campaign is
    coming (the knowledge entry then stands alone). Reads only slots still to come."""
    slots = await Slot.filter(service=rules.TOMB, closed_at__isnull=True, starts_at__gt=now) \
        .order_by("starts_at").limit(2000)
    if not slots:
        return None
    name = slots[0].title
    mine = [s for s in slots if s.title == name]
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in mine:
        by_day[slot.starts_at.astimezone(SHANGHAI).date()].append(slot)
    days = "、".join(_day(d) for d in sorted(by_day))
    opens = min((s.opens_at for s in mine if s.opens_at), default=None)
    if opens is not None and now < opens:
        local = opens.astimezone(SHANGHAI)
        return catalogue.text("residents", "tomb_status_before", {
            "name": name, "days": days, "opens": f"{_day(local.date())}{local:%H:%M}"})
    full = [d for d, day_slots in sorted(by_day.items())
            if all(s.booked >= s.capacity for s in day_slots)]
    if len(full) == len(by_day):
        return catalogue.text("residents", "tomb_status_all_full", {"name": name, "days": days})
    text = catalogue.text("residents", "tomb_status_open", {"name": name, "days": days})
    if full:
        text += catalogue.text("residents", "tomb_status_full_days",
                               {"full": "、".join(_day(d) for d in full)})
    return text
