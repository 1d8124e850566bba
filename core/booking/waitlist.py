"""Waiting lists: a full slot takes names in order; a freed place goes to the first in line."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.booking import capacity, rules
from core.booking.commands import JoinWaitlist, LeaveWaitlist
from core.booking.errors import BookingError
from core.booking.reads import BookingReads, any_claimed, get_slot, load_rules
from core.booking.service import apply_to, claim_keys, insert_booking
from core.crypto import FieldCipher, FieldDecryptError
from core.field_binding import WAITLIST_PERSONAL, waitlist_row_key
from core.models import Booking, Notification, Slot, WaitlistEntry

log = logging.getLogger("baoshan.booking.waitlist")
_MAX_PROMOTIONS_PER_CALL = 20


async def join(cipher: FieldCipher, cmd: JoinWaitlist, *, now: datetime,
               reads: BookingReads | None = None) -> WaitlistEntry:
    user_id = cmd.user_id
    slot = await get_slot(rules.parse_slot_id(cmd.slot_id), reads)
    rule = (await load_rules(reads))[slot.service]
    application = apply_to(slot, cmd.body(), now)
    rules.check_bookable(rule, slot.starts_at, slot.opens_at, now)
    if _has_room(slot, application.sex, application.party_size):
        raise BookingError("slot_available")  # a place is free: book it instead of waiting
    if await any_claimed(await claim_keys(cipher, application, slot, user_id), reads):
        raise BookingError("duplicate_booking")  # promotion would fail anyway: say so now
    try:
        return await WaitlistEntry.create(
            slot_id=slot.id, user_id=user_id, service=slot.service, party_size=application.party_size,
            personal_enc=WAITLIST_PERSONAL.encrypt(
                cipher, json.dumps(application.personal, ensure_ascii=False),
                row_key=waitlist_row_key(slot.id, user_id)),
            masked=application.masked, active_key=f"{slot.id}:u{user_id}")
    except IntegrityError:
        raise BookingError("already_waiting") from None


def _has_room(slot: Slot, sex: str, places: int) -> bool:
    """Whether a booking of ``places`` by sex ``sex`` would find room now (a read: it only decides
    whether waiting makes sense; the place itself is only ever taken by capacity.take)."""
    if slot.booked + places > slot.capacity:
        return False
    if slot.gender_split and sex:
        held = slot.booked_m if sex == "M" else slot.booked_f
        return held + places <= capacity.half(slot.capacity)
    return True


async def position(entry: WaitlistEntry) -> int:
    if entry.status != "waiting":
        return 0
    slot_id = entry.slot_id
    return await WaitlistEntry.filter(slot_id=slot_id, status="waiting", id__lte=entry.id).count()


async def leave(cmd: LeaveWaitlist) -> None:
    left = await WaitlistEntry.filter(id=cmd.entry_id, user_id=cmd.user_id, status="waiting").update(
        status="left", active_key=None)
    if not left:
        raise BookingError("booking_not_found")


async def _skip(entry: WaitlistEntry, reason: str) -> None:
    await WaitlistEntry.filter(id=entry.id, status="waiting").update(status="skipped", active_key=None)
    log.info("waitlist entry skipped", extra={"entry": entry.id, "reason": reason})


def _personal(cipher: FieldCipher, entry: WaitlistEntry) -> dict[str, Any]:
    """The entry's stored form; an unreadable one (tampered, copied from another entry, erased)
    is skipped like an invalid one, so it never holds up the people behind it."""
    try:
        personal = json.loads(WAITLIST_PERSONAL.decrypt(
            cipher, entry.personal_enc,
            row_key=waitlist_row_key(entry.slot_id, entry.user_id)))
    except (FieldDecryptError, ValueError):
        raise BookingError("booking_unreadable") from None
    if not isinstance(personal, dict):
        raise BookingError("booking_unreadable")
    return personal


async def promote(cipher: FieldCipher, slot_id: int, *, now: datetime) -> list[Booking]:
    """Gives freed places to waiting residents, first come first served, and queues a message to
    each. Safe to run from several workers at once: each entry is claimed by a conditional UPDATE
    that is its transaction's first write, and the place is taken by the usual conditional UPDATE."""
    slot = await get_slot(slot_id)
    promoted: list[Booking] = []
    # On a gender-split slot a freed place may only suit the other gender: those in line whose
    # half is full keep their place in line and the next of the other gender is offered it.
    passed: list[int] = []
    for _ in range(_MAX_PROMOTIONS_PER_CALL):
        entry = await WaitlistEntry.filter(slot_id=slot_id, status="waiting",
                                           id__not_in=passed or [0]).order_by("id").first()
        if entry is None:
            break
        try:
            personal = _personal(cipher, entry)
            application = apply_to(slot, {**personal, "slot_id": slot_id}, now)
            claims = await claim_keys(cipher, application, slot, entry.user_id)
        except BookingError as exc:
            await _skip(entry, exc.code)
            continue
        try:
            async with in_transaction():
                won = await WaitlistEntry.filter(id=entry.id, status="waiting").update(
                    status="promoted", active_key=None)
                if not won:
                    continue  # another worker promoted this entry
                booking, _ = await insert_booking(cipher, slot, application,
                                               entry.user_id, claims, now)
                await WaitlistEntry.filter(id=entry.id).update(booking_id=booking.id)
                await Notification.create(user_id=booking.user_id, booking_id=booking.id,
                                          kind="promoted", due_at=now)
        except BookingError as exc:
            if exc.code == "slot_full":
                break  # the entry stays first in line for the next freed place
            if exc.code == "gender_full":
                passed.append(entry.id)  # still waiting, for a place of their own gender
                continue
            raise
        except IntegrityError:
            await _skip(entry, "duplicate_booking")  # they hold a conflicting booking by now
            continue
        promoted.append(booking)
    return promoted
