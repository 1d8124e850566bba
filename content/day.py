"""Console: the day's list at the counter — every service's slots of one day (Beijing time) in one
table, with check-in buttons, the waiting lists, "mark everyone not checked in as no-show" once a
slot has ended (with a confirm page), and a print stylesheet for the paper sign-in sheet.

``?slot=ID`` narrows the page to one slot: what the 打印 link opens, so the printed header names
the date and the slot.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.bookings_common import (
    console_error,
    local_day,
    parse_day,
    service_names,
    slot_view,
    staff_text,
    today,
)
from content.counter_common import audit_view, booking_row, reveals, waitlist_rows
from content.pages import done_redirect, flash, page, posted, say
from core.booking import BookingError
from core.booking.commands import CheckIn, MarkAllNoShow
from core.booking.export import local_moment
from core.booking.staff import absent
from core.booking.usecases import bookings
from core.models import Booking, Slot
from core.request_ctx import now
from core.tz import day_bounds

_SLOTS_LIMIT = 200
_BOOKINGS_LIMIT = 3000


def _day_arg(request: Request, raw: str | None) -> date:
    text = (raw or "").strip()
    return parse_day(text, "date") if text else today(now(request))


async def _day_page(request: Request, day: date, *, slot_only: int | None = None,
                    status: int = 200, error: str = "", place: str = "") -> HTTPResponse:
    who, clock = request.ctx.staff, now(request)
    names = await service_names()
    start, end = day_bounds(day, day)
    query = Slot.filter(starts_at__gte=start, starts_at__lt=end)
    if slot_only is not None:
        query = query.filter(id=slot_only)
    if place:  # one cemetery's list for its gate (tomb sweeping), or any place's
        query = query.filter(place=place)
    slots = await query.order_by("starts_at", "service", "id").limit(_SLOTS_LIMIT)
    if slot_only is not None and not slots:
        return page("error.html", 404, staff=who, message=staff_text("day_slot_missing"))
    rows = await Booking.filter(slot_id__in=[s.id for s in slots]).order_by("id") \
        .limit(_BOOKINGS_LIMIT) if slots else []
    by_slot: dict[int, list[Booking]] = {}
    for booking in rows:
        by_slot.setdefault(booking.slot_id, []).append(booking)
    groups: list[dict[str, Any]] = []
    shown: list[dict[str, Any]] = []
    waiting_shown: list[dict[str, Any]] = []
    waitlists = await waitlist_rows(request, [s.id for s in slots])
    for slot in slots:
        items = [booking_row(request, b, slot, clock, names) for b in by_slot.get(slot.id, [])]
        waitlist = waitlists.get(slot.id, [])
        shown += items
        waiting_shown += waitlist
        pending = sum(1 for b in items if b["status"] == "confirmed" and not b["checked_in_at"]
                      and not b["no_show_at"])
        groups.append({"slot": slot_view(slot, names), "theme": slot.theme, "place": slot.place,
                       "bookings": items, "waitlist": waitlist,
                       "waiting": sum(1 for w in waitlist if w["status"] == "waiting"),
                       "ended": clock >= slot.ends_at, "absent": pending,
                       "arrived": sum(1 for b in items if b["checked_in_at"])})
    await audit_view(request, "每日名单" if slot_only is None else "签到表", shown, waiting_shown,
                     target=f"每日名单 {day.isoformat()}" if slot_only is None else f"slot:{slot_only}")
    return page("day.html", status, staff=who, done=flash(request), error=error,
                day=day.isoformat(), day_label=local_day(start), groups=groups,
                reveal=reveals(request), slot_only=groups[0] if slot_only is not None else None,
                prev_day=(day - timedelta(days=1)).isoformat(),
                next_day=(day + timedelta(days=1)).isoformat(),
                services=names, is_admin=who.role == "admin", place=place)


@bp.get("/console/day")
@openapi.exclude()
@staff_required("registrar")
async def day_list(request: Request) -> HTTPResponse:
    try:
        day = _day_arg(request, request.args.get("date"))
        raw_slot = (request.args.get("slot") or "").strip()
        slot_only = int(raw_slot) if raw_slot.isdigit() and len(raw_slot) < 15 else None
    except BookingError as exc:
        status, text = console_error(exc)
        return await _day_page(request, today(now(request)), status=status, error=text)
    place = " ".join((request.args.get("place") or "").split())[:100]
    return await _day_page(request, day, slot_only=slot_only, place=place)


@bp.post("/console/day/checkin")
@openapi.exclude()
@staff_required("registrar")
async def day_checkin(request: Request) -> HTTPResponse:
    """The row's 签到 button: the same check-in as the counter page, back to the same day."""
    form = posted(request)
    try:
        day = _day_arg(request, form.get("date"))
    except BookingError:
        day = today(now(request))
    try:
        booking = await bookings(request).check_in(CheckIn(actor=request.ctx.staff.username,
                                                           text=(form.get("code") or "")[:40]))
    except BookingError as exc:
        status, text = console_error(exc, "checkin")
        return await _day_page(request, day, status=status, error=text)
    # Back to the row that was checked in (the fragment after the done= query).
    return redirect(f"/console/day?date={day.isoformat()}&done=checkin_done#b{booking.id}")


@bp.post("/console/day/no-show/<slot_id:int>")
@openapi.exclude()
@staff_required("registrar")
async def day_no_show_all(request: Request, slot_id: int) -> HTTPResponse:
    """The first POST shows the confirm page (how many, which slot); its own POST marks."""
    form = posted(request)
    slot = await Slot.get_or_none(id=slot_id)
    if slot is None:
        return page("error.html", 404, staff=request.ctx.staff, message=staff_text("slot_not_found"))
    day = today(slot.starts_at)
    try:
        if now(request) < slot.ends_at:
            raise BookingError("no_show_not_ended")
        if form.get("confirm") != "1":
            service = (await service_names()).get(slot.service, slot.service)
            message = say("confirm.no_show_all", {"starts_at": local_moment(slot.starts_at),
                                                 "service": service,
                                                 "count": len(await absent(slot_id))})
            return page("confirm.html", staff=request.ctx.staff,
                        title=say("confirm.no_show_all.title"), message=message, details=[],
                        action=f"/console/day/no-show/{slot_id}", fields=[],
                        button=say("confirm.no_show_all.button"),
                        final=say("confirm.no_show_all.final"),
                        back=f"/console/day?date={day.isoformat()}")
        await bookings(request).mark_all_no_show(MarkAllNoShow(actor=request.ctx.staff.username,
                                                               slot_id=slot_id))
    except BookingError as exc:
        status, text = console_error(exc)
        return await _day_page(request, day, status=status, error=text)
    return done_redirect(f"/console/day?date={day.isoformat()}", "day_no_show_all")
