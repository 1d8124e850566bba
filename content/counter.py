"""Console: find a booking by code, phone or name across every slot, and the booking's own page —
its history, check-in, no-show and a staff cancellation whose reason reaches the resident.

The search itself is ``core.booking.search`` (exact match on keyed hashes for phones and names);
each page that shows full names writes one audit row naming the bookings shown.
"""

from __future__ import annotations

from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.bookings_common import console_error, service_names, staff_text
from content.counter_common import audit_view, booking_row, reveals
from content.pages import done_redirect, flash, page, posted, say
from core.booking import BookingError, search
from core.booking.commands import CheckIn, MarkNoShow, StaffCancel, UndoNoShow
from core.booking.export import local_moment
from core.booking.staff import check_cancel_reason
from core.booking.usecases import bookings
from core.context import app_context
from core.models import AuditLog, Booking, Slot, WaitlistEntry
from core.request_ctx import now

_HISTORY_ACTIONS = {"booking.check_in": "签到", "booking.no_show": "标记爽约",
                    "booking.no_show_undo": "撤销爽约", "booking.staff_cancel": "工作人员取消",
                    "booking.reschedule": "改约"}


@bp.get("/console/bookings/find")
@openapi.exclude()
@staff_required("registrar")
async def booking_find(request: Request) -> HTTPResponse:
    query = (request.args.get("q") or "").strip()[:search.MAX_QUERY]
    found = await search.find(app_context(request).cipher, query)
    names, clock = await service_names(), now(request)
    rows = [booking_row(request, b, b.slot, clock, names) for b in found.bookings]
    await audit_view(request, "查找预约", rows)
    return page("booking_find.html", staff=request.ctx.staff, query=query, kind=found.kind,
                rows=rows, reveal=reveals(request),
                nothing=staff_text("search_none") if query and not rows else "")


async def _history(booking: Booking) -> list[dict[str, str]]:
    """What happened to the booking, oldest first: its own timestamps plus the audit rows naming
    it (who checked it in, marked it, moved or cancelled it). Identity views are not events."""
    events: list[tuple[Any, str, str]] = [(booking.created_at, "预约", "")]
    promoted = await WaitlistEntry.filter(booking_id=booking.id).first()
    if promoted is not None:
        events[0] = (booking.created_at, "候补递补成功", f"{local_moment(promoted.created_at)} 加入候补")
    audited = await AuditLog.filter(target=f"booking:{booking.id}",
                                    action__in=list(_HISTORY_ACTIONS)).order_by("id").limit(100)
    moved = {int(v) for row in audited if row.action == "booking.reschedule"
             for side in (row.before, row.after) if isinstance(side, dict)
             and isinstance(v := side.get("slot"), int)}
    starts = {s.id: local_moment(s.starts_at) for s in await Slot.filter(id__in=moved)} if moved else {}
    for row in audited:
        after = row.after if isinstance(row.after, dict) else {}
        note = str(after.get("reason", "")) if row.action == "booking.staff_cancel" else ""
        if row.action == "booking.reschedule":
            before = row.before if isinstance(row.before, dict) else {}
            note = f"{starts.get(before.get('slot'), '')} → {starts.get(after.get('slot'), '')}"
        events.append((row.created_at, _HISTORY_ACTIONS[row.action], f"{row.actor} {note}".strip()))
    if booking.cancelled_at is not None and not booking.cancel_reason:
        events.append((booking.cancelled_at, "群众取消", ""))
    if booking.status == "closed":
        events.append((booking.slot.closed_at or booking.created_at, "号源关闭",
                       booking.slot.closed_reason))
    events.sort(key=lambda e: e[0])
    return [{"when": local_moment(when), "what": what, "note": note} for when, what, note in events]


