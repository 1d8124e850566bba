"""Waiting-list and subscribe-message consent endpoints."""

from __future__ import annotations

import re

from sanic import Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from core.booking import waitlist as waitlists
from core.booking.commands import JoinWaitlist, LeaveWaitlist
from core.models import Subscription, WaitlistEntry
from miniapp_api.blueprint import bp
from miniapp_api.common import api_error, bookings, current_user, json_body
from miniapp_api.schemas import (
    BookingIn,
    SubscriptionIn,
    SubscriptionOut,
    WaitlistOut,
    WaitlistsOut,
    content,
    errors,
)
from miniapp_api.views import local, waitlist_view

_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


@bp.post("/waitlist")
@openapi.summary("加入候补：时段约满时登记，有人取消后按顺序自动递补并发送通知")
@openapi.body(content(BookingIn))
@openapi.response(201, content(WaitlistOut), "已候补")
@errors("invalid_input", "slot_available", "already_waiting", "duplicate_booking", "not_open",
        "booking_closed", "slot_closed", "slot_not_found", "unauthorized", "rate_limited")
async def join_waitlist(request: Request) -> HTTPResponse:
    user = await current_user(request)
    entry = await bookings(request).join_waitlist(JoinWaitlist.from_body(json_body(request),
                                                                        user_id=user.id))
    await entry.fetch_related("slot")
    view = waitlist_view(entry, entry.slot, await waitlists.position(entry))
    return json(view.body(), status=201, ensure_ascii=False)


@bp.get("/waitlist")
@openapi.summary("我的候补")
@openapi.response(200, content(WaitlistsOut), "候补列表")
@errors("unauthorized", "rate_limited")
async def my_waitlist(request: Request) -> HTTPResponse:
    user = await current_user(request)
    rows = await WaitlistEntry.filter(user_id=user.id).order_by("-id").limit(100).prefetch_related("slot")
    out = WaitlistsOut(waitlist=[waitlist_view(e, e.slot, await waitlists.position(e)) for e in rows])
    return json(out.body(), ensure_ascii=False)


@bp.delete("/waitlist/<entry_id:int>")
@openapi.summary("退出候补")
@openapi.response(204, None, "已退出")
@errors("booking_not_found", "unauthorized", "rate_limited")
async def leave_waitlist(request: Request, entry_id: int) -> HTTPResponse:
    user = await current_user(request)
    await bookings(request).leave_waitlist(LeaveWaitlist(user_id=user.id, entry_id=entry_id))
    return HTTPResponse(status=204)


@bp.post("/subscriptions")
@openapi.summary("记录一次性订阅消息授权（wx.requestSubscribeMessage 接受后调用），用于预约前一天提醒")
@openapi.body(content(SubscriptionIn))
@openapi.response(201, content(SubscriptionOut), "已记录")
@errors("invalid_input", "unauthorized", "rate_limited")
async def subscribe(request: Request) -> HTTPResponse:
    user = await current_user(request)
    body = json_body(request)
    template_id = body.get("template_id") if isinstance(body, dict) else None
    if not isinstance(template_id, str) or not _TEMPLATE_ID.match(template_id):
        raise api_error("invalid_input", field="template_id", detail="缺少订阅消息模板 template_id")
    sub = await Subscription.create(user_id=user.id, template_id=template_id)
    out = SubscriptionOut(id=sub.id, template_id=sub.template_id, status=sub.status,
                          created_at=local(sub.created_at))
    return json(out.body(), status=201)
