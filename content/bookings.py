"""Console: slots in bulk, capacity, closing, per-slot booking lists and no-shows.

Check-in and exports live in ``content.checkin`` and ``content.exports`` (imported at the end so
their routes register with this module, which ``content/__init__`` imports). The rules themselves
are in ``core.booking``: these handlers parse a form into a command, call the same use cases as the
mini-program (``core.booking.usecases``) and render the page; the use case writes the audit row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sanic import Request
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.bookings_common import (
    BOOKINGS_LIMIT,
    LIST_LIMIT,
    bad,
    booking_view,
    console_error,
    edit_form,
    local_day,
    parse_day,
    parse_int,
    parse_moment,
    service_names,
    slot_view,
    slots_between,
    staff_text,
    today,
)
from content.counter_common import waitlist_context
from content.pages import done_redirect, flash, page, posted, say
from core import audit
from core.booking import BookingError, bulk
from core.booking.commands import ChangeCapacity, CloseSlot, MarkNoShow, UndoNoShow
from core.booking.export import local_moment, local_span
from core.booking.staff import check_reason
from core.booking.usecases import bookings
from core.models import Booking, Slot
from core.request_ctx import now

LIST_DAYS = 30
_BULK_FIELDS = ("service", "first_day", "last_day", "windows", "capacity", "opens_at", "title",
                "theme", "place", "age_min", "age_max")
_BULK_BOXES = ("skip_weekends", "skip_holidays", "gender_split")
# Confirmations after a redirect that carry counts (?done=code&<param>=n): code → its params.
_COUNTED = {"slot_bulk_opened": ("opened", "weekends", "holidays", "duplicates", "past"),
            "slots_closed": ("slots", "residents"), "slots_capacity": ("slots", "capacity", "promoted")}


def counted_done(request: Request) -> str:
    """The confirmation of a bulk action, its counts read back from the redirect's query (digits
    only; anything else reads 0), so a refresh of the page shows it again and posts nothing."""
    code = request.args.get("done") or ""
    if code not in _COUNTED:
        return ""
    params = {k: int(v) if (v := request.args.get(k) or "").isdigit() and len(v) < 8 else 0
              for k in _COUNTED[code]}
    text = say(f"done.{code}", params)
    if code == "slot_bulk_opened" and params["past"]:
        text += say("done.slot_bulk_past", params)
    return text


def list_url(service: str, first: str, last: str, done: str, **counts: int) -> str:
    query = {"service": service, "from": first, "to": last, "done": done, **counts}
    return "/console/slots?" + urlencode(query)


async def list_page(request: Request, *, service: str, first: str, last: str, status: int = 200,
                    error: str = "", errors: dict[str, str] | None = None,
                    bulk: dict[str, Any] | None = None, preview: dict[str, Any] | None = None,
                    selection: dict[str, Any] | None = None) -> HTTPResponse:
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
        if not (error or errors):  # a failed bulk action's own error is the one worth showing
            status, error = console_error(exc)
    start = today(now(request))
    summary = counted_done(request)
    form = bulk or {"service": service or next(iter(names)), "first_day": first, "last_day": last,
                    "windows": "09:00-10:00, 10:00-11:00", "capacity": "10", "opens_at": "",
                    "title": "", "theme": "", "place": "", "age_min": "", "age_max": "",
                    "skip_weekends": True, "skip_holidays": True, "gender_split": False}
    return page("slots_list.html", status, staff=request.ctx.staff,
                # A counted confirmation is the summary; flash would show it without its counts.
                done="" if summary else flash(request), summary=summary, names=names, service=service,
                first=first, last=last, error=error, errors=errors or {}, bulk=form,
                preview=preview, selection=selection or {},
                slots=[slot_view(s, names) for s in slots],
                truncated=len(slots) >= LIST_LIMIT, min_day=start.isoformat())


@bp.get("/console/slots")
@openapi.exclude()
@staff_required("registrar")
async def slots_index(request: Request) -> HTTPResponse:
    start = today(now(request))
    args = request.args
    return await list_page(request, service=(args.get("service") or "").strip(),
                           first=(args.get("from") or start.isoformat()).strip(),
                           last=(args.get("to") or (start + timedelta(days=LIST_DAYS)).isoformat()).strip())


def _optional_age(raw: str, field: str, label: str) -> int | None:
    return parse_int(raw, field, label) if raw else None


def _bulk_request(form: dict[str, Any]) -> bulk.BulkRequest:
    labels = bulk.SlotLabels(form["title"], form["theme"], form["place"],
                             _optional_age(form["age_min"], "age_min", "最小年龄"),
                             _optional_age(form["age_max"], "age_max", "最大年龄"),
                             form["gender_split"])
    return bulk.BulkRequest(
        service=form["service"], first_day=parse_day(form["first_day"], "first_day"),
        last_day=parse_day(form["last_day"], "last_day"), windows=bulk.parse_windows(form["windows"]),
        capacity=parse_int(form["capacity"], "capacity", "名额"), skip_weekends=form["skip_weekends"],
        skip_holidays=form["skip_holidays"], opens_at=parse_moment(form["opens_at"], "opens_at"),
        labels=labels)


def _preview(req: bulk.BulkRequest, plan: bulk.BulkPlan, title: str) -> dict[str, Any]:
    """The preview's rows: one per day with its windows, as staff will find them in the list."""
    days: dict[str, list[str]] = {}
    for starts, ends in plan.slots:
        days.setdefault(local_day(starts), []).append(local_span(starts, ends))
    labels = req.labels.checked()
    message = say("done.slot_bulk_preview", {
        "count": len(plan.slots), "capacity": req.capacity, "weekends": plan.weekend_days,
        "holidays": plan.holiday_days, "duplicates": plan.duplicates})
    if plan.past:
        message += say("done.slot_bulk_past", {"past": plan.past})
    return {"count": len(plan.slots), "message": message, "days": list(days.items()),
            "title": title, "theme": labels.theme, "place": labels.place,
            "ages": (f"{labels.age_min if labels.age_min is not None else '不限'}–"
                     f"{labels.age_max if labels.age_max is not None else '不限'} 岁"
                     if labels.age_min is not None or labels.age_max is not None else ""),
            "gender_split": labels.gender_split, "capacity": req.capacity}


