"""Booking endpoints: route → command (``core.booking.commands``) → use case
(``core.booking.usecases``) → render. Refusals are BookingErrors the app's JSON presenter shows."""

from __future__ import annotations

import re

from sanic import Request
from sanic.response import HTTPResponse, json, raw
from sanic_ext import openapi

from core.booking import codes
from core.booking.commands import Book, Cancel, Reschedule
from core.crypto import FieldCipher
from core.errors import status_of
from core.models import Booking, Slot
from miniapp_api.blueprint import bp
from miniapp_api.common import api_error, bookings, cipher, current_user, json_body, now
from miniapp_api.views import booking_view, local

_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_ERR = {"application/json": {"error": {"code": str, "message": str, "field": str}}}
# duplicate_booking on POST /bookings names the booking already held on that slot (when it is on
# that slot), so the mini-program can show it instead of another "full" page.
_ERR_HELD = {"application/json": {"error": {"code": str, "message": str, "field": str,
                                            "booking_id": int}}}
_BOOKING_BODY = {"application/json": {
    "slot_id": int, "party_a": {"name": str, "id_number": str},
    "party_b": {"name": str, "id_number": str}, "phone": str, "name": str,
    "burial_type": str, "party_size": int}}
_BOOKING = {"application/json": {"id": int, "status": str, "code": str, "service": str,
                                 "starts_at": str, "ends_at": str, "qr_payload": str,
                                 "ics_url": str, "applicant": dict}}


def _errors(*codes_: str):  # type: ignore[no-untyped-def]
    """OpenAPI responses for the error codes an endpoint can answer."""
    def wrap(handler):  # type: ignore[no-untyped-def]
        by_status: dict[int, list[str]] = {}
        for c in codes_:
            by_status.setdefault(status_of(c), []).append(c)
        for status, names in by_status.items():
            shape = _ERR_HELD if "duplicate_booking" in names else _ERR
            described = " / ".join(names)
            if "duplicate_booking" in names:
                described += "（duplicate_booking 时若该时段已有本人的有效预约，error.booking_id 为其编号）"
            handler = openapi.response(status, shape, described)(handler)
        return handler
    return wrap


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise api_error("invalid_input", field="Idempotency-Key",
                        detail="Idempotency-Key 应为1至100个字母、数字或 ._:-")
    return key


def _out(booking: Booking, slot: Slot, cipher_: FieldCipher) -> dict:
    """The booking as residents see it; one staff closed carries the reason they gave."""
    view = booking_view(booking, slot, cipher_)
    if booking.status == "closed":
        view["closed_reason"] = slot.closed_reason
        view["closed_at"] = local(slot.closed_at)
    return view


@bp.post("/bookings")
@openapi.summary("预约：按服务填写表单；可带 Idempotency-Key 头安全重试")
@openapi.body(_BOOKING_BODY)
@openapi.response(201, _BOOKING, "预约成功（同一 Idempotency-Key 的重试返回同一预约）")
@_errors("invalid_input", "slot_full", "duplicate_booking", "slot_closed", "slot_not_found",
         "unauthorized", "rate_limited")
async def create_booking(request: Request) -> HTTPResponse:
    user = await current_user(request)  # first, so 401 and 429 always mean what they say
    cmd = Book.from_body(json_body(request), user_id=user.id, key=_idempotency_key(request))
    booking, created = await bookings(request).book(cmd)
    await booking.fetch_related("slot")
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return json(_out(booking, booking.slot, cipher(request)), status=201, headers=headers,
                ensure_ascii=False)


@bp.get("/bookings")
@openapi.summary("我的预约（含已取消）")
@openapi.response(200, {"application/json": {"bookings": [dict]}}, "预约列表")
@_errors("unauthorized")
async def list_bookings(request: Request) -> HTTPResponse:
    user = await current_user(request)
    rows = await Booking.filter(user_id=user.id).order_by("-id").limit(200).prefetch_related("slot")
    return json({"bookings": [_out(b, b.slot, cipher(request)) for b in rows]},
                ensure_ascii=False)


@bp.get("/bookings/<booking_id:int>")
@openapi.summary("一条预约的详情")
@openapi.response(200, _BOOKING, "预约")
@_errors("booking_not_found", "unauthorized")
async def get_booking(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    booking = await bookings(request).get(user.id, booking_id)
    return json(_out(booking, booking.slot, cipher(request)), ensure_ascii=False)


@bp.post("/bookings/<booking_id:int>/cancel")
@openapi.summary("取消预约，释放名额，并自动递补候补名单中的第一位")
@openapi.response(200, _BOOKING, "已取消")
@_errors("booking_not_found", "already_cancelled", "slot_closed", "unauthorized")
async def cancel_booking(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    booking = await bookings(request).cancel(Cancel(user_id=user.id, booking_id=booking_id))
    return json(_out(booking, booking.slot, cipher(request)), ensure_ascii=False)


@bp.post("/bookings/<booking_id:int>/reschedule")
@openapi.summary("改约到同一服务的另一时段：新名额先占上再释放旧名额；新时段满员时原预约不变")
@openapi.body({"application/json": {"slot_id": int}})
@openapi.response(200, _BOOKING, "已改约")
@_errors("invalid_input", "slot_full", "slot_closed", "booking_not_found", "cancel_closed",
         "booking_unreadable", "unauthorized")
async def reschedule_booking(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    cmd = Reschedule.from_body(json_body(request), user_id=user.id, booking_id=booking_id)
    booking = await bookings(request).reschedule(cmd)
    return json(_out(booking, booking.slot, cipher(request)), ensure_ascii=False)


@bp.get("/bookings/<booking_id:int>/ics")
@openapi.summary("预约的日历文件（.ics）")
@openapi.response(200, {"text/calendar": str}, "iCalendar")
@_errors("booking_not_found", "unauthorized")
async def booking_ics(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    booking = await bookings(request).get(user.id, booking_id)
    if booking.status != "confirmed":
        raise api_error("slot_closed" if booking.status == "closed" else "already_cancelled")
    view = booking_view(booking, booking.slot, cipher(request))
    text = codes.ics(uid=f"booking-{booking.id}@baoshan-minzheng", title=f"宝山民政·{view['service_name']}",
                     starts_at=booking.slot.starts_at, ends_at=booking.slot.ends_at,
                     location="上海市宝山区民政局", description=f"预约码 {booking.code}",
                     now=now(request))
    return raw(text.encode("utf-8"), content_type="text/calendar; charset=utf-8",
               headers={"Content-Disposition": f'attachment; filename="booking-{booking.id}.ics"'})
