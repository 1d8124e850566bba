"""Console: the community assistance adviser's queue (社区救助顾问), one referral, and the
anonymous counts (admins). Every rule and audit row is core.referral_desk's; this module only
reads the form and renders. An adviser sees the 街镇 they serve only: another street's referral
answers 404 like a missing one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.pages import done_redirect, flash, page, posted
from core import referral_desk, referral_stats, request_ctx, site_settings, sql
from core.models.referral import OUTCOMES
from core.streets import streets
from core.tz import minute_text

STATUS_NAMES = {"submitted": "待联系", "contacted": "已联系", "closed": "已办结"}
OUTCOME_NAMES = {"applied": "已协助申请", "referred": "已转介其他部门", "no_need": "无需救助",
                 "withdrawn": "居民撤回"}
EVENT_NAMES = {"note": "备注", "attempt": "联系记录"}


def age_text(created: datetime | None, now: datetime) -> str:
    """How long the request has waited, in words staff read at a glance."""
    if created is None:
        return ""
    minutes = max(0, int((now - created).total_seconds() // 60))
    days, hours = minutes // 1440, minutes % 1440 // 60
    if days:
        return f"{days}天{hours}小时"
    return f"{hours}小时{minutes % 60}分" if hours else f"{minutes % 60}分钟"


@bp.get("/console/referrals")
@openapi.exclude()
@staff_required("adviser")
async def referral_queue(request: Request) -> HTTPResponse:
    desk = await referral_desk.desk_of(request.ctx.staff.id)
    street = request.args.get("street") or ""
    closed = request.args.get("closed") == "1"
    if street and not desk.sees(street):
        street = "__none__"  # not theirs: an empty list, nothing about that street
    now = request_ctx.now(request)
    holidays = (await site_settings.load()).holidays
    rows = await referral_desk.queue(desk, street=street, closed=closed)
    data = streets()
    items = [{"r": r, "street": data.name_of(r.street), "age": age_text(sql.aware(r.created_at), now),
              "overdue": referral_desk.is_overdue(r, now, holidays)} for r in rows]
    mine = [s for s in data.items if desk.sees(s.code)]
    return page("referrals_list.html", staff=request.ctx.staff, done=flash(request), items=items,
                streets=mine, street=street, closed=closed, statuses=STATUS_NAMES,
                outcomes=OUTCOME_NAMES, admin=desk.admin)


@bp.get("/console/referrals/<referral_id:int>")
@openapi.exclude()
@staff_required("adviser")
async def referral_detail(request: Request, referral_id: int) -> HTTPResponse:
    desk = await referral_desk.desk_of(request.ctx.staff.id)
    detail = await referral_desk.view(request_ctx.cipher(request), desk, referral_id)
    r = detail.referral
    data = streets()
    station = data.get(r.street)
    now = request_ctx.now(request)
    holidays = (await site_settings.load()).holidays
    return page("referral_detail.html", staff=request.ctx.staff, done=flash(request), d=detail, r=r,
                street=data.name_of(r.street), station=station, sample=data.sample,
                age=age_text(sql.aware(r.created_at), now),
                overdue=referral_desk.is_overdue(r, now, holidays), when=_when,
                statuses=STATUS_NAMES, outcomes={k: OUTCOME_NAMES[k] for k in OUTCOMES},
                events=EVENT_NAMES)


def _when(value: Any) -> str:
    moment = sql.aware(value)
    return minute_text(moment) if moment else ""


@bp.post("/console/referrals/<referral_id:int>/claim")
@openapi.exclude()
@staff_required("adviser")
async def referral_claim(request: Request, referral_id: int) -> HTTPResponse:
    desk = await referral_desk.desk_of(request.ctx.staff.id)
    await referral_desk.claim(desk, referral_id, now=request_ctx.now(request))
    return done_redirect(f"/console/referrals/{referral_id}", "referral_claimed")


@bp.post("/console/referrals/<referral_id:int>/note")
@openapi.exclude()
@staff_required("adviser")
async def referral_note(request: Request, referral_id: int) -> HTTPResponse:
    form = posted(request)
    desk = await referral_desk.desk_of(request.ctx.staff.id)
    await referral_desk.add_note(request_ctx.cipher(request), desk, referral_id, form.get("text") or "",
                                 now=request_ctx.now(request), attempt=form.get("kind") == "attempt",
                                 reached=form.get("reached") == "1")
    return done_redirect(f"/console/referrals/{referral_id}", "referral_noted")


@bp.post("/console/referrals/<referral_id:int>/close")
@openapi.exclude()
@staff_required("adviser")
async def referral_close(request: Request, referral_id: int) -> HTTPResponse:
    desk = await referral_desk.desk_of(request.ctx.staff.id)
    await referral_desk.close(desk, referral_id, posted(request).get("outcome") or "",
                              now=request_ctx.now(request))
    return done_redirect(f"/console/referrals/{referral_id}", "referral_closed")


@bp.get("/console/referrals/stats")
@openapi.exclude()
@staff_required("admin")
async def referral_stats_page(request: Request) -> HTTPResponse:
    counts = await referral_stats.counts()
    data = streets()
    rows = [(s, counts.get(s.code) or referral_stats.StreetCounts(s.code)) for s in data.items]
    total = referral_stats.StreetCounts("")
    for _, c in rows:
        total.requests += c.requests
        total.urgent += c.urgent
        total.open += c.open
        total.contact_hours += c.contact_hours
        for k, v in c.outcomes.items():
            total.outcomes[k] = total.outcomes.get(k, 0) + v
    return page("referrals_stats.html", staff=request.ctx.staff, rows=rows, total=total,
                outcomes=OUTCOME_NAMES)
