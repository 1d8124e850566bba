"""Which row each encrypted column is bound to, and the one-off upgrade of unbound values.

The code that writes a value, the code that reads it and the upgrade that rewrites old values must
name the same table, column and row key, so they all take them from here. A row key must be known
before the insert and never change while the row exists:

- ``booking.personal_enc``: the booking code (unique, chosen before the insert, never changed;
  the slot is not used because a reschedule changes it).
- ``booking_waitlist.personal_enc``: slot and user (an entry never moves; ``active_key`` is
  cleared when the entry ends, so it cannot serve).
- ``miniapp_session.session_key_enc``: the token hash (unique, set at login, never changed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from core.crypto import FieldCipher, FieldDecryptError
from core.models import Booking, MiniappSession, WaitlistEntry

log = logging.getLogger("baoshan.crypto.rebind")


@dataclass(frozen=True)
class BoundField:
    table: str  # spelled out, not read from the model: renaming a table must not orphan its data
    column: str

    def encrypt(self, cipher: FieldCipher, plaintext: str, *, row_key: str) -> str:
        return cipher.encrypt(plaintext, table=self.table, column=self.column, row_key=row_key)

    def decrypt(self, cipher: FieldCipher, token: str | None, *, row_key: str) -> str:
        """Raises FieldDecryptError when the value is unreadable (see core.crypto)."""
        return cipher.decrypt(token, table=self.table, column=self.column, row_key=row_key)


BOOKING_PERSONAL = BoundField("booking", "personal_enc")
WAITLIST_PERSONAL = BoundField("booking_waitlist", "personal_enc")
SESSION_KEY = BoundField("miniapp_session", "session_key_enc")


def booking_row_key(code: str) -> str:
    return f"code:{code}"


def waitlist_row_key(slot_id: int, user_id: int) -> str:
    return f"slot:{slot_id}:user:{user_id}"


def session_row_key(token_hash: str) -> str:
    return f"token:{token_hash}"


@dataclass(frozen=True)
class _Stored:
    model: type[Model]
    field: BoundField
    key_columns: tuple[str, ...]
    row_key: Callable[[Mapping[str, Any]], str]


_STORED = (
    _Stored(Booking, BOOKING_PERSONAL, ("code",), lambda r: booking_row_key(r["code"])),
    _Stored(WaitlistEntry, WAITLIST_PERSONAL, ("slot_id", "user_id"),
            lambda r: waitlist_row_key(r["slot_id"], r["user_id"])),
    _Stored(MiniappSession, SESSION_KEY, ("token_hash",), lambda r: session_row_key(r["token_hash"])),
)


async def _rebind_batch(cipher: FieldCipher, stored: _Stored, rows: list[dict[str, Any]]) -> tuple[int, int]:
    column = stored.field.column
    rewritten = unreadable = 0
    async with in_transaction():  # one commit per batch, not per row (SQLite fsyncs each commit)
        for row in rows:
            old = row[column]
            if not FieldCipher.is_legacy(old):
                continue  # SQLite's LIKE ignores case: "V1." also matched
            row_key = stored.row_key(row)
            try:
                plaintext = stored.field.decrypt(cipher, old, row_key=row_key)
            except FieldDecryptError:
                unreadable += 1  # left as it is: reads of it already fail safely
                continue
            new = stored.field.encrypt(cipher, plaintext, row_key=row_key)
            # Conditional on the old value, so a concurrent change (an erasure, say) wins.
            rewritten += await stored.model.filter(id=row["id"], **{column: old}).update(
                **{column: new})
    return rewritten, unreadable


async def rebind_legacy_fields(cipher: FieldCipher, *, batch_size: int = 500) -> int:
    """Rewrites every version 1 (unbound) value as version 2, bound to its row; returns how many
    were rewritten. Safe to run again and while the service runs: a second run finds nothing, and
    each row is rewritten only if it still holds the value that was read. Values that do not
    decrypt are left alone and counted in the log (without their content)."""
    total = 0
    for stored in _STORED:
        column = stored.field.column
        last_id, rewritten, unreadable = 0, 0, 0
        while True:
            rows = await (stored.model.filter(id__gt=last_id, **{f"{column}__startswith": "v1."})
                          .order_by("id").limit(batch_size)
                          .values("id", column, *stored.key_columns))
            if not rows:
                break
            last_id = rows[-1]["id"]
            done, bad = await _rebind_batch(cipher, stored, rows)
            rewritten, unreadable = rewritten + done, unreadable + bad
        if rewritten or unreadable:
            log.info("legacy encrypted values rebound", extra={
                "table": stored.field.table, "column": column, "rewritten": rewritten,
                "unreadable": unreadable})
        total += rewritten
    return total
