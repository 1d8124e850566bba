"""Who is at the counter: full names and the last four ID digits for the roles that check
identities, the masked copy for everyone else, and the keyed lookups that let staff find a booking
by phone or name.

Personal data is stored only encrypted (``Booking.personal_enc``, bound to the booking's code), so
both the reveal and the lookup keys need the app's cipher. What a role may see is decided here, in
one place, and every page that reveals writes one audit row naming the bookings it showed
(``record_view``) — the names themselves never reach the audit log.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core import audit
from core.booking.export import masked_names, masked_phone
from core.crypto import FieldCipher, FieldDecryptError
from core.field_binding import BOOKING_PERSONAL, WAITLIST_PERSONAL, booking_row_key, waitlist_row_key
from core.models import Booking, BookingLookup, Setting, WaitlistEntry

# Registrars match a booking to the couple in front of them; admins supervise them. Editors (and
# any future role) keep the masked copy.
REVEAL_ROLES = frozenset({"registrar", "admin"})
_VIEW_LIMIT = 500  # ids named in one audit row; a longer page is recorded as its first 500 + count


def may_reveal(role: str) -> bool:
    return role in REVEAL_ROLES


@dataclass(frozen=True)
class Identity:
    names: str  # "张三 / 李四" revealed, "张* / 李*" masked
    id_last4: str  # "0014 / 002X" revealed; "" masked or for services without ID numbers
    phone: str  # always the masked copy on screen: the counter matches faces, not numbers
    revealed: bool


def _people(personal: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A couple's two parties; otherwise the booker and any companions (tomb sweeping), each
    with a name and, where the service asks for one, an ID number."""
    couple = [p for p in (personal.get("party_a"), personal.get("party_b")) if isinstance(p, Mapping)]
    if couple:
        return couple
    companions = personal.get("companions")
    return [personal, *(c for c in companions if isinstance(c, Mapping))] \
        if isinstance(companions, list) else [personal]


def identity_of(personal: Mapping[str, Any] | None, masked: Mapping[str, Any],
                reveal: bool) -> Identity:
    """From the decrypted form (``personal``, None when unreadable) or the masked copy."""
    if not reveal or personal is None:
        return Identity(masked_names(masked), "", masked_phone(masked), False)
    people = _people(personal)
    names = " / ".join(str(p.get("name", "")) for p in people if p.get("name"))
    last4 = " / ".join(str(p["id_number"])[-4:] for p in people
                       if isinstance(p.get("id_number"), str) and p["id_number"])
    return Identity(names, last4, masked_phone(masked), True)


