"""Check-in at the counter: staff scan the booking's QR payload (see ``codes.qr_payload``)."""

from __future__ import annotations

from datetime import datetime

from core.booking import codes, rules
from core.booking.errors import BookingError
from core.crypto import FieldCipher
from core.models import Booking


async def check_in(cipher: FieldCipher, payload: str, *, now: datetime) -> Booking:
    """Marks the booking as arrived. Raises invalid_qr (forged or garbled), booking_not_found,
    already_cancelled, not_today (another day's booking) or already_checked_in."""
    parsed = codes.parse_qr(cipher, payload)
    if parsed is None:
        raise BookingError("invalid_qr")
    booking = await Booking.get_or_none(id=parsed[0], code=parsed[1]).prefetch_related("slot")
    if booking is None:
        raise BookingError("booking_not_found")
    if booking.status != "confirmed":
        raise BookingError("already_cancelled")
    if booking.slot.starts_at.astimezone(rules.SHANGHAI).date() != now.astimezone(rules.SHANGHAI).date():
        raise BookingError("not_today")
    # Conditional write: two counters scanning the same code at once record one arrival.
    if not await Booking.filter(id=booking.id, checked_in_at__isnull=True).update(checked_in_at=now):
        raise BookingError("already_checked_in")
    booking.checked_in_at = now
    return booking
