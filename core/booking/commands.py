"""What a face asks the booking service to do, as typed, frozen commands (pydantic).

A face parses its request into one of these (the mini-program from JSON, the console from a form)
and hands it to ``core.booking.usecases.Bookings``; nothing below a command sees an HTTP body.
Parsing here is structural only: the per-service rules (names, ID numbers, legal age) depend on the
slot's service and day, so ``core.booking.application.validate`` checks the form inside the service,
where it can name the field at fault. A slot id that is missing or not a row id becomes ``None``,
and the service refuses it (invalid_input, field slot_id) only after an Idempotency-Key replay had
its chance, as before.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from core import sql
from core.booking import fullness


class Command(BaseModel):
    # strict: a command is built from values already parsed, so "5" never silently becomes 5.
    model_config = ConfigDict(frozen=True, strict=True)


def row_id(value: object) -> int | None:
    return value if sql.valid_row_id(value) else None


class Apply(Command):
    """A resident's form for a slot: booking it or waiting for it."""

    user_id: int
    slot_id: int | None
    form: dict[str, Any]  # the per-service fields (party_a/party_b/phone, name, burial_type, …)

    @classmethod
    def from_body(cls, body: object, *, user_id: int, **more: Any) -> Any:
        form = body if isinstance(body, dict) else {}
        return cls(user_id=user_id, slot_id=row_id(form.get("slot_id")), form=form, **more)

    def body(self) -> dict[str, Any]:
        """The form with the slot id, as ``application.validate`` reads it."""
        return {**self.form, "slot_id": self.slot_id}

    def wanted(self) -> tuple[int, int] | None:
        """(slot id, places) for the full-slot memory, before any validation (rush days)."""
        return fullness.peek(self.body())


class Book(Apply):
    key: str | None = None  # Idempotency-Key: the same (user, key) always gets the same booking
    # Set when staff book on a resident's behalf (the tomb-sweeping phone line): the booking is
    # then audited as theirs, in its own transaction.
    actor: str = ""


class JoinWaitlist(Apply):
    pass


class Cancel(Command):
    user_id: int
    booking_id: int


class Reschedule(Command):
    user_id: int
    booking_id: int
    slot_id: int | None  # None: missing or invalid (refused after the booking is found)

    @classmethod
    def from_body(cls, body: object, *, user_id: int, booking_id: int) -> Reschedule:
        raw = body.get("slot_id") if isinstance(body, dict) else None
        return cls(user_id=user_id, booking_id=booking_id, slot_id=row_id(raw))


class LeaveWaitlist(Command):
    user_id: int
    entry_id: int


# --- staff (console); ``actor`` is the staff username the audit row names ---

class ChangeCapacity(Command):
    actor: str
    slot_id: int
    capacity: int


class CloseSlot(Command):
    actor: str
    slot_id: int
    reason: str


class CheckIn(Command):
    actor: str
    text: str  # a scanned QR payload or a typed booking code


class MarkNoShow(Command):
    actor: str
    booking_id: int


class UndoNoShow(Command):
    actor: str
    booking_id: int


# --- counter ---

class StaffCancel(Command):
    actor: str
    booking_id: int
    reason: str


class MarkAllNoShow(Command):
    actor: str
    slot_id: int
# --- slots (staff editing and bulk actions on selected slots) ---

class EditSlot(Command):
    actor: str
    slot_id: int
    title: str
    theme: str
    place: str
    starts_at: datetime
    ends_at: datetime


class CloseSlots(Command):
    actor: str
    slot_ids: tuple[int, ...]
    reason: str


class ChangeCapacities(Command):
    actor: str
    slot_ids: tuple[int, ...]
    capacity: int
