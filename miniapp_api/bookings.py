"""Booking endpoints: route → command (``core.booking.commands``) → use case
(``core.booking.usecases``) → render. Refusals are BookingErrors the app's JSON presenter shows."""

from __future__ import annotations

import re
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json, raw
from sanic_ext import openapi

from core.booking import codes
from core.booking.commands import Book, Cancel, Reschedule
from core.crypto import FieldCipher
from core.models import Booking
from miniapp_api.blueprint import bp
from miniapp_api.common import api_error, bookings, cipher, current_user, json_body, now
from miniapp_api.schemas import BookingIn, BookingOut, BookingsOut, RescheduleIn, content, errors
from miniapp_api.views import booking_view

_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
# duplicate_booking on POST /bookings names the booking already held on that slot (when it is on
# that slot), so the mini-program can show it instead of another "full" page.
_HELD = {"duplicate_booking": "（duplicate_booking 时若该时段已有本人的有效预约，error.booking_id 为其编号）",
         "not_open": "（not_open 时 error.opens_at 为开放预约的时间）"}


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise api_error("invalid_input", field="Idempotency-Key",
                        detail="Idempotency-Key 应为1至100个字母、数字或 ._:-")
    return key


def _out(booking: Booking, cipher_: FieldCipher) -> dict[str, Any]:
    return booking_view(booking, booking.slot, cipher_).body()


@bp.post("/bookings")
@openapi.summary("预约：按服务填写表单；可带 Idempotency-Key 头安全重试")
@openapi.body(content(BookingIn))
@openapi.response(201, content(BookingOut), "预约成功（同一 Idempotency-Key 的重试返回同一预约）")
@errors("invalid_input", "slot_full", "gender_full", "duplicate_booking", "not_open",
        "booking_closed", "slot_closed", "slot_not_found", "unauthorized", "rate_limited",
        notes=_HELD)
async def create_booking(request: Request) -> HTTPResponse:
    user = await current_user(request)  # first, so 401 and 429 always mean what they say
    cmd = Book.from_body(json_body(request), user_id=user.id, key=_idempotency_key(request))
    booking, created = await bookings(request).book(cmd)
    await booking.fetch_related("slot")
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return json(_out(booking, cipher(request)), status=201, headers=headers, ensure_ascii=False)


@bp.get("/bookings")
@openapi.summary("我的预约（含已取消）")
@openapi.response(200, content(BookingsOut), "预约列表")
@errors("unauthorized", "rate_limited")
async def list_bookings(request: Request) -> HTTPResponse:
    user = await current_user(request)
    rows = await Booking.filter(user_id=user.id).order_by("-id").limit(200).prefetch_related("slot")
    out = BookingsOut(bookings=[booking_view(b, b.slot, cipher(request)) for b in rows])
    return json(out.body(), ensure_ascii=False)


@bp.get("/bookings/<booking_id:int>")
@openapi.summary("一条预约的详情")
@openapi.response(200, content(BookingOut), "预约")
@errors("booking_not_found", "unauthorized", "rate_limited")
async def get_booking(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    booking = await bookings(request).get(user.id, booking_id)
    return json(_out(booking, cipher(request)), ensure_ascii=False)


@bp.post("/bookings/<booking_id:int>/cancel")
@openapi.summary("取消预约，释放名额，并自动递补候补名单中的第一位")
@openapi.response(200, content(BookingOut), "已取消")
@errors("booking_not_found", "already_cancelled", "slot_closed", "cancel_closed", "unauthorized",
        "rate_limited")
async def cancel_booking(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    booking = await bookings(request).cancel(Cancel(user_id=user.id, booking_id=booking_id))
    return json(_out(booking, cipher(request)), ensure_ascii=False)


@bp.post("/bookings/<booking_id:int>/reschedule")
@openapi.summary("改约到同一服务的另一时段：新名额先占上再释放旧名额；新时段满员时原预约不变")
@openapi.body(content(RescheduleIn))
@openapi.response(200, content(BookingOut), "已改约")
@errors("invalid_input", "slot_full", "gender_full", "slot_closed", "slot_not_found",
        "booking_not_found",
        "already_cancelled", "cancel_closed", "not_open", "booking_closed", "duplicate_booking",
        "booking_unreadable", "unauthorized", "rate_limited", notes=_HELD)
async def reschedule_booking(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    cmd = Reschedule.from_body(json_body(request), user_id=user.id, booking_id=booking_id)
    booking = await bookings(request).reschedule(cmd)
    return json(_out(booking, cipher(request)), ensure_ascii=False)


@bp.get("/bookings/<booking_id:int>/ics")
@openapi.summary("预约的日历文件（.ics）")
@openapi.response(200, {"text/calendar": str}, "iCalendar")
@errors("booking_not_found", "already_cancelled", "slot_closed", "unauthorized", "rate_limited")
async def booking_ics(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    booking = await bookings(request).get(user.id, booking_id)
    if booking.status != "confirmed":
        raise api_error("slot_closed" if booking.status == "closed" else "already_cancelled")
    view = booking_view(booking, booking.slot, cipher(request))
    text = codes.ics(uid=f"booking-{booking.id}@baoshan-minzheng", title=f"宝山民政·{view.service_name}",
                     starts_at=booking.slot.starts_at, ends_at=booking.slot.ends_at,
                     location="上海市宝山区民政局", description=f"预约码 {booking.code}",
                     now=now(request))
    return raw(text.encode("utf-8"), content_type="text/calendar; charset=utf-8",
               headers={"Content-Disposition": f'attachment; filename="booking-{booking.id}.ics"'})
