"""Finding a booking at the counter by its code, the phone it was made with, or a name on it,
across every slot and service.

Phones and names are stored only encrypted, so they are matched through ``booking_lookup``: the
keyed hash (HMAC with a key derived from the secret key) of the normalised value, written with the
booking. Matching is therefore exact after normalisation — a whole phone number or a whole name,
never a prefix — which is what the counter needs ("手机号是多少？") and what keeps the index from
revealing anything a partial search could enumerate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.booking.checkin import normalise_code
from core.booking.identity import name_key, normalise_name, normalise_phone, phone_key
from core.crypto import FieldCipher
from core.models import Booking, BookingLookup

LIMIT = 50
MAX_QUERY = 60
_CODE = re.compile(r"^[A-Z0-9]{4,16}$")


@dataclass(frozen=True)
class Found:
    kind: str  # "code", "phone", "name" or "" (nothing to search for)
    bookings: list[Booking]


async def find(cipher: FieldCipher, text: str) -> Found:
    """Bookings matching ``text``, newest slot first, at most ``LIMIT``."""
    raw = (text or "").strip()[:MAX_QUERY]
    if not raw:
        return Found("", [])
    phone = normalise_phone(raw)
    if phone:
        by_phone = await _by_key(phone_key(cipher, phone))
        if by_phone:
            return Found("phone", by_phone)
    code = normalise_code(raw)
    if _CODE.match(code):
        by_code = await Booking.filter(code=code).prefetch_related("slot")
        if by_code:
            return Found("code", list(by_code))
    name = normalise_name(raw)
    if name:
        return Found("name", await _by_key(name_key(cipher, name)))
    return Found("phone" if phone else "code", [])


async def _by_key(key: str) -> list[Booking]:
    ids = list(await BookingLookup.filter(key=key).limit(LIMIT * 2).values_list("booking_id", flat=True))
    if not ids:
        return []
    rows = await Booking.filter(id__in=ids).prefetch_related("slot")
    rows.sort(key=lambda b: (b.slot.starts_at, b.id), reverse=True)
    return rows[:LIMIT]
