"""The booking service: book, cancel, reschedule. Each change is one short transaction that writes
first (see ``capacity`` for the locking rule) and raises ``BookingError(code=...)``."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import sql
from core.booking import capacity, codes, rules
from core.booking.application import Application, validate
from core.booking.errors import BookingError
from core.crypto import FieldCipher
from core.models import Booking, BookingClaim, IdempotencyKey, Notification, Slot

RULES_SETTING = "booking_rules"
_CODE_ATTEMPTS = 3


async def load_rules() -> dict[str, rules.ServiceRule]:
    """Defaults merged with staff overrides kept in the ``booking_rules`` setting."""
    # On every booking attempt, so hand-written (see core.sql); the JSON comes back as text.
    rows = await sql.fetch("SELECT value FROM setting WHERE key = ?", [RULES_SETTING])
    value = rows[0]["value"] if rows else None
    return rules.merge_rules(json.loads(value) if isinstance(value, str | bytes) else value)


async def get_slot(slot_id: int) -> Slot:
    """The slot to book, wait for or move to; one staff have closed is refused (slot_closed)."""
    # Read on every booking attempt, so hand-written (see core.sql); the row still comes back as
    # a Slot with its fields converted by the ORM.
    rows = await sql.fetch("SELECT * FROM booking_slot WHERE id = ?", [slot_id])
    if not rows:
        raise BookingError("slot_not_found", field="slot_id")
    slot = Slot._init_from_db(**rows[0])
    if slot.closed_at is not None:
        raise BookingError("slot_closed", field="slot_id")
    return slot


async def refuse_if_closed(slot_id: int) -> None:
    """Run after taking a place, inside the same transaction. The read above (get_slot) may predate
    a closure; this one comes after our conditional UPDATE, which waited for any closing
    transaction holding the slot row, so it sees the closure and our transaction rolls back."""
    if await Slot.filter(id=slot_id, closed_at__isnull=False).exists():
        raise BookingError("slot_closed")


def slot_day(slot: Slot) -> Any:
    return slot.starts_at.astimezone(rules.SHANGHAI).date()


async def claim_keys(cipher: FieldCipher, application: Application, slot: Slot,
                     user_id: int) -> list[str]:
    """The uniqueness rules this booking holds while active, as unique claim keys."""
    hashes = [cipher.lookup_hash(n) for n in application.id_numbers]
    if application.service == rules.MARRIAGE:
        return [f"marriage:{h}" for h in hashes]  # one active registration per person, any slot
    if application.service == rules.CEREMONY:
        return [f"ceremony:{slot.id}:{h}" for h in hashes]  # one place per couple per ceremony
    if application.service == rules.CHARITY:
        return [f"charity:{slot.id}:u{user_id}"]
    # Eco-burial: at most MAX_ECO_ACTIVE active consultations per user, as numbered claims.
    held = set(await BookingClaim.filter(key__startswith=f"eco:u{user_id}:")
               .values_list("key", flat=True))
    for n in range(1, rules.MAX_ECO_ACTIVE + 1):
        if f"eco:u{user_id}:{n}" not in held:
            return [f"eco:u{user_id}:{n}"]
    raise BookingError("duplicate_booking")


def reminder_due(slot: Slot, now: datetime) -> datetime:
    """10:00 Shanghai time the day before; at once if that moment has passed."""
    day_before = slot_day(slot) - timedelta(days=1)
    due = datetime.combine(day_before, time(10, 0), rules.SHANGHAI)
    return max(due, now)


async def insert_booking(cipher: FieldCipher, slot: Slot, application: Application, user_id: int,
                         claims: list[str], now: datetime) -> Booking:
    """Takes the place and records the booking; call inside a transaction, after any other writes
    that must come first. Raises slot_full (the caller's transaction then rolls back) or
    IntegrityError when a claim is already held."""
    conn = Booking._meta.db  # the transaction's connection: in_transaction sets it in context
    if not await capacity.take(conn, slot.id, application.party_size):
        raise BookingError("slot_full")
    await refuse_if_closed(slot.id)
    booking = await Booking.create(
        user_id=user_id, slot_id=slot.id, service=slot.service, status="confirmed",
        code=codes.new_code(), party_size=application.party_size,
        personal_enc=cipher.encrypt(json.dumps(application.personal, ensure_ascii=False)),
        masked=application.masked)
    # Sorted, so two requests naming the same two people in opposite roles lock the claim keys in
    # the same order (otherwise PostgreSQL would see a deadlock instead of a duplicate).
    await BookingClaim.bulk_create([BookingClaim(key=k, booking_id=booking.id) for k in sorted(claims)])
    await Notification.create(user_id=user_id, booking_id=booking.id, kind="reminder",
                              due_at=reminder_due(slot, now))
    return booking


async def _replayed(user_id: int, key: str | None) -> Booking | None:
    if not key:
        return None
    row = await IdempotencyKey.get_or_none(user_id=user_id, key=key).prefetch_related("booking")
    return row.booking if row and row.booking_id else None


async def book(cipher: FieldCipher, body: Any, *, user_id: int, key: str | None,
               now: datetime) -> tuple[Booking, bool]:
    """Books a place; returns (booking, created). The same (user, Idempotency-Key) always returns
    the same booking, also for retries racing each other: the key row is the transaction's first
    write, so a concurrent retry waits on its unique index and then finds the committed booking."""
    existing = await _replayed(user_id, key)
    if existing is not None:
        return existing, False
    try:
        return await _book(cipher, body, user_id=user_id, key=key, now=now)
    except BookingError:
        # A racing retry with the same key may have committed meanwhile (and now holds the claim
        # or the last place): the resident gets that booking, not an error.
        existing = await _replayed(user_id, key)
        if existing is not None:
            return existing, False
        raise


async def _book(cipher: FieldCipher, body: Any, *, user_id: int, key: str | None,
                now: datetime) -> tuple[Booking, bool]:
    slot = await get_slot(rules.parse_slot_id(body.get("slot_id") if isinstance(body, dict) else None))
    rule = (await load_rules())[slot.service]
    application = validate(slot.service, body, slot_day(slot), now.astimezone(rules.SHANGHAI).date())
    rules.check_bookable(rule, slot.starts_at, slot.opens_at, now)
    if slot.booked + application.party_size > slot.capacity:
        # Fast refusal on a rush day: most requests arrive after the slot has filled, and answering
        # them from the read we already made keeps them out of the write queue. This read only ever
        # refuses; a place is only ever granted by the conditional UPDATE in insert_booking.
        raise BookingError("slot_full")
    for _ in range(_CODE_ATTEMPTS):
        claims = await claim_keys(cipher, application, slot, user_id)
        # A friendly early answer only; the unique claim index is what actually enforces the rule.
        if await BookingClaim.filter(key__in=claims).exists():
            raise BookingError("duplicate_booking")
        try:
            async with in_transaction():
                idem = await IdempotencyKey.create(user_id=user_id, key=key) if key else None
                booking = await insert_booking(cipher, slot, application, user_id, claims, now)
                if idem is not None:
                    await IdempotencyKey.filter(id=idem.id).update(booking_id=booking.id)
            return booking, True
        except IntegrityError:
            existing = await _replayed(user_id, key)
            if existing is not None:
                return existing, False
            if await BookingClaim.filter(key__in=claims).exists():
                raise BookingError("duplicate_booking") from None
            # Otherwise a booking-code collision or a claim freed meanwhile: try again.
    raise BookingError("duplicate_booking")


async def get_own(booking_id: int, user_id: int) -> Booking:
    booking = await Booking.get_or_none(id=booking_id, user_id=user_id).prefetch_related("slot")
    if booking is None:
        raise BookingError("booking_not_found")
    return booking


async def cancel(booking_id: int, *, user_id: int, now: datetime) -> Booking:
    booking = await get_own(booking_id, user_id)
    if booking.status == "closed":
        raise BookingError("slot_closed")
    if booking.status != "confirmed":
        raise BookingError("already_cancelled")
    rule = (await load_rules())[booking.service]
    rules.check_cancellable(rule, booking.slot.starts_at, now)
    async with in_transaction() as conn:
        # Write first: the status flip decides which of two concurrent cancels frees the place.
        flipped = await Booking.filter(id=booking.id, status="confirmed").update(
            status="cancelled", cancelled_at=now)
        if not flipped:
            raise BookingError("already_cancelled")
        await capacity.free(conn, booking.slot_id, booking.party_size)
        await BookingClaim.filter(booking_id=booking.id).delete()
        await Notification.filter(booking_id=booking.id, status="pending").update(status="cancelled")
    booking.status, booking.cancelled_at = "cancelled", now
    return booking


async def reschedule(cipher: FieldCipher, booking_id: int, new_slot_id: Any, *, user_id: int,
                     now: datetime) -> Booking:
    """Moves a booking: the new place is taken before the old is freed, in one transaction, so a
    full new slot leaves the old booking exactly as it was."""
    booking = await get_own(booking_id, user_id)
    if booking.status == "closed":
        raise BookingError("slot_closed")
    if booking.status != "confirmed":
        raise BookingError("already_cancelled")
    old = booking.slot
    new = await get_slot(rules.parse_slot_id(new_slot_id))
    if new.service != booking.service:
        raise BookingError("invalid_input", field="slot_id", detail="只能改约到同一项服务的时段")
    if new.id == old.id:
        raise BookingError("invalid_input", field="slot_id", detail="新时段与原时段相同")
    rule = (await load_rules())[booking.service]
    rules.check_cancellable(rule, old.starts_at, now)
    rules.check_bookable(rule, new.starts_at, new.opens_at, now)
    personal = json.loads(cipher.decrypt(booking.personal_enc))
    # Re-validated on the new date: legal marriage age is judged on the day of registration.
    application = validate(booking.service, {**personal, "slot_id": new.id}, slot_day(new),
                           now.astimezone(rules.SHANGHAI).date())
    old_claims = list(await BookingClaim.filter(booking_id=booking.id).values_list("key", flat=True))
    # Ceremony and charity claims name the slot; marriage and eco-burial claims do not move.
    slot_bound = booking.service in (rules.CEREMONY, rules.CHARITY)
    new_claims = await claim_keys(cipher, application, new, user_id) if slot_bound else old_claims
    try:
        async with in_transaction() as conn:
            # Lock order for every booking transaction: the booking row, then slots by ascending
            # id, then claims. A fixed order is what keeps PostgreSQL free of deadlocks when two
            # residents swap slots at the same moment.
            moved = await Booking.filter(id=booking.id, status="confirmed", slot_id=old.id).update(
                slot_id=new.id)
            if not moved:
                raise BookingError("already_cancelled")
            # Take-new and free-old run in one transaction, so "the new place is taken before the
            # old is freed" holds for everyone else: if the new slot is full we raise, the
            # transaction rolls back and the old booking and its place are untouched.
            for slot_id in sorted((old.id, new.id)):
                if slot_id == new.id:
                    if not await capacity.take(conn, new.id, booking.party_size):
                        raise BookingError("slot_full")
                    await refuse_if_closed(new.id)
                else:
                    await capacity.free(conn, old.id, booking.party_size)
            if new_claims != old_claims:
                await BookingClaim.filter(booking_id=booking.id).delete()
                await BookingClaim.bulk_create([BookingClaim(key=k, booking_id=booking.id)
                                                for k in sorted(new_claims)])
            await Notification.filter(booking_id=booking.id, status="pending", kind="reminder") \
                .update(due_at=reminder_due(new, now))
    except IntegrityError:
        raise BookingError("duplicate_booking") from None
    return await get_own(booking.id, user_id)
