"""Staff actions on several selected slots at once: closing and changing capacity.

Each slot goes through the very use case a single slot does (``core.booking.usecases``), so each
writes its own audit row in its own transaction and residents are told as for one slot. What the
console's confirm page shows (how many slots, residents and waiting places) is ``impact``.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.booking.bulk import check_capacity, invalid
from core.booking.staff import check_reason
from core.models import Booking, Slot, WaitlistEntry
from core.tz import SHANGHAI

MAX_SELECTED = 500  # the slot list shows at most this many rows


@dataclass(frozen=True)
class Impact:
    slots: tuple[Slot, ...]  # the selected slots still open, by time
    residents: int  # confirmed bookings on them
    waiting: int  # waiting-list entries that would end


def check_selection(slot_ids: tuple[int, ...]) -> tuple[int, ...]:
    unique = tuple(dict.fromkeys(slot_ids))
    if not unique:
        raise invalid("slot_ids", "请先在列表中勾选要操作的号源")
    if len(unique) > MAX_SELECTED:
        raise invalid("slot_ids", f"一次最多操作 {MAX_SELECTED} 个号源")
    return unique


async def open_selected(slot_ids: tuple[int, ...]) -> tuple[Slot, ...]:
    """The selected slots that are still open (closed ones are left alone, not an error)."""
    ids = check_selection(slot_ids)
    slots = await Slot.filter(id__in=ids, closed_at__isnull=True).order_by("starts_at", "id")
    if not slots:
        raise invalid("slot_ids", "所选号源都已关闭，无需操作")
    return tuple(slots)


async def impact(slot_ids: tuple[int, ...], reason: str) -> Impact:
    """What closing the selection would do, after the refusals the closing itself would give."""
    check_reason(reason)
    slots = await open_selected(slot_ids)
    ids = [s.id for s in slots]
    residents = await Booking.filter(slot_id__in=ids, status="confirmed").count()
    waiting = await WaitlistEntry.filter(slot_id__in=ids, status="waiting").count()
    return Impact(slots, residents, waiting)


async def check_capacities(slot_ids: tuple[int, ...], capacity: int) -> tuple[Slot, ...]:
    """All or nothing as staff see it: a new capacity below what any selected slot has booked
    refuses the whole change, naming those slots (each write re-checks under its row lock)."""
    check_capacity(capacity)
    slots = await open_selected(slot_ids)
    over = [s for s in slots if s.booked > capacity]
    if over:
        names = "、".join(f"{s.starts_at.astimezone(SHANGHAI):%m-%d %H:%M}（已约 {s.booked}）"
                         for s in over[:5])
        more = f" 等 {len(over)} 个号源" if len(over) > 5 else ""
        raise invalid("capacity", f"新名额 {capacity} 少于已预约人数：{names}{more}。"
                                  "名额不能少于已预约人数，请调整后重试")
    return slots
