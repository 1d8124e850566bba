"""Console: editing one slot, and closing or re-sizing the slots ticked in the list.

The rules are ``core.booking`` use cases (``edit_slot``, ``close_slots``, ``change_capacities``):
each slot changed writes its own audit row. Bulk closing asks first on the confirm page closing
one slot uses, naming how many slots and residents it affects; every POST that changes something
ends in a redirect, so a refresh posts nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time
from urllib.parse import urlencode

from sanic import Request
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.bookings import list_page, list_url, slot_page
from content.bookings_common import bad, console_error, parse_int, staff_text
from content.pages import done_redirect, page, posted, say
from core.booking import BookingError, many
from core.booking.commands import ChangeCapacities, CloseSlots, EditSlot
from core.booking.export import local_moment
from core.booking.usecases import bookings
from core.tz import SHANGHAI

_EDIT_FIELDS = ("title", "theme", "place", "day", "start", "end")


def _moment(day: str, clock: str, field: str) -> datetime:
    try:
        when = time.fromisoformat(clock)
    except ValueError:
        raise bad(staff_text("slot_edit_bad_time", value=clock[:20]), field) from None
    try:
        return datetime.combine(date.fromisoformat(day), when, SHANGHAI)
    except ValueError:
        raise bad(staff_text("slot_bad_date", value=day[:20]), "day") from None


@bp.post("/console/slots/<slot_id:int>/edit")
@openapi.exclude()
@staff_required("registrar")
async def slot_edit(request: Request, slot_id: int) -> HTTPResponse:
    fields = posted(request)
    form = {k: (fields.get(k) or "").strip()[:300] for k in _EDIT_FIELDS}
    try:
        cmd = EditSlot(actor=request.ctx.staff.username, slot_id=slot_id, title=form["title"],
                       theme=form["theme"], place=form["place"],
                       starts_at=_moment(form["day"], form["start"], "start"),
                       ends_at=_moment(form["day"], form["end"], "end"))
        await bookings(request).edit_slot(cmd)
    except BookingError as exc:
        status, text = console_error(exc)
        # The core names starts_at/ends_at; the form has one date and two clock fields.
        field = {"starts_at": "start", "ends_at": "end"}.get(exc.field or "", exc.field or "")
        if exc.code == "slot_has_bookings":
            field = "when"
        return await slot_page(request, slot_id, status=status, errors={field or "form": text},
                               error=say("slot_fix_fields") if field else text, edit=form)
    return done_redirect(f"/console/slots/{slot_id}", "slot_edited")


def _selection(request: Request) -> tuple[tuple[int, ...], dict[str, str]]:
    """The ticked slot ids and the list's filter (to come back to the same list)."""
    fields = posted(request)
    ids = tuple(int(v) for v in fields.getlist("slot_id", []) if v.isdigit() and len(v) < 19)
    back = {k: (fields.get(k) or "").strip()[:40] for k in ("service", "from", "to")}
    return ids, back


async def _list_error(request: Request, exc: BookingError, back: dict[str, str],
                      form: dict[str, str]) -> HTTPResponse:
    status, text = console_error(exc)
    # Shown next to the list's own field ("selection_<field>"); the top line points there.
    # Which slots were ticked has no field of its own: that error is the top line.
    errors = {f"selection_{exc.field}": text} if exc.field in ("capacity", "reason") else {}
    return await list_page(request, service=back["service"], first=back["from"], last=back["to"],
                           status=status, error=say("slot_fix_fields") if errors else text,
                           errors=errors, selection=form)


@bp.post("/console/slots/bulk-close")
@openapi.exclude()
@staff_required("registrar")
async def slots_bulk_close(request: Request) -> HTTPResponse:
    """The list's POST only shows the confirm page (after the refusals closing would give); the
    confirm page's own POST (``confirm=1``) closes."""
    ids, back = _selection(request)
    fields = posted(request)
    reason = fields.get("reason") or ""
    cmd = CloseSlots(actor=request.ctx.staff.username, slot_ids=ids, reason=reason)
    try:
        if fields.get("confirm") != "1":
            return await _close_confirm(request, cmd, back)
        closed, residents = await bookings(request).close_slots(cmd)
    except BookingError as exc:
        return await _list_error(request, exc, back, {"reason": reason[:200]})
    return redirect(list_url(back["service"], back["from"], back["to"], "slots_closed",
                             slots=closed, residents=residents), status=303)


async def _close_confirm(request: Request, cmd: CloseSlots, back: dict[str, str]) -> HTTPResponse:
    found = await many.impact(cmd.slot_ids, cmd.reason)
    reason = " ".join(cmd.reason.split())
    counts = {"slots": len(found.slots), "residents": found.residents, "waiting": found.waiting}
    shown = "、".join(f"{local_moment(s.starts_at)} {s.title}" for s in found.slots[:10])
    if len(found.slots) > 10:
        shown += f" 等 {len(found.slots)} 个"
    return page("confirm.html", staff=request.ctx.staff, title=say("confirm.slots_close.title"),
                message=say("confirm.slots_close", counts),
                details=[say("confirm.slot_close.reason", {"reason": reason}),
                         say("confirm.slots_close.list", {"slots": shown})],
                action="/console/slots/bulk-close",
                fields=[("reason", reason), *back.items(), *(("slot_id", str(s.id)) for s in found.slots)],
                button=say("confirm.slots_close.button", counts), final=say("confirm.slot_close.final"),
                back="/console/slots?" + urlencode(back))


@bp.post("/console/slots/bulk-capacity")
@openapi.exclude()
@staff_required("registrar")
async def slots_bulk_capacity(request: Request) -> HTTPResponse:
    ids, back = _selection(request)
    raw = posted(request).get("capacity") or ""
    try:
        capacity = parse_int(raw, "capacity", "名额")
        cmd = ChangeCapacities(actor=request.ctx.staff.username, slot_ids=ids, capacity=capacity)
        changed, promoted = await bookings(request).change_capacities(cmd)
    except BookingError as exc:
        return await _list_error(request, exc, back, {"capacity": raw[:10]})
    return redirect(list_url(back["service"], back["from"], back["to"], "slots_capacity",
                             slots=changed, capacity=capacity, promoted=promoted), status=303)
