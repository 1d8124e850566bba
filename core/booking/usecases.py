"""The booking use cases, one method each, called alike by the mini-program and the console.

A face parses its request into a command (``core.booking.commands``), calls one method here and
renders what comes back; every refusal is a ``BookingError`` its presenter shows. Each method runs
the module that owns its transaction and SQL (``service``, ``waitlist``, ``staff``, ``checkin``)
and then finishes the domain work every caller needs, so no face can forget it:

- a place freed here (cancel, reschedule away, a larger capacity) is forgotten by the worker's
  full-slot memory and offered to the waiting list (one path: ``_offer``);
- staff actions write their audit row inside their own transaction (``actor`` of the command).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sanic import Request

from core.booking import checkin, many, service, slot_edit, staff
from core.booking import waitlist as waitlists
from core.booking.commands import (
    Book,
    Cancel,
    ChangeCapacities,
    ChangeCapacity,
    CheckIn,
    CloseSlot,
    CloseSlots,
    EditSlot,
    JoinWaitlist,
    LeaveWaitlist,
    MarkAllNoShow,
    MarkNoShow,
    Reschedule,
    StaffCancel,
    UndoNoShow,
)
from core.booking.errors import BookingError
from core.booking.fullness import FullSlots
from core.booking.reads import BookingReads
from core.context import app_context
from core.crypto import FieldCipher
from core.models import Booking, Slot, WaitlistEntry
from core.request_ctx import now


@dataclass(frozen=True)
class Bookings:
    cipher: FieldCipher
    full: FullSlots  # this worker's memory of full slots (core.booking.fullness)
    clock: Callable[[], datetime]
    # The app's batched reads (core.booking.reads): a rush's attempts share each read. None
    # outside a server (CLI, scripts): each read runs alone.
    reads: BookingReads | None = None

    # --- residents (mini-program) ---

    async def book(self, cmd: Book) -> tuple[Booking, bool]:
        """(booking, created): a replayed Idempotency-Key returns the first booking, not created."""
        return await service.book(self.cipher, cmd, now=self.clock(), full=self.full,
                                  reads=self.reads)

    async def get(self, user_id: int, booking_id: int) -> Booking:
        return await service.get_own(booking_id, user_id)

    async def cancel(self, cmd: Cancel) -> Booking:
        booking = await service.cancel(cmd.booking_id, user_id=cmd.user_id, now=self.clock())
        await self._offer(booking.slot_id)
        return booking

    async def reschedule(self, cmd: Reschedule) -> Booking:
        booking, left = await service.move(self.cipher, cmd.booking_id, cmd.slot_id,
                                           user_id=cmd.user_id, now=self.clock())
        await self._offer(left)
        return booking

    async def join_waitlist(self, cmd: JoinWaitlist) -> WaitlistEntry:
        return await waitlists.join(self.cipher, cmd, now=self.clock(), reads=self.reads)

    async def leave_waitlist(self, cmd: LeaveWaitlist) -> None:
        await waitlists.leave(cmd)

    # --- staff (console) ---

    async def change_capacity(self, cmd: ChangeCapacity) -> staff.CapacityChange:
        change = await staff.change_capacity(cmd.slot_id, cmd.capacity, actor=cmd.actor)
        if change.after > change.before:
            return replace(change, promoted=await self._offer(cmd.slot_id))
        self.full.forget(cmd.slot_id)  # fewer places: nothing to offer, nothing remembered
        return change

    async def close_slot(self, cmd: CloseSlot) -> staff.Closure:
        return await staff.close_slot(cmd.slot_id, cmd.reason, now=self.clock(), actor=cmd.actor)

    async def edit_slot(self, cmd: EditSlot) -> Slot:
        edit = slot_edit.SlotEdit(cmd.title, cmd.theme, cmd.place, cmd.starts_at, cmd.ends_at)
        return await slot_edit.edit_slot(cmd.slot_id, edit, now=self.clock(), actor=cmd.actor)

    async def close_slots(self, cmd: CloseSlots) -> tuple[int, int]:
        """(slots closed, bookings closed); each slot as ``close_slot`` closes one, audited."""
        closed = residents = 0
        for slot in (await many.impact(cmd.slot_ids, cmd.reason)).slots:
            try:
                done = await self.close_slot(CloseSlot(actor=cmd.actor, slot_id=slot.id,
                                                       reason=cmd.reason))
            except BookingError as exc:
                if exc.code != "slot_closed":  # closed meanwhile by someone else: nothing to do
                    raise
                continue
            closed, residents = closed + 1, residents + done.bookings
        return closed, residents

    async def change_capacities(self, cmd: ChangeCapacities) -> tuple[int, int]:
        """(slots changed, residents promoted from the waiting lists), each slot audited."""
        changed = promoted = 0
        for slot in await many.check_capacities(cmd.slot_ids, cmd.capacity):
            if slot.capacity == cmd.capacity:
                continue
            done = await self.change_capacity(ChangeCapacity(actor=cmd.actor, slot_id=slot.id,
                                                             capacity=cmd.capacity))
            changed, promoted = changed + 1, promoted + done.promoted
        return changed, promoted

    async def check_in(self, cmd: CheckIn) -> Booking:
        return await checkin.check_in_any(self.cipher, cmd.text, now=self.clock(), actor=cmd.actor)

    async def mark_no_show(self, cmd: MarkNoShow) -> Booking:
        return await staff.mark_no_show(cmd.booking_id, now=self.clock(), actor=cmd.actor)

    async def undo_no_show(self, cmd: UndoNoShow) -> Booking:
        return await staff.undo_no_show(cmd.booking_id, actor=cmd.actor)

    # --- counter ---

    async def staff_cancel(self, cmd: StaffCancel) -> Booking:
        booking = await staff.staff_cancel(cmd.booking_id, cmd.reason, now=self.clock(),
                                           actor=cmd.actor)
        await self._offer(booking.slot_id)
        return booking

    async def mark_all_no_show(self, cmd: MarkAllNoShow) -> int:
        return await staff.mark_all_no_show(cmd.slot_id, now=self.clock(), actor=cmd.actor)

    # --- the one promotion path ---

    async def _offer(self, slot_id: int) -> int:
        """Places came free on the slot: this worker forgets it was full (they are offered here at
        once) and the waiting list gets them first. Returns how many were promoted. A slot closed
        meanwhile has nobody waiting, and the caller's own change has succeeded already, so that
        is nobody's error."""
        self.full.forget(slot_id)
        try:
            return len(await waitlists.promote(self.cipher, slot_id, now=self.clock()))
        except BookingError as exc:
            if exc.code != "slot_closed":
                raise
            return 0


def bookings(request: Request) -> Bookings:
    """The use cases as a request of this worker sees them (its clock, cipher and memory)."""
    ctx = app_context(request)
    return Bookings(ctx.cipher, ctx.full_slots, lambda: now(request), ctx.booking_reads)
