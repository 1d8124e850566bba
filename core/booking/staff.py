"""Staff actions on slots and bookings: capacity changes, closing, no-shows (bulk opening is in
``core.booking.bulk``).

Plain Python with the clock passed in; the console only translates forms. Every write follows the
locking rule in ``core.booking.capacity``: the statement that decides an action is a conditional
UPDATE, so a booking racing a capacity cut or a closure can neither overbook nor land in a closed
slot. Given the staff ``actor``, each action writes its audit row (``core.audit``) inside its own
transaction, so the audit row exists exactly when the change does. Offering new or freed places to
the waiting list is ``core.booking.usecases``'s, after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core import audit
from core.booking import capacity
from core.booking.bulk import check_capacity, invalid
from core.booking.errors import BookingError
from core.models import Booking, BookingClaim, Notification, Slot, WaitlistEntry


async def _slot_or_error(slot_id: int) -> Slot:
    slot = await Slot.get_or_none(id=slot_id)
    if slot is None:
        raise BookingError("slot_not_found")
    return slot


@dataclass(frozen=True)
class CapacityChange:
    before: int
    after: int
    booked: int
    promoted: int = 0  # filled in by the use case, which offers new places to the waiting list


async def change_capacity(slot_id: int, new_capacity: int, *,
                          actor: str | None = None) -> CapacityChange:
    """Sets the capacity, never below the places booked at the moment of the write."""
    check_capacity(new_capacity)
    slot = await _slot_or_error(slot_id)
    async with in_transaction() as conn:
        # The condition is evaluated under the row lock (PostgreSQL re-checks it after waiting for a
        # concurrent booking), so booked <= capacity holds whichever commits first.
        # A gender-split slot keeps each gender within its half of the new capacity too.
        half = capacity.half(new_capacity)
        balanced = Q(gender_split=False) | Q(booked_m__lte=half, booked_f__lte=half)
        changed = await Slot.filter(balanced, id=slot_id, closed_at__isnull=True,
                                    booked__lte=new_capacity).update(capacity=new_capacity)
        fresh = await _slot_or_error(slot_id)
        if not changed:
            if fresh.closed_at is not None:
                raise BookingError("slot_closed")
            if fresh.booked <= new_capacity:
                raise BookingError("capacity_below_gender", men=fresh.booked_m,
                                   women=fresh.booked_f)
            raise BookingError("capacity_below_booked", booked=fresh.booked)
        if actor is not None:
            await audit.record(actor, "slot.capacity", f"slot:{slot_id}",
                               before={"capacity": slot.capacity, "booked": slot.booked},
                               after={"capacity": new_capacity, "booked": fresh.booked}, conn=conn)
    return CapacityChange(slot.capacity, new_capacity, fresh.booked)


@dataclass(frozen=True)
class Closure:
    bookings: int
    places: int
    waitlist: int
    notices: int


def check_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not 1 <= len(text) <= 200:
        raise invalid("reason", "请填写关闭原因（不超过200字），它会显示给受影响的群众")
    return text


async def close_slot(slot_id: int, reason: str, *, now: datetime,
                     actor: str | None = None) -> Closure:
    """Stops bookings, turns the slot's confirmed bookings into "closed" (freeing their places and
    uniqueness claims so residents can book elsewhere), cancels their reminders, skips the waiting
    list and records a notice per affected booking."""
    reason = check_reason(reason)
    async with in_transaction() as conn:
        # Booking rows before the slot row: the lock order of cancel and reschedule, which would
        # otherwise deadlock against a closure on PostgreSQL.
        await Booking.filter(slot_id=slot_id, status="confirmed").update(status="closed")
        if not await Slot.filter(id=slot_id, closed_at__isnull=True).update(
                closed_at=now, closed_reason=reason):
            await _slot_or_error(slot_id)
            raise BookingError("slot_closed")
        # Bookings committed between the two statements (they held the slot row, not ours); later
        # ones find closed_at in the capacity UPDATE and are refused (capacity.take).
        await Booking.filter(slot_id=slot_id, status="confirmed").update(status="closed")
        rows = await Booking.filter(slot_id=slot_id, status="closed").values(
            "id", "user_id", "party_size", "gender_place")
        ids = [row["id"] for row in rows]
        places = sum(row["party_size"] for row in rows)
        if places:
            # The gender counts go back with the places (youth events count both).
            men = sum(capacity.by_sex(row["gender_place"], row["party_size"])[0] for row in rows)
            women = sum(capacity.by_sex(row["gender_place"], row["party_size"])[1] for row in rows)
            await capacity.free(conn, slot_id, places, men=men, women=women)
        if ids:
            await BookingClaim.filter(booking_id__in=ids).delete()
            await Notification.filter(booking_id__in=ids, status="pending").update(status="cancelled")
            # Told through the outbox at once (where the resident gave a subscribe-message
            # consent); the mini-program also shows the closure and its reason on the booking.
            await Notification.bulk_create([
                Notification(user_id=row["user_id"], booking_id=row["id"], kind="slot_closed",
                             due_at=now, status="pending", detail=reason) for row in rows])
        skipped = await WaitlistEntry.filter(slot_id=slot_id, status="waiting").update(
            status="skipped", active_key=None)
        result = Closure(len(ids), places, skipped, len(ids))
        if actor is not None:
            await audit.record(actor, "slot.close", f"slot:{slot_id}",
                               before={"closed": False, "confirmed_bookings": len(ids)},
                               after={"closed": True, "reason": reason, "closed_bookings": len(ids),
                                      "places_freed": places, "waitlist_skipped": skipped},
                               conn=conn)
    return result


async def _booking_or_error(booking_id: int) -> Booking:
    booking = await Booking.get_or_none(id=booking_id).prefetch_related("slot")
    if booking is None:
        raise BookingError("booking_not_found")
    return booking


async def mark_no_show(booking_id: int, *, now: datetime, actor: str | None = None) -> Booking:
    """Only a confirmed booking, not checked in, whose slot has started."""
    booking = await _booking_or_error(booking_id)
    if booking.status != "confirmed":
        raise BookingError("no_show_not_confirmed")
    if booking.checked_in_at is not None:
        raise BookingError("no_show_checked_in")
    if now < booking.slot.starts_at:
        raise BookingError("no_show_not_started")
    async with in_transaction() as conn:
        # Conditional, so a check-in at the counter at the same moment wins over the mark.
        marked = await Booking.filter(id=booking_id, status="confirmed", checked_in_at__isnull=True,
                                      no_show_at__isnull=True).update(no_show_at=now)
        if marked and actor is not None:
            await audit.record(actor, "booking.no_show", f"booking:{booking_id}",
                               before={"code": booking.code, "no_show": False},
                               after={"code": booking.code, "no_show": True,
                                      "no_show_at": now.isoformat()}, conn=conn)
    if not marked:
        fresh = await _booking_or_error(booking_id)
        if fresh.checked_in_at is not None:
            raise BookingError("no_show_checked_in")
        if fresh.no_show_at is not None:
            raise BookingError("no_show_already")
        raise BookingError("no_show_not_confirmed")
    booking.no_show_at = now
    return booking


async def undo_no_show(booking_id: int, *, actor: str | None = None) -> Booking:
    booking = await _booking_or_error(booking_id)
    async with in_transaction() as conn:
        if not await Booking.filter(id=booking_id, no_show_at__isnull=False).update(no_show_at=None):
            raise BookingError("no_show_not_marked")
        if actor is not None:
            await audit.record(actor, "booking.no_show_undo", f"booking:{booking_id}",
                               before={"code": booking.code, "no_show": True},
                               after={"code": booking.code, "no_show": False}, conn=conn)
    booking.no_show_at = None
    return booking


# --- the counter (issue #14): everyone absent after a slot ended, and staff cancellations ---

async def absent(slot_id: int) -> list[int]:
    """Ids of the slot's confirmed bookings neither checked in nor marked absent yet."""
    # cast: Tortoise types every values_list as tuples; flat=True on one field gives its values.
    return list(cast(list[int], await Booking.filter(
        slot_id=slot_id, status="confirmed", checked_in_at__isnull=True,
        no_show_at__isnull=True).order_by("id").values_list("id", flat=True)))


