"""Staff editing one slot: its title, theme, place and time (issue #14, themed ceremonies #17).

Plain Python with the clock passed in, like ``core.booking.staff``; the audit row is written in the
same transaction as the change, so it exists exactly when the change does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from core import audit
from core.booking.bulk import SlotLabels, invalid, slot_title
from core.booking.errors import BookingError
from core.models import Slot
from core.tz import SHANGHAI


@dataclass(frozen=True)
class SlotEdit:
    """A slot as staff want it: labels (title, theme, place) and times (Shanghai, aware)."""

    title: str
    theme: str
    place: str
    starts_at: datetime
    ends_at: datetime


def _when(value: datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat(timespec="minutes")


async def _slot_or_error(slot_id: int) -> Slot:
    slot = await Slot.get_or_none(id=slot_id)
    if slot is None:
        raise BookingError("slot_not_found")
    return slot


async def edit_slot(slot_id: int, edit: SlotEdit, *, now: datetime, actor: str | None = None) -> Slot:
    """Renames, re-themes, moves or re-places an open slot. Residents who booked chose its time and
    place, so those change only while nobody holds a place (the UPDATE's ``booked=0`` decides,
    so a booking racing the edit either lands first and blocks the move, or sees the new time);
    title and theme can always change. An empty title means the service's own name."""
    labels = SlotLabels(edit.title, edit.theme, edit.place).checked()
    slot = await _slot_or_error(slot_id)
    if slot.closed_at is not None:
        raise BookingError("slot_closed")
    title = await slot_title(slot.service, labels)
    if edit.ends_at <= edit.starts_at:
        raise invalid("ends_at", "结束时间应晚于开始时间")
    moved = edit.starts_at != slot.starts_at or edit.ends_at != slot.ends_at
    if moved and edit.starts_at <= now:
        raise invalid("starts_at", "新的开始时间应晚于现在")
    before = {"title": slot.title, "theme": slot.theme, "place": slot.place,
              "starts_at": _when(slot.starts_at), "ends_at": _when(slot.ends_at)}
    after = {"title": title, "theme": labels.theme, "place": labels.place,
             "starts_at": _when(edit.starts_at), "ends_at": _when(edit.ends_at)}
    changed = {k for k in after if after[k] != before[k]}
    if not changed:
        return slot
    async with in_transaction() as conn:
        query = Slot.filter(id=slot_id, closed_at__isnull=True)
        if changed & {"starts_at", "ends_at", "place"}:
            query = query.filter(booked=0)
        if not await query.update(title=title, theme=labels.theme, place=labels.place,
                                  starts_at=edit.starts_at, ends_at=edit.ends_at):
            fresh = await _slot_or_error(slot_id)
            if fresh.closed_at is not None:
                raise BookingError("slot_closed")
            raise BookingError("slot_has_bookings", field="starts_at", booked=fresh.booked)
        if actor is not None:
            await audit.record(actor, "slot.edit", f"slot:{slot_id}",
                               before={k: before[k] for k in sorted(changed)},
                               after={k: after[k] for k in sorted(changed)}, conn=conn)
    return await _slot_or_error(slot_id)
