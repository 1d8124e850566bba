"""Console: slots in bulk, capacity, closing, per-slot booking lists and no-shows.

Check-in and exports live in ``content.checkin`` and ``content.exports`` (imported at the end so
their routes register with this module, which ``content/__init__`` imports). The rules themselves
are in ``core.booking``: these handlers parse a form into a command, call the same use cases as the
mini-program (``core.booking.usecases``) and render the page; the use case writes the audit row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.bookings_common import (
    BOOKINGS_LIMIT,
    LIST_LIMIT,
    bad,
    booking_view,
    console_error,
    parse_day,
    parse_int,
    parse_moment,
    service_names,
    slot_view,
    slots_between,
    staff_text,
    today,
)
from content.pages import done_redirect, flash, page, posted, say
from core import audit
from core.booking import BookingError, bulk
from core.booking.commands import ChangeCapacity, CloseSlot, MarkNoShow, UndoNoShow
from core.booking.export import local_moment
from core.booking.staff import check_reason
from core.booking.usecases import bookings
from core.models import Booking, Slot
from core.request_ctx import now

LIST_DAYS = 30
_BULK_FIELDS = ("service", "first_day", "last_day", "windows", "capacity", "opens_at")


async def _list_page(request: Request, *, service: str, first: str, last: str, status: int = 200,
                     error: str = "", summary: str = "", bulk: dict[str, Any] | None = None) -> HTTPResponse:
    names = await service_names()
    slots: list[Slot] = []
    try:
        first_day, last_day = parse_day(first, "from"), parse_day(last, "to")
        if service and service not in names:
            raise bad("请选择有效的预约服务", "service")
        if last_day < first_day:
            raise bad("结束日期不能早于开始日期", "to")
        slots = await slots_between(service, first_day, last_day)
    except BookingError as exc:
        if not error:  # a failed bulk open's own error is the one worth showing
            status, error = console_error(exc)
    start = today(now(request))
    form = bulk or {"service": service or next(iter(names)), "first_day": first, "last_day": last,
                    "windows": "09:00-10:00, 10:00-11:00", "capacity": "10", "opens_at": "",
                    "skip_weekends": True, "skip_holidays": True}
    return page("slots_list.html", status, staff=request.ctx.staff, done=flash(request),
                names=names, service=service, first=first, last=last, error=error,
                summary=summary, bulk=form, slots=[slot_view(s, names) for s in slots],
                truncated=len(slots) >= LIST_LIMIT, min_day=start.isoformat())


@bp.get("/console/slots")
@openapi.exclude()
@staff_required("registrar")
async def slots_index(request: Request) -> HTTPResponse:
    start = today(now(request))
    args = request.args
    return await _list_page(request, service=(args.get("service") or "").strip(),
                            first=(args.get("from") or start.isoformat()).strip(),
                            last=(args.get("to") or (start + timedelta(days=LIST_DAYS)).isoformat()).strip())


def _bulk_request(form: dict[str, Any]) -> bulk.BulkRequest:
    return bulk.BulkRequest(
        service=form["service"], first_day=parse_day(form["first_day"], "first_day"),
        last_day=parse_day(form["last_day"], "last_day"), windows=bulk.parse_windows(form["windows"]),
        capacity=parse_int(form["capacity"], "capacity", "名额"), skip_weekends=form["skip_weekends"],
        skip_holidays=form["skip_holidays"], opens_at=parse_moment(form["opens_at"], "opens_at"))


@bp.post("/console/slots/bulk")
@openapi.exclude()
@staff_required("registrar")
async def slots_bulk_open(request: Request) -> HTTPResponse:
    """Renders the list with a summary rather than redirecting: a repeated submit is harmless,
    because slots that already exist are skipped and counted."""
    who = request.ctx.staff
    fields = posted(request)
    form: dict[str, Any] = {k: (fields.get(k) or "").strip()[:2000] for k in _BULK_FIELDS}
    # Unticked checkboxes are simply absent from a form post.
    form["skip_weekends"] = fields.get("skip_weekends") is not None
    form["skip_holidays"] = fields.get("skip_holidays") is not None

    async def record(before: dict[str, Any], after: dict[str, Any]) -> None:
        await audit.record(who, "slot.bulk_open", f"{form['service']} {form['first_day']}~{form['last_day']}",
                           before=before or None, after=after)

    try:
        plan = await bulk.open_bulk(_bulk_request(form), now=now(request), audit=record)
    except BookingError as exc:
        status, text = console_error(exc)
        return await _list_page(request, service=form["service"], first=form["first_day"],
                                last=form["last_day"], status=status, error=text, bulk=form)
    summary = say("done.slot_bulk_opened", {
        "opened": len(plan.slots), "weekends": plan.weekend_days, "holidays": plan.holiday_days,
        "duplicates": plan.duplicates})
    if plan.past:
        summary += say("done.slot_bulk_past", {"past": plan.past})
    return await _list_page(request, service=form["service"], first=form["first_day"],
                            last=form["last_day"], summary=summary, bulk=form)


async def _slot_page(request: Request, slot_id: int, *, status: int = 200, error: str = "") -> HTTPResponse:
    who = request.ctx.staff
    slot = await Slot.get_or_none(id=slot_id)
    if slot is None:
        return page("error.html", 404, staff=who, message=staff_text("slot_not_found"))
    names = await service_names()
    bookings = await Booking.filter(slot_id=slot_id).order_by("id").limit(BOOKINGS_LIMIT)
    clock = now(request)
    return page("slots_detail.html", status, staff=who, done=flash(request), error=error,
                slot=slot_view(slot, names), started=clock >= slot.starts_at,
                bookings=[booking_view(b, slot, clock) for b in bookings],
                truncated=len(bookings) >= BOOKINGS_LIMIT,
                waiting=await slot.waitlist.filter(status="waiting").count())


@bp.get("/console/slots/<slot_id:int>")
@openapi.exclude()
@staff_required("registrar")
async def slot_detail(request: Request, slot_id: int) -> HTTPResponse:
    return await _slot_page(request, slot_id)


@bp.post("/console/slots/<slot_id:int>/capacity")
@openapi.exclude()
@staff_required("registrar")
async def slot_capacity(request: Request, slot_id: int) -> HTTPResponse:
    try:
        cmd = ChangeCapacity(actor=request.ctx.staff.username, slot_id=slot_id,
                             capacity=parse_int(posted(request).get("capacity"), "capacity", "名额"))
        change = await bookings(request).change_capacity(cmd)
    except BookingError as exc:
        status, text = console_error(exc)
        return await _slot_page(request, slot_id, status=status, error=text)
    done = "slot_capacity_promoted" if change.promoted else "slot_capacity_saved"
    return done_redirect(f"/console/slots/{slot_id}", done)


@bp.post("/console/slots/<slot_id:int>/close")
@openapi.exclude()
@staff_required("registrar")
async def slot_close(request: Request, slot_id: int) -> HTTPResponse:
    """Closing is irreversible and residents are told: the first POST (from the slot page) only
    shows what will happen; the confirm page's own POST (``confirm=1``) closes."""
    form = posted(request)
    cmd = CloseSlot(actor=request.ctx.staff.username, slot_id=slot_id, reason=form.get("reason") or "")
    try:
        if form.get("confirm") != "1":
            return await _close_confirm(request, cmd)
        await bookings(request).close_slot(cmd)
    except BookingError as exc:
        status, text = console_error(exc)
        return await _slot_page(request, slot_id, status=status, error=text)
    return done_redirect(f"/console/slots/{slot_id}", "slot_closed")


