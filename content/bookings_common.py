"""Shared by the slot, check-in and export pages: error text, form parsing and row views.

Only masked personal data (``Booking.masked``) ever reaches a page or a file.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from core import catalogue
from core.booking import BookingError
from core.booking.export import STATUS_NAMES, local_moment, local_span, masked_names, masked_phone
from core.booking.reads import load_rules
from core.booking.slots import places_left
from core.errors import DomainError, status_of
from core.models import Booking, Slot
from core.tz import SHANGHAI, day_bounds

WEEKDAYS = "一二三四五六日"
LIST_LIMIT = 500
BOOKINGS_LIMIT = 2000


def console_error(exc: DomainError, context: str = "") -> tuple[int, str]:
    """(status, Chinese text) for a domain error on a booking page, from the staff catalogue keyed
    by the code the service raised (``context`` + "." + code first, where a page words it
    differently); never the raw code. A worded ``detail`` (invalid_input) is the text itself."""
    params = {k: local_moment(v) if isinstance(v, datetime) else v for k, v in exc.params.items()}
    detail = params.get("detail")
    if isinstance(detail, str) and detail:
        return status_of(exc.code), detail
    specific = f"{context}.{exc.code}"
    code = specific if context and catalogue.has("staff", specific) else exc.code
    return status_of(exc.code), catalogue.text("staff", code, params)


def staff_text(code: str, **params: object) -> str:
    return catalogue.text("staff", code, params)


def bad(detail: str, field: str = "") -> BookingError:
    return BookingError("invalid_input", field=field or None, detail=detail)


def parse_day(raw: str | None, field: str) -> date:
    text = (raw or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad(staff_text("slot_bad_date", value=text[:20]), field) from None


def parse_int(raw: str | None, field: str, label: str) -> int:
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 7:
        raise bad(staff_text("slot_bad_number", label=label), field)
    return int(text)


def parse_moment(raw: str | None, field: str) -> datetime | None:
    """An <input type="datetime-local"> value (or "YYYY-MM-DD HH:MM") in Shanghai time."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise bad(staff_text("slot_bad_time", value=text[:20]), field) from None
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


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
            "remaining": places_left(slot), "title": slot.title, "theme": slot.theme,
            "place": slot.place, "booked_any": slot.booked > 0,
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


def edit_form(slot: Slot) -> dict[str, str]:
    """The slot's edit form as first shown: its values on Shanghai's wall clock."""
    starts, ends = slot.starts_at.astimezone(SHANGHAI), slot.ends_at.astimezone(SHANGHAI)
    return {"title": slot.title, "theme": slot.theme, "place": slot.place,
            "day": starts.date().isoformat(), "start": f"{starts:%H:%M}", "end": f"{ends:%H:%M}"}
