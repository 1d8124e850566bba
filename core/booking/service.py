"""The booking service: book, cancel, reschedule. Each change is one short transaction that writes
first (see ``capacity`` for the locking rule) and raises ``BookingError(code=...)``."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import audit
from core.booking import capacity, codes, identity, rules
from core.booking.application import Application, validate
from core.booking.commands import Book
from core.booking.errors import BookingError
from core.booking.fullness import FullSlots
from core.booking.reads import BookingReads, any_claimed, get_slot, held_booking, load_rules
from core.crypto import FieldCipher, FieldDecryptError
from core.field_binding import BOOKING_PERSONAL, booking_row_key
from core.models import Booking, BookingClaim, IdempotencyKey, Notification, Slot
from core.tz import SHANGHAI

log = logging.getLogger("baoshan.booking.service")
_CODE_ATTEMPTS = 3
# The audit actor of a resident's own change in the mini-program (staff actors are usernames).
RESIDENT = "群众（小程序）"


def slot_day(slot: Slot) -> date:
    return slot.starts_at.astimezone(SHANGHAI).date()


def apply_to(slot: Slot, body: dict[str, Any], now: datetime) -> Application:
    """``body`` validated for ``slot``: its service, its day and its age range (youth events)."""
    return validate(slot.service, body, slot_day(slot), now.astimezone(SHANGHAI).date(),
                    ages=(slot.age_min, slot.age_max))


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
    if application.service == rules.TOMB:
        # One active reservation per person per day, as booker or companion, at any place.
        return [f"tomb:{slot_day(slot).isoformat()}:{h}" for h in hashes]
    if application.service == rules.YOUTH:
        # One sign-up per person per event, whoever's phone sends it, and one per account (a
        # sign-up is the resident's own: the account holder is the person who comes).
        return [f"youth:{slot.id}:{hashes[0]}", f"youth:{slot.id}:u{user_id}"]
    if application.service == rules.SOCIAL_ORG:
        return [f"socialorg:u{user_id}"]  # one active consultation per resident, any slot
    # Eco-burial: at most MAX_ECO_ACTIVE active consultations per user, as numbered claims.
    # cast: Tortoise types every values_list as tuples; flat=True on one field gives its values.
    held = set(cast(list[str], await BookingClaim.filter(key__startswith=f"eco:u{user_id}:")
                    .values_list("key", flat=True)))
    for n in range(1, rules.MAX_ECO_ACTIVE + 1):
        if f"eco:u{user_id}:{n}" not in held:
            return [f"eco:u{user_id}:{n}"]
    raise BookingError("duplicate_booking")


def reminder_due(slot: Slot, now: datetime) -> datetime:
    """10:00 Shanghai time the day before; at once if that moment has passed."""
    day_before = slot_day(slot) - timedelta(days=1)
    due = datetime.combine(day_before, time(10, 0), SHANGHAI)
    return max(due, now)


async def insert_booking(cipher: FieldCipher, slot: Slot, application: Application, user_id: int,
                         claims: list[str], now: datetime) -> tuple[Booking, int]:
    """Takes the place and records the booking; call inside a transaction, after any other writes
    that must come first. Returns the booking and the places left after it. Raises slot_full or
    slot_closed (the caller's transaction then rolls back) or IntegrityError when a claim is
    already held."""
    conn = Booking._meta.db  # the transaction's connection: in_transaction sets it in context
    left = await capacity.take_or_refuse(conn, slot.id, application.party_size, application.sex)
    code = codes.new_code()  # chosen before the insert: the personal data is bound to it
    booking = await Booking.create(
        user_id=user_id, slot_id=slot.id, service=slot.service, status="confirmed",
        code=code, party_size=application.party_size, gender_place=application.sex,
        personal_enc=BOOKING_PERSONAL.encrypt(
            cipher, json.dumps(application.personal, ensure_ascii=False),
            row_key=booking_row_key(code)),
        masked=application.masked)
    # Sorted, so two requests naming the same two people in opposite roles lock the claim keys in
    # the same order (otherwise PostgreSQL would see a deadlock instead of a duplicate).
    await BookingClaim.bulk_create([BookingClaim(key=k, booking_id=booking.id) for k in sorted(claims)])
    # Keyed hashes of phone and names, so the counter can find the booking (core.booking.identity).
    await identity.store_lookups(cipher, booking.id, application.personal)
    await Notification.create(user_id=user_id, booking_id=booking.id, kind="reminder",
                              due_at=reminder_due(slot, now))
    return booking, left


async def _replayed(user_id: int, key: str | None) -> Booking | None:
    if not key:
        return None
    row = await IdempotencyKey.get_or_none(user_id=user_id, key=key).prefetch_related("booking")
    return row.booking if row and row.booking_id else None


async def book(cipher: FieldCipher, cmd: Book, *, now: datetime, full: FullSlots | None = None,
               reads: BookingReads | None = None) -> tuple[Booking, bool]:
    """Books a place; returns (booking, created). The same (user, Idempotency-Key) always returns
    the same booking, also for retries racing each other: the key row is the transaction's first
    write, so a concurrent retry waits on its unique index and then finds the committed booking.
    ``full`` is the worker's memory of full slots (a fresh one remembers nothing); ``reads`` the
    app's batched reads (without them each read runs alone)."""
    existing = await _replayed(cmd.user_id, cmd.key)
    if existing is not None:
        return existing, False
    try:
        return await _book(cipher, cmd, now=now, full=full or FullSlots(), reads=reads)
    except BookingError as exc:
        # A racing retry with the same key may have committed meanwhile (and now holds the claim
        # or the last place): the resident gets that booking, not an error.
        existing = await _replayed(cmd.user_id, cmd.key)
        if existing is not None:
            return existing, False
        if exc.code in ("slot_full", "gender_full", "duplicate_booking"):
            await _refuse_as_held(cmd, reads)
        raise


async def _refuse_as_held(cmd: Book, reads: BookingReads | None) -> None:
    """A retry without Idempotency-Key after a lost response (connection reset after the commit)
    finds the slot full of, among others, its own booking: "slot full" would send the resident
    looking elsewhere while they hold a place. Raises duplicate_booking naming that booking (also
    when the refusal was duplicate_booking already, so the answer is the same either way).
    Only run when refusing, so the rush-day path from memory stays free of it until then."""
    if cmd.slot_id is None:
        return
    held = await held_booking(cmd.user_id, cmd.slot_id, reads)
    if held is not None:
        raise BookingError("duplicate_booking", booking_id=held) from None


async def _book(cipher: FieldCipher, cmd: Book, *, now: datetime, full: FullSlots,
                reads: BookingReads | None) -> tuple[Booking, bool]:
    # Refusals from memory first: on a rush day most attempts arrive after the slot filled.
    # (With an Idempotency-Key, book() looks for a committed booking before believing them.)
    wanted = cmd.wanted()
    if wanted and full.refuses(*wanted):
        raise BookingError("slot_full")
    slot = await get_slot(rules.parse_slot_id(cmd.slot_id), reads)
    # Read before taking a turn, where the attempts arriving together share one read (core.batch):
    # inside it, each booking of a rush waited for a read of its own before the next could start.
    rule = (await load_rules(reads))[slot.service]
    # Attempts on one slot take turns in this worker (see core.booking.fullness): those behind the
    # booking that took the last place are refused from memory, without validation or a transaction.
    async with full.turn(slot.id):
        if wanted and full.refuses(*wanted):
            raise BookingError("slot_full")
        return await _book_slot(cipher, cmd, slot, rule, now=now, full=full, reads=reads)


async def _book_slot(cipher: FieldCipher, cmd: Book, slot: Slot, rule: rules.ServiceRule, *,
                     now: datetime, full: FullSlots, reads: BookingReads | None
                     ) -> tuple[Booking, bool]:
    user_id, key = cmd.user_id, cmd.key
    application = apply_to(slot, cmd.body(), now)
    rules.check_bookable(rule, slot.starts_at, slot.opens_at, now)
    party = application.party_size
    if slot.booked + party > slot.capacity:
        # The read only ever refuses; a place is only ever granted by the conditional UPDATE.
        full.note_left(slot.id, slot.capacity - slot.booked)
        raise BookingError("slot_full")
    for _ in range(_CODE_ATTEMPTS):
        claims = await claim_keys(cipher, application, slot, user_id)
        # A friendly early answer only; the unique claim index is what actually enforces the rule.
        if await any_claimed(claims, reads):
            raise BookingError("duplicate_booking")
        try:
            try:
                async with full.writing(), in_transaction() as conn:
                    idem = await IdempotencyKey.create(user_id=user_id, key=key) if key else None
                    booking, left = await insert_booking(cipher, slot, application, user_id,
                                                         claims, now)
                    if cmd.actor:
                        await audit.record(cmd.actor, "booking.phone", booking.code, after={
                            "slot": slot.id, "party_size": booking.party_size, "channel": "phone"},
                            conn=conn)
                    if idem is not None:
                        await IdempotencyKey.filter(id=idem.id).update(booking_id=booking.id)
            except BookingError as exc:
                if exc.code == "slot_full":
                    full.mark(slot.id, party)
                raise
            full.note_left(slot.id, left)  # committed: the next attempts here can know
            return booking, True
        except IntegrityError:
            existing = await _replayed(user_id, key)
            if existing is not None:
                return existing, False
            if await any_claimed(claims, reads):
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
        men, women = capacity.by_sex(booking.gender_place, booking.party_size)
        await capacity.free(conn, booking.slot_id, booking.party_size, men=men, women=women)
        await BookingClaim.filter(booking_id=booking.id).delete()
        await Notification.filter(booking_id=booking.id, status="pending").update(status="cancelled")
    booking.status, booking.cancelled_at = "cancelled", now
    return booking


def _personal(cipher: FieldCipher, booking: Booking) -> dict[str, Any]:
    """The booking's stored form, or booking_unreadable when it cannot be read (tampered, copied
    from another booking, erased): the resident gets a clear refusal, never a server error."""
    try:
        personal = json.loads(BOOKING_PERSONAL.decrypt(cipher, booking.personal_enc,
                                                       row_key=booking_row_key(booking.code)))
    except (FieldDecryptError, ValueError):
        log.warning("booking personal data unreadable", extra={"booking": booking.id})
        raise BookingError("booking_unreadable") from None
    if not isinstance(personal, dict):
        raise BookingError("booking_unreadable")
    return personal


async def reschedule(cipher: FieldCipher, booking_id: int, new_slot_id: Any, *, user_id: int,
                     now: datetime) -> Booking:
    return (await move(cipher, booking_id, new_slot_id, user_id=user_id, now=now))[0]


async def move(cipher: FieldCipher, booking_id: int, new_slot_id: Any, *, user_id: int,
               now: datetime) -> tuple[Booking, int]:
    """Moves a booking: the new place is taken before the old is freed, in one transaction, so a
    full new slot leaves the old booking exactly as it was. Returns the booking as moved and the
    slot it left (whose freed place the caller offers to the waiting list)."""
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
    personal = _personal(cipher, booking)
    # Re-validated on the new date: legal marriage age is judged on the day of registration
    # (and a youth event's age range on the event's day).
    application = apply_to(new, {**personal, "slot_id": new.id}, now)
    # cast: Tortoise types every values_list as tuples; flat=True on one field gives its values.
    old_claims = list(cast(list[str], await BookingClaim.filter(booking_id=booking.id)
                           .values_list("key", flat=True)))
    # Ceremony, charity and youth claims name the slot, tomb-sweeping ones its day; marriage and
    # eco-burial claims do not move.
    slot_bound = booking.service in (rules.CEREMONY, rules.CHARITY, rules.YOUTH, rules.TOMB)
    new_claims = await claim_keys(cipher, application, new, user_id) if slot_bound else old_claims
    try:
        async with in_transaction() as conn:
            # Lock order for every booking transaction: the booking row, then slots by ascending
            # id, then claims. A fixed order is what keeps PostgreSQL free of deadlocks when two
            # residents swap slots at the same moment.
            moved = await Booking.filter(id=booking.id, status="confirmed", slot_id=old.id).update(
                slot_id=new.id, gender_place=application.sex)
            if not moved:
                raise BookingError("already_cancelled")
            # Take-new and free-old run in one transaction, so "the new place is taken before the
            # old is freed" holds for everyone else: if the new slot is full we raise, the
            # transaction rolls back and the old booking and its place are untouched.
            for slot_id in sorted((old.id, new.id)):
                if slot_id == new.id:
                    await capacity.take_or_refuse(conn, new.id, booking.party_size,
                                                  application.sex)
                else:
                    men, women = capacity.by_sex(booking.gender_place, booking.party_size)
                    await capacity.free(conn, old.id, booking.party_size, men=men, women=women)
            if new_claims != old_claims:
                await BookingClaim.filter(booking_id=booking.id).delete()
                await BookingClaim.bulk_create([BookingClaim(key=k, booking_id=booking.id)
                                                for k in sorted(new_claims)])
            await Notification.filter(booking_id=booking.id, status="pending", kind="reminder") \
                .update(due_at=reminder_due(new, now))
            # The booking's history at the counter (content.counter) shows the move; slot ids only.
            await audit.record(RESIDENT, "booking.reschedule", f"booking:{booking.id}",
                               before={"code": booking.code, "slot": old.id},
                               after={"code": booking.code, "slot": new.id}, conn=conn)
    except IntegrityError:
        raise BookingError("duplicate_booking") from None
    return await get_own(booking.id, user_id), old.id
