"""Console: the dashboard at /console/ (bookings, messages and unanswered questions at a glance)."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from content.routes import bp, flash, page, staff_required


@bp.get("/console/")
@openapi.exclude()
@staff_required()
async def home(request: Request) -> HTTPResponse:
    return page("home.html", staff=request.ctx.staff, done=flash(request))