async def mark_all_no_show(slot_id: int, *, now: datetime, actor: str | None = None) -> int:
    """Marks every booking of the slot not checked in as a no-show; only once the slot has ended
    (before then a late arrival is still an arrival). Returns how many were marked."""
    slot = await _slot_or_error(slot_id)
    if now < slot.ends_at:
        raise BookingError("no_show_not_ended")
    async with in_transaction() as conn:
        ids = await absent(slot_id)
        # Conditional like the single mark: a check-in racing this keeps its arrival.
        marked = await Booking.filter(id__in=ids, status="confirmed", checked_in_at__isnull=True,
                                      no_show_at__isnull=True).update(no_show_at=now) if ids else 0
        if marked and actor is not None:
            await audit.record(actor, "booking.no_show_all", f"slot:{slot_id}",
                               before={"no_show": 0},
                               after={"no_show": marked, "bookings": ids,
                                      "no_show_at": now.isoformat()}, conn=conn)
    return marked


def check_cancel_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not 1 <= len(text) <= 100:
        raise invalid("reason", "请填写取消原因（不超过100字），它会通知预约的群众")
    return text


async def staff_cancel(booking_id: int, reason: str, *, now: datetime,
                       actor: str | None = None) -> Booking:
    """Cancels a resident's booking on their behalf (they phoned, the papers are incomplete…):
    frees the place and the uniqueness claims, drops the pending reminder and queues a notice with
    the reason through the subscribe-message outbox; the mini-program shows the reason too."""
    reason = check_cancel_reason(reason)
    booking = await _booking_or_error(booking_id)
    if booking.status == "closed":
        raise BookingError("slot_closed")
    if booking.status != "confirmed":
        raise BookingError("already_cancelled")
    if booking.checked_in_at is not None:
        raise BookingError("cancel_checked_in")
    async with in_transaction() as conn:
        # Booking row first, then the slot: the lock order of every booking transaction.
        flipped = await Booking.filter(id=booking_id, status="confirmed",
                                       checked_in_at__isnull=True).update(
            status="cancelled", cancelled_at=now, cancel_reason=reason)
        if not flipped:
            raise BookingError("already_cancelled")
        await capacity.free(conn, booking.slot_id, booking.party_size)
        await BookingClaim.filter(booking_id=booking_id).delete()
        await Notification.filter(booking_id=booking_id, status="pending").update(status="cancelled")
        await Notification.create(user_id=booking.user_id, booking_id=booking_id,
                                  kind="staff_cancel", due_at=now, detail=reason, using_db=conn)
        if actor is not None:
            await audit.record(actor, "booking.staff_cancel", f"booking:{booking_id}",
                               before={"code": booking.code, "status": "confirmed"},
                               after={"code": booking.code, "status": "cancelled",
                                      "reason": reason}, conn=conn)
    booking.status, booking.cancelled_at, booking.cancel_reason = "cancelled", now, reason
    return booking
