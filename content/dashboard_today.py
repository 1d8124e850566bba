"""The registrar's first screen: today's slots with their bookings and check-ins (#14).

What the counter needs at 8:30 — which sessions run today, how many people are expected and how
many have arrived — without opening each slot. One bounded query per table (today's slots, their
live bookings); names and ID numbers are not read here at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from core import tz
from core.booking.rules import DEFAULT_RULES
from core.models import Booking, Slot

# Roles that work the counter see the card; editors never handle bookings.
COUNTER_ROLES = ("registrar", "admin")
MAX_SLOTS = 60  # a busy day has ~20 sessions; the bound only keeps the query finite


@dataclass(frozen=True)
class TodaySlot:
    id: int
    time: str  # "09:00–10:00", Beijing time
    service: str  # the service's Chinese name
    title: str
    closed: bool
    booked: int  # live bookings (not cancelled or closed)
    arrived: int  # of those, checked in
    no_show: int

    @property
    def waiting(self) -> int:
        return max(self.booked - self.arrived - self.no_show, 0)


@dataclass(frozen=True)
class Today:
    day: str  # "2026-12-03"
    slots: list[TodaySlot]

    @property
    def booked(self) -> int:
        return sum(s.booked for s in self.slots)

    @property
    def arrived(self) -> int:
        return sum(s.arrived for s in self.slots)

    @property
    def waiting(self) -> int:
        return sum(s.waiting for s in self.slots)


def _hm(moment: datetime) -> str:
    return tz.local(moment).strftime("%H:%M")


async def today(now: datetime) -> Today:
    day = tz.local_day(now)
    start, end = tz.day_bounds(day)
    slots = await Slot.filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at", "id") \
        .limit(MAX_SLOTS)
    booked: Counter[int] = Counter()
    arrived: Counter[int] = Counter()
    no_show: Counter[int] = Counter()
    if slots:
        rows = await Booking.filter(slot_id__in=[s.id for s in slots], status="confirmed") \
            .values_list("slot_id", "checked_in_at", "no_show_at")
        for slot_id, checked_in_at, no_show_at in rows:
            booked[int(slot_id)] += 1
            arrived[int(slot_id)] += checked_in_at is not None
            no_show[int(slot_id)] += no_show_at is not None
    out = []
    for s in slots:
        rule = DEFAULT_RULES.get(s.service)
        name = rule.name if rule else "其他"
        title = s.title or s.place
        out.append(TodaySlot(s.id, f"{_hm(s.starts_at)}–{_hm(s.ends_at)}", name,
                             "" if title == name else title, s.closed_at is not None, booked[s.id],
                             arrived[s.id], no_show[s.id]))
    return Today(day.isoformat(), out)
