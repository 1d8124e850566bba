"""Console: crisis messages (/console/urgent) — what residents in danger wrote, for follow-up.

The resident was answered at once with whom to call (knowledge.crisis); staff see each message
here, masked and without any link to the resident, and mark it followed up.
"""

from __future__ import annotations

from datetime import datetime

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.pages import done_redirect, flash, page
from core import request_ctx, tz, urgent

KIND_NAMES = {"suicide": "自杀或自伤", "domestic_violence": "家庭暴力", "child_danger": "儿童有危险",
              "elder_danger": "老人有危险", "missing_now": "有人走失或有危险",
              "no_food_shelter": "今晚没有吃住"}
CHANNEL_NAMES = {"wechat": "公众号", "api": "查询接口", "console": "工作台"}


def when(moment: datetime) -> str:
    return moment.astimezone(tz.SHANGHAI).strftime("%Y-%m-%d %H:%M")


@bp.get("/console/urgent")
@openapi.exclude()
@staff_required()
async def urgent_list(request: Request) -> HTTPResponse:
    return page("urgent.html", staff=request.ctx.staff, done=flash(request),
                messages=await urgent.recent(), kinds=KIND_NAMES, channels=CHANNEL_NAMES, when=when)


@bp.post("/console/urgent/<message_id:int>/handled")
@openapi.exclude()
@staff_required()
async def urgent_handled(request: Request, message_id: int) -> HTTPResponse:
    await urgent.mark_handled(request.ctx.staff, message_id, request_ctx.now(request))
    return done_redirect("/console/urgent", "urgent_handled")
