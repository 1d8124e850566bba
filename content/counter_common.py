"""Shared by the counter's pages (day list, booking search and detail, check-in, waiting list):
rows with the identity each role may see, and the one audit row per page that revealed any.

Registrars and admins see full names and the last four ID digits (``core.booking.identity``);
other roles get the masked copy. A page calls ``audit_view`` once with the bookings it showed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sanic import Request

from content.bookings_common import local_day
from core.booking.export import STATUS_NAMES, local_moment, local_span
from core.booking.identity import Identity, booking_identity, may_reveal, record_view, waiting_identity
from core.context import app_context
from core.models import Booking, Slot, WaitlistEntry
from core.tz import SHANGHAI

WAITLIST_STATES = {"waiting": "候补中", "promoted": "已递补", "skipped": "未递补（已结束）",
                   "left": "已退出"}


def reveals(request: Request) -> bool:
    return may_reveal(request.ctx.staff.role)


def identity(request: Request, booking: Booking) -> Identity:
    return booking_identity(app_context(request).cipher, booking, reveals(request))


def state_name(booking: Booking) -> str:
    if booking.status != "confirmed":
        return STATUS_NAMES.get(booking.status, booking.status)
    if booking.checked_in_at is not None:
        return "已签到"
    if booking.no_show_at is not None:
        return "爽约"
    return "待签到"


def booking_row(request: Request, booking: Booking, slot: Slot, now: datetime,
                names: dict[str, str]) -> dict[str, Any]:
    who = identity(request, booking)
    confirmed = booking.status == "confirmed"
    today = now.astimezone(SHANGHAI).date() == slot.starts_at.astimezone(SHANGHAI).date()
    return {"id": booking.id, "code": booking.code, "names": who.names, "id_last4": who.id_last4,
            "phone": who.phone, "party_size": booking.party_size, "status": booking.status,
            "state": state_name(booking), "service_name": names.get(slot.service, slot.service),
            "day": local_day(slot.starts_at), "time": local_span(slot.starts_at, slot.ends_at),
            "slot_id": slot.id, "checked_in_at": local_moment(booking.checked_in_at),
            "no_show_at": local_moment(booking.no_show_at),
            "cancelled_at": local_moment(booking.cancelled_at),
            "cancel_reason": booking.cancel_reason,
            "can_check_in": confirmed and booking.checked_in_at is None and today,
            "can_cancel": confirmed and booking.checked_in_at is None,
            "can_mark": (confirmed and booking.checked_in_at is None and booking.no_show_at is None
                         and now >= slot.starts_at),
            "can_undo": booking.no_show_at is not None}


async def waitlist_rows(request: Request, slot_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The names behind "候补 N 人" per slot (one query for all), in the order they joined, with
    their state; those still waiting are numbered 1, 2, … as their place in line."""
    cipher, reveal = app_context(request).cipher, reveals(request)
    entries = await WaitlistEntry.filter(slot_id__in=slot_ids).order_by("id").limit(2000) \
        if slot_ids else []
    by_slot: dict[int, list[dict[str, Any]]] = {}
    places: dict[int, int] = {}
    for entry in entries:
        rows = by_slot.setdefault(entry.slot_id, [])
        who = waiting_identity(cipher, entry, reveal)
        if entry.status == "waiting":
            places[entry.slot_id] = places.get(entry.slot_id, 0) + 1
        rows.append({"id": entry.id, "position": places[entry.slot_id] if entry.status == "waiting" else None,
                     "names": who.names, "id_last4": who.id_last4, "phone": who.phone,
                     "party_size": entry.party_size, "status": entry.status,
                     "state": WAITLIST_STATES.get(entry.status, entry.status),
                     "joined_at": local_moment(entry.created_at)})
    return by_slot


async def audit_view(request: Request, page: str, bookings: list[dict[str, Any]],
                     waitlist: list[dict[str, Any]] | None = None, *, target: str = "") -> None:
    """One audit row for a page that revealed identities; nothing when it showed masked data.
    ``page`` is the page's name in words (每日名单, 签到, …): the audit log shows it as is."""
    if reveals(request):
        await record_view(request.ctx.staff.username, page, [b["id"] for b in bookings],
                          waitlist_ids=[w["id"] for w in waitlist or []], target=target)


async def waitlist_context(request: Request, slot_id: int) -> dict[str, Any]:
    """What ``_waitlist.html`` needs, for a page that includes it (the slot page:
    ``**await waitlist_context(request, slot.id)`` beside ``{% include "_waitlist.html" %}``);
    records the view when it revealed names."""
    rows = (await waitlist_rows(request, [slot_id])).get(slot_id, [])
    await audit_view(request, "候补名单", [], rows, target=f"slot:{slot_id}")
    return {"waitlist": rows, "reveal": reveals(request), "waitlist_slot": slot_id}
