"""Console: the proxy-sweeping (代客祭扫) work queue per place and day, and each order's page —
schedule, mark done with photos, cancel with a reason (after a confirm page).

The rules and every state change are in ``core.proxy_sweeping.orders``; these handlers parse the
form into a command and render. Lists show only masked personal data; the order's own page also
shows the grave location and the deceased's name, which the staff member doing the work needs to
find the grave. Package management is in ``content.proxy_packages``.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, raw
from sanic_ext import openapi

from content.auth import session_staff
from content.blueprint import SESSION_COOKIE, bp, staff_required
from content.bookings_common import bad, console_error, parse_day, staff_text, today
from content.pages import done_redirect, flash, page, posted, say
from core import limits, request_ctx
from core.booking import BookingError
from core.booking.export import local_moment
from core.context import app_context
from core.models import Place, ProxyOrder
from core.pii import mask_free_text
from core.proxy_sweeping import orders, photos
from core.proxy_sweeping.catalog import KINDS
from core.proxy_sweeping.commands import CancelOrder, MarkDone, Schedule
from core.request_ctx import cipher, now

STATUS_NAMES = {"received": "已受理", "scheduled": "已安排", "done": "已完成", "cancelled": "已取消"}
QUEUE_LIMIT = 500
BASE = "/console/proxy-sweeping"


def _card(order: ProxyOrder) -> dict[str, Any]:
    m = order.masked
    return {"id": order.id, "ref": order.ref, "status": order.status,
            "status_name": STATUS_NAMES.get(order.status, order.status),
            "place": order.place.name, "package": order.package.name,
            "day": local_day_text(order.day), "scheduled": order.scheduled,
            "grave": m.get("grave", ""), "deceased": m.get("deceased_name", ""),
            "name": m.get("name", ""), "phone": m.get("phone", ""),
            "created_at": local_moment(order.created_at)}


def _shown_message(text: str) -> str:
    """The family's message with any ID, phone or card number in it hidden; shown as typed
    (full-width punctuation kept) when it holds none, as mask_free_text also NFKC-folds."""
    masked = mask_free_text(text)
    return text if masked == unicodedata.normalize("NFKC", text) else masked


def local_day_text(day: date) -> str:
    return f"{day.isoformat()} 周{'一二三四五六日'[day.weekday()]}"


@bp.get(BASE)
@openapi.exclude()
@staff_required("registrar")
async def proxy_queue(request: Request) -> HTTPResponse:
    args = request.args
    place_code = (args.get("place") or "").strip()
    status = (args.get("status") or "").strip()
    day_text = (args.get("day") or "").strip()
    places = await Place.all().order_by("id").limit(200)
    error, rows = "", []
    try:
        query = ProxyOrder.all()
        if place_code:
            place = next((p for p in places if p.code == place_code), None)
            if place is None:
                raise bad("请选择有效的地点", "place")
            query = query.filter(place_id=place.id)
        if status:
            if status not in STATUS_NAMES:
                raise bad("请选择有效的状态", "status")
            query = query.filter(status=status)
        if day_text:
            query = query.filter(day=parse_day(day_text, "day"))
        rows = await query.order_by("day", "id").limit(QUEUE_LIMIT).prefetch_related("place", "package")
    except BookingError as exc:
        code, error = console_error(exc)
        return _queue_page(request, places, place_code, status, day_text, [], error, code)
    return _queue_page(request, places, place_code, status, day_text, rows, error)


def _queue_page(request: Request, places: list[Place], place_code: str, status: str, day_text: str,
                rows: list[ProxyOrder], error: str, code: int = 200) -> HTTPResponse:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return page("proxy_queue.html", code, staff=request.ctx.staff, done=flash(request), error=error,
                places=[(p.code, p.name, KINDS.get(p.kind, p.kind), p.active) for p in places],
                place=place_code, wanted_status=status, day=day_text, statuses=STATUS_NAMES,
                today=today(now(request)).isoformat(), orders=[_card(o) for o in rows],
                counts=counts, truncated=len(rows) >= QUEUE_LIMIT)


async def _order_page(request: Request, order_id: int, *, status: int = 200,
                      error: str = "") -> HTTPResponse:
    order = await orders.get(order_id)
    data = orders.personal(cipher(request), order)
    return page("proxy_order.html", status, staff=request.ctx.staff, done=flash(request),
                error=error, order=_card(order), grave=data.get("grave", ""),
                deceased=data.get("deceased_name", ""),
                message=_shown_message(data.get("message", "")),
                unreadable=not data, photos_wanted=order.package.photos,
                photo_names=order.photos, reason=order.cancel_reason,
                done_at=local_moment(order.done_at), cancelled_at=local_moment(order.cancelled_at),
                today=today(now(request)).isoformat(), max_photos=photos.MAX_PHOTOS)


@bp.get(f"{BASE}/<order_id:int>")
@openapi.exclude()
@staff_required("registrar")
async def proxy_order(request: Request, order_id: int) -> HTTPResponse:
    return await _order_page(request, order_id)


@bp.post(f"{BASE}/<order_id:int>/schedule")
@openapi.exclude()
@staff_required("registrar")
async def proxy_schedule(request: Request, order_id: int) -> HTTPResponse:
    try:
        day = parse_day(posted(request).get("day"), "day")
        await orders.schedule(cipher(request), Schedule(actor=request.ctx.staff.username,
                                                        order_id=order_id, day=day), now=now(request))
    except BookingError as exc:
        code, text = console_error(exc)
        return await _order_page(request, order_id, status=code, error=text)
    return done_redirect(f"{BASE}/{order_id}", "proxy_scheduled")


async def _registrar(request: Request) -> bool:
    """Only signed-in registrars may send a photo-sized body (core.limits)."""
    staff = await session_staff(request.cookies.get(SESSION_COOKIE), request_ctx.now(request))
    return staff is not None and staff.role in ("registrar", "admin")


@bp.post(f"{BASE}/<order_id:int>/done", ctx_body_limit=limits.PROXY_PHOTOS,
         ctx_body_gate=_registrar)
@openapi.exclude()
@staff_required("registrar")
async def proxy_done(request: Request, order_id: int) -> HTTPResponse:
    files = request.files.getlist("photos") if request.files else []
    uploads = tuple(bytes(f.body) for f in files if f.body or f.name)
    try:
        await orders.mark_done(MarkDone(actor=request.ctx.staff.username, order_id=order_id,
                                        photos=uploads),
                               var_dir=app_context(request).settings.var_dir, now=now(request))
    except BookingError as exc:
        code, text = console_error(exc)
        return await _order_page(request, order_id, status=code, error=text)
    return done_redirect(f"{BASE}/{order_id}", "proxy_done")


@bp.post(f"{BASE}/<order_id:int>/cancel")
@openapi.exclude()
@staff_required("registrar")
async def proxy_cancel(request: Request, order_id: int) -> HTTPResponse:
    """The first POST (from the order page) only shows what will happen; the confirm page's own
    POST (``confirm=1``) cancels."""
    form = posted(request)
    cmd = CancelOrder(actor=request.ctx.staff.username, order_id=order_id,
                      reason=form.get("reason") or "")
    try:
        if form.get("confirm") != "1":
            return await _cancel_confirm(request, cmd)
        await orders.cancel(cmd, now=now(request))
    except BookingError as exc:
        code, text = console_error(exc)
        return await _order_page(request, order_id, status=code, error=text)
    return done_redirect(f"{BASE}/{order_id}", "proxy_cancelled")


async def _cancel_confirm(request: Request, cmd: CancelOrder) -> HTTPResponse:
    order = await orders.get(cmd.order_id)
    if order.status not in orders.OPEN:
        raise BookingError("proxy_bad_state")
    reason = orders.check_reason(cmd.reason)
    message = say("confirm.proxy_cancel", {"ref": order.ref, "place": order.place.name,
                                           "day": local_day_text(order.day)})
    return page("confirm.html", staff=request.ctx.staff, title=say("confirm.proxy_cancel.title"),
                message=message, details=[say("confirm.proxy_cancel.reason", {"reason": reason})],
                action=f"{BASE}/{order.id}/cancel", fields=[("reason", reason)],
                button=say("confirm.proxy_cancel.button"), final=say("confirm.proxy_cancel.final"),
                back=f"{BASE}/{order.id}")


@bp.get(f"{BASE}/<order_id:int>/photos/<name:str>")
@openapi.exclude()
@staff_required("registrar")
async def proxy_photo(request: Request, order_id: int, name: str) -> HTTPResponse:
    order = await orders.get(order_id)
    if not photos.valid_name(name) or name not in order.photos:
        return page("error.html", 404, staff=request.ctx.staff, message=staff_text("proxy_order_not_found"))
    path = photos.folder(app_context(request).settings.var_dir, order.id) / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return page("error.html", 404, staff=request.ctx.staff, message=staff_text("proxy_order_not_found"))
    return raw(data, content_type="image/jpeg", headers={"Cache-Control": "no-store, private"})


# Imported for the routes they register on bp (content/__init__ imports this module).
from content import proxy_packages, proxy_places  # noqa: E402, F401
