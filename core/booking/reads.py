"""The reads every booking attempt makes (the slot, the rules, the claim keys), batched.

Hand-written and coalesced per event-loop turn (see core.batch): on a rush day 2,000 attempts read
the same slot and rules row at once, and one ``IN (...)`` statement answers all of them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core import sql
from core.batch import Batched, fetch_in, marks
from core.booking import rules
from core.booking.errors import BookingError
from core.models import Slot

RULES_SETTING = "booking_rules"


async def _slots(ids: Sequence[int], conn: BaseDBAsyncClient) -> list[Slot | None]:
    rows = await fetch_in("SELECT * FROM booking_slot WHERE id IN", ids, conn)
    # One Slot per row, shared by everyone in the batch: converting the timestamps cost more than
    # the read. Callers only read it (a snapshot; places are only ever taken by capacity.take).
    by_id = {int(row["id"]): Slot._init_from_db(**row) for row in rows}
    return [by_id.get(i) for i in ids]


async def _settings(keys: Sequence[str], conn: BaseDBAsyncClient) -> list[Any]:
    rows = await fetch_in("SELECT key, value FROM setting WHERE key IN", keys, conn)
    by_key = {row["key"]: row["value"] for row in rows}
    return [by_key.get(k) for k in keys]


async def _claimed(groups: Sequence[tuple[str, ...]], conn: BaseDBAsyncClient) -> list[bool]:
    keys = [key for group in groups for key in group]
    if not keys:
        return [False] * len(groups)
    rows = await fetch_in("SELECT key FROM booking_claim WHERE key IN", keys, conn)
    held = {row["key"] for row in rows}
    return [any(key in held for key in group) for group in groups]


_HELD_SQL = ("SELECT user_id, MIN(id) AS id FROM booking WHERE slot_id = ? AND status = 'confirmed' "
             "AND user_id IN ({}) GROUP BY user_id")


async def _held(wanted: Sequence[tuple[int, int]], conn: BaseDBAsyncClient) -> list[int | None]:
    by_slot: dict[int, set[int]] = {}
    for user_id, slot_id in wanted:
        by_slot.setdefault(slot_id, set()).add(user_id)
    held: dict[tuple[int, int], int] = {}
    for slot_id, users in by_slot.items():
        rows = await sql.fetch(_HELD_SQL.format(marks(len(users))), [slot_id, *sorted(users)], conn)
        held.update({(int(row["user_id"]), slot_id): int(row["id"]) for row in rows})
    return [held.get(w) for w in wanted]


_SLOT = Batched("slot", _slots)
_SETTING = Batched("setting", _settings)
_CLAIMED = Batched("claimed", _claimed)
_HELD = Batched("held", _held)


async def get_slot(slot_id: int) -> Slot:
    """The slot to book, wait for or move to, as read just now (a snapshot to read, not to save);
    one staff have closed is refused (slot_closed)."""
    slot = await _SLOT(slot_id)
    if slot is None:
        raise BookingError("slot_not_found", field="slot_id")
    if slot.closed_at is not None:
        raise BookingError("slot_closed", field="slot_id")
    return slot


async def load_rules() -> dict[str, rules.ServiceRule]:
    """Defaults merged with staff overrides kept in the ``booking_rules`` setting."""
    value = await _SETTING(RULES_SETTING)  # JSON text on SQLite, decoded already on PostgreSQL
    return rules.merge_rules(json.loads(value) if isinstance(value, str | bytes) else value)


async def any_claimed(claims: Sequence[str]) -> bool:
    """Whether any of the claim keys is held (a friendly early answer: the unique index on the
    claim key is what enforces the rules)."""
    return bool(claims) and await _CLAIMED(tuple(claims))


async def held_booking(user_id: int, slot_id: int) -> int | None:
    """The id of the resident's first confirmed booking on the slot, if any: asked by every
    refusal on a rush day (core.booking.service), so batched like the reads above."""
    return await _HELD((user_id, slot_id))
