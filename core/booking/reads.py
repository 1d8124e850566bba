"""The reads every booking attempt makes (the slot, the rules, the claim keys), batched.

Hand-written and coalesced per event-loop turn (see core.batch): on a rush day 2,000 attempts read
the same slot and rules row at once, and one ``IN (...)`` statement answers all of them.

The batchers belong to the app (``AppContext.booking_reads``, made in ``before_server_start``), not
to this module. A caller passes them as ``reads``; one that does not (the booking services, until
they take them as a parameter) gets those of the app serving the current request, and outside a
request (the CLI, a test, a job) reads on its own connection, unbatched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from core import sql
from core.batch import Batched, Runner, fetch_in, marks
from core.booking import rules
from core.booking.errors import BookingError
from core.models import Slot

RULES_SETTING = "booking_rules"
T = TypeVar("T")
R = TypeVar("R")


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


class BookingReads:
    """The batched reads of one app: one queue per statement and event loop (core.batch)."""

    def __init__(self) -> None:
        self.slot: Batched[int, Slot | None] = Batched("slot", _slots)
        self.setting: Batched[str, Any] = Batched("setting", _settings)
        self.claimed: Batched[tuple[str, ...], bool] = Batched("claimed", _claimed)
        self.held: Batched[tuple[int, int], int | None] = Batched("held", _held)


async def _read(pick: Callable[[BookingReads], Batched[T, R]], run: Runner[T, R], item: T,
                reads: BookingReads | None) -> R:
    """``item`` read through the app's batcher, or alone on the current connection without one."""
    if reads is not None:
        return await pick(reads)(item)
    return (await run([item], connections.get("default")))[0]


async def get_slot(slot_id: int, reads: BookingReads | None = None) -> Slot:
    """The slot to book, wait for or move to, as read just now (a snapshot to read, not to save);
    one staff have closed is refused (slot_closed)."""
    slot = await _read(lambda r: r.slot, _slots, slot_id, reads)
    if slot is None:
        raise BookingError("slot_not_found", field="slot_id")
    if slot.closed_at is not None:
        raise BookingError("slot_closed", field="slot_id")
    return slot


async def load_rules(reads: BookingReads | None = None) -> dict[str, rules.ServiceRule]:
    """Defaults merged with staff overrides kept in the ``booking_rules`` setting."""
    # JSON text on SQLite, decoded already on PostgreSQL.
    value = await _read(lambda r: r.setting, _settings, RULES_SETTING, reads)
    return rules.merge_rules(json.loads(value) if isinstance(value, str | bytes) else value)


async def any_claimed(claims: Sequence[str], reads: BookingReads | None = None) -> bool:
    """Whether any of the claim keys is held (a friendly early answer: the unique index on the
    claim key is what enforces the rules)."""
    return bool(claims) and await _read(lambda r: r.claimed, _claimed, tuple(claims), reads)


async def held_booking(user_id: int, slot_id: int, reads: BookingReads | None = None
                       ) -> int | None:
    """The id of the resident's first confirmed booking on the slot, if any: asked by every
    refusal on a rush day (core.booking.service), so batched like the reads above."""
    return await _read(lambda r: r.held, _held, (user_id, slot_id), reads)