def decrypt_booking(cipher: FieldCipher, booking: Booking) -> dict[str, Any] | None:
    """The booking's personal data, or None when it cannot be read (the page then shows the
    masked copy rather than failing)."""
    try:
        value = json.loads(BOOKING_PERSONAL.decrypt(cipher, booking.personal_enc,
                                                    row_key=booking_row_key(booking.code)))
    except (FieldDecryptError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def decrypt_waiting(cipher: FieldCipher, entry: WaitlistEntry) -> dict[str, Any] | None:
    try:
        value = json.loads(WAITLIST_PERSONAL.decrypt(
            cipher, entry.personal_enc, row_key=waitlist_row_key(entry.slot_id, entry.user_id)))
    except (FieldDecryptError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def booking_identity(cipher: FieldCipher, booking: Booking, reveal: bool) -> Identity:
    personal = decrypt_booking(cipher, booking) if reveal else None
    return identity_of(personal, booking.masked, reveal)


def waiting_identity(cipher: FieldCipher, entry: WaitlistEntry, reveal: bool) -> Identity:
    personal = decrypt_waiting(cipher, entry) if reveal else None
    return identity_of(personal, entry.masked, reveal)


async def record_view(actor: str, page: str, booking_ids: Iterable[int], *,
                      waitlist_ids: Iterable[int] = (), target: str = "") -> None:
    """One audit row per page view that revealed identities: which page (in words, as the audit
    log shows it), which bookings (and waiting-list entries) it showed — ids only, never what was
    shown, nor what was searched for (a phone or a name is personal data too)."""
    shown = sorted(set(booking_ids))
    waiting = sorted(set(waitlist_ids))
    if not shown and not waiting:
        return
    after: dict[str, Any] = {"page": page, "bookings": shown[:_VIEW_LIMIT], "count": len(shown)}
    if waiting:
        after["waitlist"] = waiting[:_VIEW_LIMIT]
    if not target:
        target = f"booking:{shown[0]}" if len(shown) == 1 and not waiting else page
    await audit.record(actor, "booking.identity_view", target, after=after)


# --- keyed lookups (search by phone or name) ---

_BACKFILLED = "booking_lookup_backfilled"
_NAME_DROP = str.maketrans("", "", " ·•‧・.")


def normalise_name(text: str) -> str:
    """Full-width and spacing differences do not matter; "阿卜杜·热合曼" matches "阿卜杜热合曼"."""
    return unicodedata.normalize("NFKC", text or "").translate(_NAME_DROP).strip().lower()


def normalise_phone(text: str) -> str:
    """11 mainland mobile digits, or "" when the text is not one (+86, spaces and dashes allowed)."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if len(digits) == 11 and digits.startswith("1") else ""


def phone_key(cipher: FieldCipher, phone: str) -> str:
    # Domain-separated from the uniqueness claims, which hash bare ID numbers with the same key.
    return "phone:" + cipher.lookup_hash("lookup-phone:" + phone)


def name_key(cipher: FieldCipher, name: str) -> str:
    return "name:" + cipher.lookup_hash("lookup-name:" + name)


def lookup_keys(cipher: FieldCipher, personal: Mapping[str, Any]) -> list[str]:
    keys: set[str] = set()
    phone = normalise_phone(str(personal.get("phone") or ""))
    if phone:
        keys.add(phone_key(cipher, phone))
    for person in _people(personal):
        name = normalise_name(str(person.get("name") or ""))
        if name:
            keys.add(name_key(cipher, name))
    return sorted(keys)


async def store_lookups(cipher: FieldCipher, booking_id: int, personal: Mapping[str, Any],
                        conn: BaseDBAsyncClient | None = None) -> None:
    """Called with the booking's insert, in its transaction (core.booking.service.insert_booking)."""
    keys = lookup_keys(cipher, personal)
    if keys:
        await BookingLookup.bulk_create([BookingLookup(booking_id=booking_id, key=k) for k in keys],
                                        using_db=conn)


async def backfill_lookups(cipher: FieldCipher, *, batch_size: int = 500) -> int:
    """Bookings made before the lookup table existed get their keys; safe to run again (a booking
    that has any key is skipped). Returns how many bookings were filled. Runs once per database:
    a setting records that it finished, so a restart costs one read, not a scan of every booking."""
    if await Setting.filter(key=_BACKFILLED).exists():
        return 0
    filled, last_id = 0, 0
    while True:
        rows = await Booking.filter(id__gt=last_id).order_by("id").limit(batch_size)
        if not rows:
            await Setting.get_or_create(key=_BACKFILLED, defaults={"value": True})
            return filled
        last_id = rows[-1].id
        have = set(await BookingLookup.filter(booking_id__in=[b.id for b in rows])
                   .values_list("booking_id", flat=True))
        for booking in rows:
            if booking.id in have:
                continue
            personal = decrypt_booking(cipher, booking)
            if personal is not None:
                await store_lookups(cipher, booking.id, personal)
                filled += 1


def export_identity(cipher: FieldCipher, booking: Booking) -> tuple[str, str, str]:
    """(full names, full phone, ID last four) for an admin's unmasked export; the masked copy
    where the stored data cannot be read."""
    personal = decrypt_booking(cipher, booking)
    if personal is None:
        return masked_names(booking.masked), masked_phone(booking.masked), ""
    who = identity_of(personal, booking.masked, True)
    return who.names, str(personal.get("phone") or ""), who.id_last4
