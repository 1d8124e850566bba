"""Console: proxy-sweeping packages (代客祭扫套餐) — create, edit, deactivate, reactivate.

A package says what staff do and whether photos are sent back; residents choose from the active
ones (``GET /api/v1/miniapp/proxy-sweeping/packages``). Rules and audit rows are in
``core.proxy_sweeping.catalog``.
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
from core.models import SweepPackage
from core.proxy_sweeping import catalog
from core.proxy_sweeping.commands import SavePackage

BASE = "/console/proxy-sweeping/packages"


def _row(p: SweepPackage) -> dict[str, Any]:
    return {"id": p.id, "code": p.code, "name": p.name, "description": p.description,
            "photos": p.photos, "active": p.active, "sample": p.sample}


async def _list(request: Request, *, status: int = 200, error: str = "",
                form: dict[str, Any] | None = None) -> HTTPResponse:
    rows = await SweepPackage.all().order_by("-active", "id").limit(200)
    return page("proxy_packages.html", status, staff=request.ctx.staff, done=flash(request),
                error=error, packages=[_row(p) for p in rows],
                form=form or {"code": "", "name": "", "description": "", "photos": True})


def _form(request: Request) -> dict[str, Any]:
    fields = posted(request)
    return {"code": (fields.get("code") or "").strip()[:100],
            "name": (fields.get("name") or "").strip()[:200],
            "description": (fields.get("description") or "").strip()[:2000],
            "photos": fields.get("photos") is not None}


@bp.get(BASE)
@openapi.exclude()
@staff_required("registrar")
async def proxy_packages(request: Request) -> HTTPResponse:
    return await _list(request)


@bp.post(BASE)
@openapi.exclude()
@staff_required("registrar")
async def proxy_package_create(request: Request) -> HTTPResponse:
    form = _form(request)
    try:
        await catalog.save_package(SavePackage(actor=request.ctx.staff.username, package_id=None,
                                               **form))
    except BookingError as exc:
        status, text = console_error(exc)
        return await _list(request, status=status, error=text, form=form)
    return done_redirect(BASE, "proxy_package_saved")


async def _edit(request: Request, package: SweepPackage, *, status: int = 200, error: str = "",
                form: dict[str, Any] | None = None) -> HTTPResponse:
    return page("proxy_package_edit.html", status, staff=request.ctx.staff, done=flash(request),
                error=error, package=_row(package), form=form or _row(package))


@bp.get(f"{BASE}/<package_id:int>")
@openapi.exclude()
@staff_required("registrar")
async def proxy_package(request: Request, package_id: int) -> HTTPResponse:
    package = await SweepPackage.get_or_none(id=package_id)
    if package is None:
        raise BookingError("proxy_package_not_found")
    return await _edit(request, package)


@bp.post(f"{BASE}/<package_id:int>")
@openapi.exclude()
@staff_required("registrar")
async def proxy_package_update(request: Request, package_id: int) -> HTTPResponse:
    package = await SweepPackage.get_or_none(id=package_id)
    if package is None:
        raise BookingError("proxy_package_not_found")
    who = request.ctx.staff.username
    action = posted(request).get("action") or "save"
    try:
        if action in ("activate", "deactivate"):
            await catalog.set_active(who, package_id, action == "activate")
            return done_redirect(BASE, f"proxy_package_{action}d")
        if action != "save":
            raise BookingError("proxy_bad_action")
        form = {**_form(request), "code": package.code}  # the code never changes
        await catalog.save_package(SavePackage(actor=who, package_id=package_id, **form))
    except BookingError as exc:
        status, text = console_error(exc)
        return await _edit(request, package, status=status, error=text, form=_form(request))
    return done_redirect(f"{BASE}/{package_id}", "proxy_package_saved")
