"""Console: the places of proxy sweeping (祭扫地点: cemeteries and columbaria) — create, edit,
deactivate, reactivate. Residents choose from the active ones; rules and audit rows are in
``core.proxy_sweeping.catalog``. Staff enter the real names; nothing here invents an address.
"""

from __future__ import annotations

from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.bookings_common import console_error
from content.pages import done_redirect, flash, page, posted
from core.booking import BookingError
from core.models import Place
from core.proxy_sweeping import catalog
from core.proxy_sweeping.commands import SavePlace

BASE = "/console/proxy-sweeping/places"


def _row(p: Place) -> dict[str, Any]:
    return {"id": p.id, "code": p.code, "kind": p.kind, "kind_name": catalog.KINDS.get(p.kind, p.kind),
            "name": p.name, "note": p.note, "active": p.active, "sample": p.sample}


def _form(request: Request) -> dict[str, Any]:
    fields = posted(request)
    return {"code": (fields.get("code") or "").strip()[:100],
            "kind": (fields.get("kind") or "").strip()[:20],
            "name": (fields.get("name") or "").strip()[:300],
            "note": (fields.get("note") or "").strip()[:1000]}


async def _list(request: Request, *, status: int = 200, error: str = "",
                form: dict[str, Any] | None = None) -> HTTPResponse:
    rows = await Place.all().order_by("-active", "id").limit(200)
    return page("proxy_places.html", status, staff=request.ctx.staff, done=flash(request),
                error=error, places=[_row(p) for p in rows], kinds=catalog.KINDS,
                form=form or {"code": "", "kind": "cemetery", "name": "", "note": ""})


@bp.get(BASE)
@openapi.exclude()
@staff_required("registrar")
async def proxy_places(request: Request) -> HTTPResponse:
    return await _list(request)


@bp.post(BASE)
@openapi.exclude()
@staff_required("registrar")
async def proxy_place_create(request: Request) -> HTTPResponse:
    form = _form(request)
    try:
        await catalog.save_place(SavePlace(actor=request.ctx.staff.username, place_id=None, **form))
    except BookingError as exc:
        status, text = console_error(exc)
        return await _list(request, status=status, error=text, form=form)
    return done_redirect(BASE, "proxy_place_saved")


async def _edit(request: Request, place: Place, *, status: int = 200, error: str = "",
                form: dict[str, Any] | None = None) -> HTTPResponse:
    return page("proxy_place_edit.html", status, staff=request.ctx.staff, done=flash(request),
                error=error, place=_row(place), kinds=catalog.KINDS, form=form or _row(place))


async def _find(place_id: int) -> Place:
    place = await Place.get_or_none(id=place_id)
    if place is None:
        raise BookingError("proxy_place_not_found")
    return place


@bp.get(f"{BASE}/<place_id:int>")
@openapi.exclude()
@staff_required("registrar")
async def proxy_place(request: Request, place_id: int) -> HTTPResponse:
    return await _edit(request, await _find(place_id))


@bp.post(f"{BASE}/<place_id:int>")
@openapi.exclude()
@staff_required("registrar")
async def proxy_place_update(request: Request, place_id: int) -> HTTPResponse:
    place = await _find(place_id)
    who = request.ctx.staff.username
    action = posted(request).get("action") or "save"
    try:
        if action in ("activate", "deactivate"):
            await catalog.set_place_active(who, place_id, action == "activate")
            return done_redirect(BASE, f"proxy_place_{action}d")
        if action != "save":
            raise BookingError("proxy_bad_action")
        form = {**_form(request), "code": place.code}  # the code never changes
        await catalog.save_place(SavePlace(actor=who, place_id=place_id, **form))
    except BookingError as exc:
        status, text = console_error(exc)
        return await _edit(request, place, status=status, error=text, form=_form(request))
    return done_redirect(f"{BASE}/{place_id}", "proxy_place_saved")