async def _close_confirm(request: Request, cmd: CloseSlot) -> HTTPResponse:
    """The confirm page, after the same refusals the close itself would give (no slot, already
    closed, no reason), so nobody confirms something that cannot happen."""
    slot = await Slot.get_or_none(id=cmd.slot_id)
    if slot is None:
        raise BookingError("slot_not_found")
    if slot.closed_at is not None:
        raise BookingError("slot_closed")
    reason = check_reason(cmd.reason)
    booked = await Booking.filter(slot_id=slot.id, status="confirmed").count()
    waiting = await slot.waitlist.filter(status="waiting").count()
    service = (await service_names()).get(slot.service, slot.service)
    message = say("confirm.slot_close", {"starts_at": local_moment(slot.starts_at), "service": service,
                                         "booked": booked, "waiting": waiting})
    return page("confirm.html", staff=request.ctx.staff, title=say("confirm.slot_close.title"),
                message=message, details=[say("confirm.slot_close.reason", {"reason": reason})],
                action=f"/console/slots/{slot.id}/close", fields=[("reason", reason)],
                button=say("confirm.slot_close.button"), final=say("confirm.slot_close.final"),
                back=f"/console/slots/{slot.id}")


@bp.post("/console/bookings/<booking_id:int>/no-show")
@openapi.exclude()
@staff_required("registrar")
async def booking_no_show(request: Request, booking_id: int) -> HTTPResponse:
    who = request.ctx.staff
    action = posted(request).get("action")
    row = await Booking.get_or_none(id=booking_id)
    if row is None:
        return page("error.html", 404, staff=who, message=staff_text("booking_not_found"))
    slot_id = row.slot_id
    try:
        if action == "mark":
            await bookings(request).mark_no_show(MarkNoShow(actor=who.username, booking_id=booking_id))
            return done_redirect(f"/console/slots/{slot_id}", "booking_no_show_marked")
        if action == "undo":
            await bookings(request).undo_no_show(UndoNoShow(actor=who.username, booking_id=booking_id))
            return done_redirect(f"/console/slots/{slot_id}", "booking_no_show_undone")
    except BookingError as exc:
        status, text = console_error(exc)
        return await _slot_page(request, slot_id, status=status, error=text)
    return await _slot_page(request, slot_id, status=422, error=staff_text("booking_bad_action"))


# Imported for the routes they register on bp (content/__init__ imports only this module).
from content import checkin, exports  # noqa: E402, F401
