"""JSON shapes of slots and bookings (times shown in Asia/Shanghai, +08:00)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.booking import codes
from core.booking.rules import DEFAULT_RULES, SHANGHAI
from core.crypto import FieldCipher
from core.models import Booking, Slot, WaitlistEntry

PREFIX = "/api/v1/miniapp"


def local(value: datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).isoformat() if value else None


def slot_view(slot: Slot) -> dict[str, Any]:
    return {"id": slot.id, "service": slot.service, "title": slot.title,
            "starts_at": local(slot.starts_at), "ends_at": local(slot.ends_at),
            "capacity": slot.capacity, "remaining": max(0, slot.capacity - slot.booked),
            "opens_at": local(slot.opens_at)}


def booking_view(booking: Booking, slot: Slot, cipher: FieldCipher) -> dict[str, Any]:
    rule = DEFAULT_RULES.get(booking.service)
    out: dict[str, Any] = {
        "id": booking.id, "status": booking.status, "code": booking.code,
        "service": booking.service, "service_name": rule.name if rule else booking.service,
        "slot": slot_view(slot), "slot_id": slot.id,
        "starts_at": local(slot.starts_at), "ends_at": local(slot.ends_at),
        "party_size": booking.party_size, "applicant": booking.masked,
        "created_at": local(booking.created_at), "cancelled_at": local(booking.cancelled_at),
        "checked_in_at": local(booking.checked_in_at),
    }
    if booking.status == "confirmed":
        out["qr_payload"] = codes.qr_payload(cipher, booking.id, booking.code)
        out["ics_url"] = f"{PREFIX}/bookings/{booking.id}/ics"
    return out


def waitlist_view(entry: WaitlistEntry, slot: Slot, position: int) -> dict[str, Any]:
    return {"id": entry.id, "status": entry.status if entry.status != "waiting" else "waiting",
            "slot": slot_view(slot), "position": position, "applicant": entry.masked,
            "booking_id": entry.booking_id, "created_at": local(entry.created_at)}  # type: ignore[attr-defined]
