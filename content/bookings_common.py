"""Shared by the slot, check-in and export pages: error text, form parsing and row views.

Only masked personal data (``Booking.masked``) ever reaches a page or a file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from content.messages import ERRORS
from core.booking import BookingError
from core.booking.export import STATUS_NAMES, local_moment, local_span, masked_names, masked_phone
from core.booking.rules import SHANGHAI
from core.booking.service import load_rules
from core.models import Booking, Slot

WEEKDAYS = "一二三四五六日"
LIST_LIMIT = 500
BOOKINGS_LIMIT = 2000

# BookingError code → (HTTP status, console message key); pages may override per context.
_CODES: dict[str, tuple[int, str]] = {
    "invalid_input": (422, "slot_bad_input"),
    "slot_not_found": (404, "slot_not_found"),
    "slot_closed": (409, "slot_closed"),
    "capacity_below_booked": (409, "slot_capacity_below_booked"),
    "booking_not_found": (404, "booking_not_found"),
    "no_show_not_confirmed": (409, "booking_no_show_not_confirmed"),
    "no_show_checked_in": (409, "booking_no_show_checked_in"),
    "no_show_not_started": (409, "booking_no_show_not_started"),
    "no_show_already": (409, "booking_no_show_already"),
    "no_show_not_marked": (409, "booking_no_show_not_marked"),
    "invalid_qr": (422, "checkin_invalid_qr"),
    "already_cancelled": (409, "checkin_cancelled"),
    "not_today": (409, "checkin_not_today"),
    "already_checked_in": (409, "checkin_already"),
}


def console_error(exc: BookingError, overrides: dict[str, str] | None = None) -> tuple[int, str]:
    """(status, Chinese text) for a domain error; never the raw code."""
    status, key = _CODES.get(exc.code, (409, "slot_bad_input"))
    key = (overrides or {}).get(exc.code, key)
    detail: Any = exc.detail or ""
    if exc.code == "capacity_below_booked":
        detail = exc.extra.get("booked", "")
    elif exc.code == "not_today":
        detail = local_moment(exc.extra.get("starts_at"))  # type: ignore[arg-type]
    elif exc.code == "already_checked_in":
        detail = local_moment(exc.extra.get("checked_in_at"))  # type: ignore[arg-type]
    text = ERRORS[key].format(detail=detail, field=exc.field or "")
    return status, text or ERRORS["booking_bad_action"]


def bad(detail: str, field: str = "") -> BookingError:
    return BookingError("invalid_input", field=field or None, detail=detail)


def parse_day(raw: str | None, field: str) -> date:
    text = (raw or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad(ERRORS["slot_bad_date"].format(detail=text[:20]), field) from None


def parse_int(raw: str | None, field: str, label: str) -> int:
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 7:
        raise bad(ERRORS["slot_bad_number"].format(field=label), field)
    return int(text)


def parse_moment(raw: str | None, field: str) -> datetime | None:
    """An <input type="datetime-local"> value (or "YYYY-MM-DD HH:MM") in Shanghai time."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise bad(ERRORS["slot_bad_time"].format(detail=text[:20]), field) from None
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Shanghai days as UTC bounds. UTC matters on SQLite: datetimes are stored as UTC text and
    compared as text, so a +08:00 bound would miss slots between 00:00 and 08:00 local time."""
    return (datetime.combine(first, time(0), SHANGHAI).astimezone(UTC),
            datetime.combine(last + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC))


async def service_names() -> dict[str, str]:
    return {code: rule.name for code, rule in (await load_rules()).items()}


def local_day(value: datetime) -> str:
    local = value.astimezone(SHANGHAI)
    return f"{local:%Y-%m-%d} 周{WEEKDAYS[local.weekday()]}"


def slot_view(slot: Slot, names: dict[str, str]) -> dict[str, Any]:
    closed = slot.closed_at is not None
    return {"id": slot.id, "service": slot.service, "service_name": names.get(slot.service, slot.service),
            "day": local_day(slot.starts_at), "time": local_span(slot.starts_at, slot.ends_at),
            "capacity": slot.capacity, "booked": slot.booked,
            "remaining": 0 if closed else max(0, slot.capacity - slot.booked),
            "closed": closed, "state": "已关闭" if closed else "开放",
            "closed_reason": slot.closed_reason, "closed_at": local_moment(slot.closed_at),
            "opens_at": local_moment(slot.opens_at)}


def booking_view(booking: Booking, slot: Slot, now: datetime) -> dict[str, Any]:
    confirmed = booking.status == "confirmed"
    return {"id": booking.id, "code": booking.code, "names": masked_names(booking.masked),
            "phone": masked_phone(booking.masked), "party_size": booking.party_size,
            "status": booking.status, "status_name": STATUS_NAMES.get(booking.status, booking.status),
            "checked_in_at": local_moment(booking.checked_in_at),
            "no_show_at": local_moment(booking.no_show_at),
            "can_mark": (confirmed and booking.checked_in_at is None and booking.no_show_at is None
                         and now >= slot.starts_at),
            "can_undo": booking.no_show_at is not None}


async def slots_between(service: str, first: date, last: date) -> list[Slot]:
    start, end = day_bounds(first, last)
    query = Slot.filter(starts_at__gte=start, starts_at__lt=end)
    if service:
        query = query.filter(service=service)
    return await query.order_by("starts_at", "service", "id").limit(LIST_LIMIT)
