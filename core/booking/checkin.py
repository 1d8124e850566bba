"""Check-in at the counter: staff scan the booking's QR payload (see ``codes.qr_payload``) or type
its booking code."""

from __future__ import annotations

import re
from datetime import datetime

from tortoise.transactions import in_transaction

from core import audit
from core.booking import codes
from core.booking.errors import BookingError
from core.crypto import FieldCipher
from core.models import Booking
from core.tz import SHANGHAI

_CODE = re.compile(r"^[A-Z0-9]{4,16}$")


async def check_in(cipher: FieldCipher, payload: str, *, now: datetime,
                   actor: str | None = None) -> Booking:
    """Marks the booking as arrived. Raises invalid_qr (forged or garbled), booking_not_found,
    already_cancelled, slot_closed, not_today (another day's booking) or already_checked_in."""
    parsed = codes.parse_qr(cipher, payload)
    if parsed is None:
        raise BookingError("invalid_qr")
    booking = await Booking.get_or_none(id=parsed[0], code=parsed[1]).prefetch_related("slot")
    return await _arrive(booking, now, actor)


def normalise_code(text: str) -> str:
    """Codes are read aloud and typed: case and spaces do not matter."""
    return "".join(text.split()).upper()


async def check_in_any(cipher: FieldCipher, text: str, *, now: datetime,
                       actor: str | None = None) -> Booking:
    """What the counter's one text box accepts: a scanned QR payload or a typed booking code."""
    raw = (text or "").strip()
    if not raw:
        raise BookingError("invalid_input", field="code", detail="请输入预约码或扫描二维码。")
    prefix = codes.QR_PREFIX + ":"
    if raw[:len(prefix)].upper() == prefix:
        # Only the prefix is case-folded: the signature is case-sensitive hex.
        return await check_in(cipher, prefix + "".join(raw[len(prefix):].split()), now=now,
                              actor=actor)
    code = normalise_code(raw)
    if not _CODE.match(code):
        raise BookingError("booking_not_found")
    return await _arrive(await Booking.get_or_none(code=code).prefetch_related("slot"), now, actor)


async def _arrive(booking: Booking | None, now: datetime, actor: str | None) -> Booking:
    if booking is None:
        raise BookingError("booking_not_found")
    _refuse(booking)
    if booking.slot.starts_at.astimezone(SHANGHAI).date() != now.astimezone(SHANGHAI).date():
        raise BookingError("not_today", starts_at=booking.slot.starts_at, booking=booking)
    # Conditional write: two counters scanning the same code at once record one arrival. A late
    # arrival already marked as a no-show is an arrival after all, so the mark is cleared.
    async with in_transaction() as conn:
        arrived = await Booking.filter(id=booking.id, status="confirmed",
                                       checked_in_at__isnull=True).update(checked_in_at=now,
                                                                          no_show_at=None)
        if arrived and actor is not None:
            await audit.record(actor, "booking.check_in", f"booking:{booking.id}",
                               before={"code": booking.code, "checked_in": False},
                               after={"code": booking.code, "checked_in": True,
                                      "checked_in_at": now.isoformat()}, conn=conn)
    if not arrived:
        fresh = await Booking.get(id=booking.id)
        fresh.slot = booking.slot
        _refuse(fresh)
        raise BookingError("already_checked_in", checked_in_at=fresh.checked_in_at, booking=fresh)
    booking.checked_in_at, booking.no_show_at = now, None
    return booking


def _refuse(booking: Booking) -> None:
    if booking.status == "closed":
        raise BookingError("slot_closed")
    if booking.status != "confirmed":
        raise BookingError("already_cancelled")
    if booking.checked_in_at is not None:
        # The booking rides along so the counter can show whose arrival was already recorded.
        raise BookingError("already_checked_in", checked_in_at=booking.checked_in_at, booking=booking)