@bp.post("/console/slots/bulk")
@openapi.exclude()
@staff_required("registrar")
async def slots_bulk_open(request: Request) -> HTTPResponse:
    """Two steps: the form's POST only previews what would be created (writes nothing); the
    preview's own POST (``confirm=1``) creates and redirects, so a refresh posts nothing. A
    repeated confirm is harmless anyway: slots that already exist are skipped and counted."""
    who = request.ctx.staff
    fields = posted(request)
    form: dict[str, Any] = {k: (fields.get(k) or "").strip()[:2000] for k in _BULK_FIELDS}
    # Unticked checkboxes are simply absent from a form post.
    form.update({k: fields.get(k) is not None for k in _BULK_BOXES})

    async def record(before: dict[str, Any], after: dict[str, Any]) -> None:
        await audit.record(who, "slot.bulk_open", f"{form['service']} {form['first_day']}~{form['last_day']}",
                           before=before or None, after=after)

    try:
        req = _bulk_request(form)
        if fields.get("confirm") != "1":
            plan = await bulk.preview_bulk(req, now=now(request))
            title = await bulk.slot_title(req.service, req.labels.checked())
            return await list_page(request, service=form["service"], first=form["first_day"],
                                   last=form["last_day"], bulk=form, preview=_preview(req, plan, title))
        plan = await bulk.open_bulk(req, now=now(request), audit=record)
    except BookingError as exc:
        status, text = console_error(exc)
        errors = {exc.field or "form": text}
        return await list_page(request, service=form["service"], first=form["first_day"],
                               last=form["last_day"], status=status,
                               error=say("slot_fix_fields") if exc.field else text,
                               errors=errors, bulk=form)
    return redirect(list_url(form["service"], form["first_day"], form["last_day"], "slot_bulk_opened",
                             opened=len(plan.slots), weekends=plan.weekend_days,
                             holidays=plan.holiday_days, duplicates=plan.duplicates, past=plan.past),
                    status=303)


async def slot_page(request: Request, slot_id: int, *, status: int = 200, error: str = "",
                    errors: dict[str, str] | None = None, edit: dict[str, str] | None = None) -> HTTPResponse:
    who = request.ctx.staff
    slot = await Slot.get_or_none(id=slot_id)
    if slot is None:
        return page("error.html", 404, staff=who, message=staff_text("slot_not_found"))
    names = await service_names()
    bookings = await Booking.filter(slot_id=slot_id).order_by("id").limit(BOOKINGS_LIMIT)
    clock = now(request)
    view = slot_view(slot, names)
    return page("slots_detail.html", status, staff=who, done=flash(request), error=error,
                errors=errors or {}, edit=edit or edit_form(slot),
                slot=view, started=clock >= slot.starts_at,
                bookings=[booking_view(b, slot, clock) for b in bookings],
                truncated=len(bookings) >= BOOKINGS_LIMIT,
                waiting=await slot.waitlist.filter(status="waiting").count(),
                **(await waitlist_context(request, slot_id)))


@bp.get("/console/slots/<slot_id:int>")
@openapi.exclude()
@staff_required("registrar")
async def slot_detail(request: Request, slot_id: int) -> HTTPResponse:
    return await slot_page(request, slot_id)


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
        return await slot_page(request, slot_id, status=status, error=text)
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
        return await slot_page(request, slot_id, status=status, error=text)
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
        return await slot_page(request, slot_id, status=status, error=text)
    return await slot_page(request, slot_id, status=422, error=staff_text("booking_bad_action"))


# Imported for the routes they register on bp (content/__init__ imports only this module).
from content import checkin, exports  # noqa: E402, F401
