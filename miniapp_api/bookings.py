"""Booking endpoints: they translate HTTP to ``core.booking`` calls and BookingError codes back."""

from __future__ import annotations

import re

from sanic import Request
from sanic.response import HTTPResponse, json, raw
from sanic_ext import openapi

from core.booking import BookingError, codes, service
from core.booking import waitlist as waitlists
from core.crypto import FieldCipher
from core.models import Booking, Slot
from miniapp_api.blueprint import bp
from miniapp_api.common import cipher, current_user, from_booking_error, full_slots, json_body, now
from miniapp_api.messages import ERRORS
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
            by_status.setdefault(ERRORS[c][0], []).append(c)
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
        raise from_booking_error(BookingError("invalid_input", field="Idempotency-Key",
                                              detail="Idempotency-Key 应为1至100个字母、数字或 ._:-"))
    return key


def _out(booking: Booking, slot: Slot, cipher_: FieldCipher) -> dict:
    """The booking as residents see it; one staff closed carries the reason they gave."""
    view = booking_view(booking, slot, cipher_)
    if booking.status == "closed":
        view["closed_reason"] = slot.closed_reason
        view["closed_at"] = local(slot.closed_at)
    return view


async def _view(request: Request, booking: Booking) -> dict:
    await booking.fetch_related("slot")
    return _out(booking, booking.slot, cipher(request))


async def _promote(request: Request, slot_id: int) -> None:
    """Offers a freed place to the waiting list. A slot closed meanwhile has nobody waiting, and
    the resident's own change has already succeeded, so that is not their error."""
    try:
        await waitlists.promote(cipher(request), slot_id, now=now(request))
    except BookingError as exc:
        if exc.code != "slot_closed":
            raise


@bp.post("/bookings")
@openapi.summary("预约：按服务填写表单；可带 Idempotency-Key 头安全重试")
@openapi.body(_BOOKING_BODY)
@openapi.response(201, _BOOKING, "预约成功（同一 Idempotency-Key 的重试返回同一预约）")
@_errors("invalid_input", "slot_full", "duplicate_booking", "slot_closed", "slot_not_found",
         "unauthorized", "rate_limited")
async def create_booking(request: Request) -> HTTPResponse:
    user = await current_user(request)  # first, so 401 and 429 always mean what they say
    key = _idempotency_key(request)
    try:
        booking, created = await service.book(cipher(request), json_body(request), user_id=user.id,
                                              key=key, now=now(request), full=full_slots(request))
    except BookingError as exc:
        error = from_booking_error(exc)
        if "booking_id" in exc.extra:  # the resident's own booking on the slot they asked for
            error.extra["booking_id"] = exc.extra["booking_id"]
        raise error from None
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return json(await _view(request, booking), status=201, headers=headers, ensure_ascii=False)


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
    try:
        booking = await service.get_own(booking_id, user.id)
    except BookingError as exc:
        raise from_booking_error(exc) from None
    return json(_out(booking, booking.slot, cipher(request)), ensure_ascii=False)


@bp.post("/bookings/<booking_id:int>/cancel")
@openapi.summary("取消预约，释放名额，并自动递补候补名单中的第一位")
@openapi.response(200, _BOOKING, "已取消")
@_errors("booking_not_found", "already_cancelled", "slot_closed", "unauthorized")
async def cancel_booking(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    try:
        booking = await service.cancel(booking_id, user_id=user.id, now=now(request))
        full_slots(request).forget(booking.slot_id)  # type: ignore[attr-defined]
        await _promote(request, booking.slot_id)  # type: ignore[attr-defined]
    except BookingError as exc:
        raise from_booking_error(exc) from None
    return json(_out(booking, booking.slot, cipher(request)), ensure_ascii=False)


@bp.post("/bookings/<booking_id:int>/reschedule")
@openapi.summary("改约到同一服务的另一时段：新名额先占上再释放旧名额；新时段满员时原预约不变")
@openapi.body({"application/json": {"slot_id": int}})
@openapi.response(200, _BOOKING, "已改约")
@_errors("invalid_input", "slot_full", "slot_closed", "booking_not_found", "cancel_closed",
         "booking_unreadable", "unauthorized")
async def reschedule_booking(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    body = json_body(request)
    try:
        before = await service.get_own(booking_id, user.id)
        booking = await service.reschedule(
            cipher(request), booking_id, body.get("slot_id") if isinstance(body, dict) else None,
            user_id=user.id, now=now(request))
        full_slots(request).forget(before.slot_id)  # type: ignore[attr-defined]
        await _promote(request, before.slot_id)  # type: ignore[attr-defined]
    except BookingError as exc:
        raise from_booking_error(exc) from None
    return json(_out(booking, booking.slot, cipher(request)), ensure_ascii=False)


@bp.get("/bookings/<booking_id:int>/ics")
@openapi.summary("预约的日历文件（.ics）")
@openapi.response(200, {"text/calendar": str}, "iCalendar")
@_errors("booking_not_found", "unauthorized")
async def booking_ics(request: Request, booking_id: int) -> HTTPResponse:
    user = await current_user(request)
    try:
        booking = await service.get_own(booking_id, user.id)
    except BookingError as exc:
        raise from_booking_error(exc) from None
    if booking.status != "confirmed":
        code = "slot_closed" if booking.status == "closed" else "already_cancelled"
        raise from_booking_error(BookingError(code))
    view = booking_view(booking, booking.slot, cipher(request))
    text = codes.ics(uid=f"booking-{booking.id}@baoshan-minzheng", title=f"宝山民政·{view['service_name']}",
                     starts_at=booking.slot.starts_at, ends_at=booking.slot.ends_at,
                     location="上海市宝山区民政局", description=f"预约码 {booking.code}",
                     now=now(request))
    return raw(text.encode("utf-8"), content_type="text/calendar; charset=utf-8",
               headers={"Content-Disposition": f'attachment; filename="booking-{booking.id}.ics"'})
