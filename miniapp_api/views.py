"""JSON shapes of slots and bookings (times shown in Asia/Shanghai, +08:00), built as the models
``/openapi.json`` publishes (``miniapp_api.schemas``)."""

from __future__ import annotations

from datetime import datetime

from core import catalogue
from core.booking import codes
from core.booking.rules import DEFAULT_RULES, YOUTH, YOUTH_AGES
from core.booking.slots import places_left
from core.crypto import FieldCipher
from core.models import Booking, Slot, WaitlistEntry
from core.tz import SHANGHAI
from miniapp_api.schemas import BookingOut, MaskedPersonOut, SlotOut, WaitlistOut

PREFIX = "/api/v1/miniapp"


def local(value: datetime | None) -> str | None:
    return stamp(value) if value else None


def stamp(value: datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat()


def slot_view(slot: Slot) -> SlotOut:
    out = SlotOut(id=slot.id, service=slot.service, title=slot.title, theme=slot.theme,
                  starts_at=stamp(slot.starts_at), ends_at=stamp(slot.ends_at),
                  capacity=slot.capacity, remaining=places_left(slot),
                  opens_at=local(slot.opens_at))
    if slot.place:
        out.place = slot.place
    if slot.service == YOUTH:
        # The range that applies, defaults filled in, so the mini-program can say it up front.
        out.age_min = slot.age_min if slot.age_min is not None else YOUTH_AGES[0]
        out.age_max = slot.age_max if slot.age_max is not None else YOUTH_AGES[1]
        out.gender_split = bool(slot.gender_split)
        if slot.gender_split:
            left = places_left(slot)
            half = (slot.capacity + 1) // 2
            out.remaining_men = min(left, max(0, half - slot.booked_m))
            out.remaining_women = min(left, max(0, half - slot.booked_f))
    return out


def booking_view(booking: Booking, slot: Slot, cipher: FieldCipher) -> BookingOut:
    """The booking as residents see it; a confirmed one carries its QR payload and calendar link,
    one staff closed carries the reason they gave."""
    rule = DEFAULT_RULES.get(booking.service)
    out = BookingOut(
        id=booking.id, status=booking.status, code=booking.code,
        service=booking.service, service_name=rule.name if rule else booking.service,
        slot=slot_view(slot), slot_id=slot.id,
        starts_at=stamp(slot.starts_at), ends_at=stamp(slot.ends_at),
        party_size=booking.party_size, applicant=booking.masked,
        created_at=local(booking.created_at), cancelled_at=local(booking.cancelled_at),
        checked_in_at=local(booking.checked_in_at))
    companions = booking.masked.get("companions") if isinstance(booking.masked, dict) else None
    if isinstance(companions, list):
        out.companions = [MaskedPersonOut(name=str(c.get("name", "")),
                                          id_number=str(c.get("id_number", "")))
                          for c in companions if isinstance(c, dict)]
    if booking.status == "confirmed":
        out.qr_payload = codes.qr_payload(cipher, booking.id, booking.code)
        out.ics_url = f"{PREFIX}/bookings/{booking.id}/ics"
    elif booking.status == "closed":
        out.closed_reason, out.closed_at = slot.closed_reason, local(slot.closed_at)
    elif booking.status == "cancelled" and booking.cancel_reason:
        out.cancel_reason = booking.cancel_reason
        out.cancel_notice = catalogue.text("residents", "booking_staff_cancelled",
                                           {"reason": booking.cancel_reason})
    return out


def waitlist_view(entry: WaitlistEntry, slot: Slot, position: int) -> WaitlistOut:
    return WaitlistOut(id=entry.id, status=entry.status, slot=slot_view(slot), position=position,
                       applicant=entry.masked, booking_id=entry.booking_id,
                       created_at=local(entry.created_at))