async def _detail_page(request: Request, booking_id: int, *, status: int = 200,
                       error: str = "") -> HTTPResponse:
    who = request.ctx.staff
    booking = await Booking.get_or_none(id=booking_id).prefetch_related("slot")
    if booking is None:
        return page("error.html", 404, staff=who, message=staff_text("booking_not_found"))
    row = booking_row(request, booking, booking.slot, now(request), await service_names())
    await audit_view(request, "预约详情", [row])
    return page("booking_detail.html", status, staff=who, done=flash(request), error=error,
                b=row, reveal=reveals(request), history=await _history(booking),
                slot=booking.slot)


@bp.get("/console/bookings/<booking_id:int>")
@openapi.exclude()
@staff_required("registrar")
async def booking_detail(request: Request, booking_id: int) -> HTTPResponse:
    return await _detail_page(request, booking_id)


@bp.post("/console/bookings/<booking_id:int>/act")
@openapi.exclude()
@staff_required("registrar")
async def booking_act(request: Request, booking_id: int) -> HTTPResponse:
    """The detail page's buttons: check in, mark or undo a no-show; back to the same page."""
    actor, action = request.ctx.staff.username, posted(request).get("action")
    booking = await Booking.get_or_none(id=booking_id)
    if booking is None:
        return page("error.html", 404, staff=request.ctx.staff, message=staff_text("booking_not_found"))
    use = bookings(request)
    try:
        if action == "checkin":
            await use.check_in(CheckIn(actor=actor, text=booking.code))
            done = "checkin_done"
        elif action == "mark":
            await use.mark_no_show(MarkNoShow(actor=actor, booking_id=booking_id))
            done = "booking_no_show_marked"
        elif action == "undo":
            await use.undo_no_show(UndoNoShow(actor=actor, booking_id=booking_id))
            done = "booking_no_show_undone"
        else:
            return await _detail_page(request, booking_id, status=422,
                                      error=staff_text("booking_bad_action"))
    except BookingError as exc:
        status, text = console_error(exc, "checkin" if action == "checkin" else "")
        return await _detail_page(request, booking_id, status=status, error=text)
    return done_redirect(f"/console/bookings/{booking_id}", done)


@bp.post("/console/bookings/<booking_id:int>/cancel")
@openapi.exclude()
@staff_required("registrar")
async def booking_cancel(request: Request, booking_id: int) -> HTTPResponse:
    """Staff cancel: the first POST shows the confirm page with the reason; its own POST cancels,
    frees the place (offered to the waiting list) and queues the resident's notice."""
    form = posted(request)
    reason = (form.get("reason") or "")[:400]
    try:
        if form.get("confirm") != "1":
            return await _cancel_confirm(request, booking_id, reason)
        await bookings(request).staff_cancel(StaffCancel(actor=request.ctx.staff.username,
                                                         booking_id=booking_id, reason=reason))
    except BookingError as exc:
        status, text = console_error(exc)
        return await _detail_page(request, booking_id, status=status, error=text)
    return done_redirect(f"/console/bookings/{booking_id}", "booking_staff_cancelled")


async def _cancel_confirm(request: Request, booking_id: int, reason: str) -> HTTPResponse:
    booking = await Booking.get_or_none(id=booking_id).prefetch_related("slot")
    if booking is None:
        raise BookingError("booking_not_found")
    if booking.status == "closed":
        raise BookingError("slot_closed")
    if booking.status != "confirmed":
        raise BookingError("already_cancelled")
    if booking.checked_in_at is not None:
        raise BookingError("cancel_checked_in")
    reason = check_cancel_reason(reason)
    service = (await service_names()).get(booking.service, booking.service)
    message = say("confirm.booking_cancel", {"code": booking.code, "service": service,
                                            "starts_at": local_moment(booking.slot.starts_at)})
    return page("confirm.html", staff=request.ctx.staff, title=say("confirm.booking_cancel.title"),
                message=message, details=[say("confirm.booking_cancel.reason", {"reason": reason})],
                action=f"/console/bookings/{booking_id}/cancel", fields=[("reason", reason)],
                button=say("confirm.booking_cancel.button"),
                final=say("confirm.booking_cancel.final"), back=f"/console/bookings/{booking_id}")
