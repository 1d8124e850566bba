"""Slots a worker knows to be full, so a rush day's flood of attempts is refused cheaply.

On 5月20日 2,000 attempts arrive for 100 places. Each would otherwise run the booking transaction
only to hear "slot_full" from the conditional UPDATE, and on SQLite those transactions run one at a
time. So a worker remembers, for a short while, how many places a slot has left at most:

- a booking that takes the last places records 0 left as soon as it commits;
- an attempt refused by the UPDATE records that its party did not fit.

Attempts on one slot also take turns in this worker (``turn``) for their validation, claim check and
transaction: they would queue on the slot's row (PostgreSQL) or the database's write lock (SQLite)
anyway, and waiting here instead lets the ones behind the booking that took the last place be
answered from memory, with no validation, no claim read and no transaction.

Only ever used to refuse. A place is granted only by the conditional UPDATE (``capacity.take``), so
this can never overbook; at worst a place freed on another worker is offered a second later.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core import sql

TTL_SECONDS = 1.0
_MAX_SLOTS = 10_000


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


@dataclass
class FullSlots:
    ttl: float = TTL_SECONDS
    clock: Callable[[], float] = time.monotonic
    # slot id → (places known to be left at most, clock deadline)
    _seen: dict[int, tuple[int, float]] = field(default_factory=dict)
    _turns: dict[int, _Turn] = field(default_factory=dict)
    # Booking transactions this worker runs at once; 0 = no limit (SQLite: one writer anyway).
    # On PostgreSQL a rush on many slots at once would otherwise queue its transactions on the
    # connection pool, where a wait past the acquire timeout answers 503 "database unavailable";
    # waiting here instead leaves the pool's last connections to reads and rate counters.
    writers: int = 0
    _gate: asyncio.Semaphore | None = None

    def refuses(self, slot_id: int, party: int, now: float | None = None) -> bool:
        seen = self._seen.get(slot_id)
        if seen is None:
            return False
        left, until = seen
        if (self.clock() if now is None else now) >= until:
            del self._seen[slot_id]
            return False
        return party > left

    def note_left(self, slot_id: int, left: int, now: float | None = None) -> None:
        """At most ``left`` places remain on the slot (until the memory expires or a place is freed)."""
        if len(self._seen) >= _MAX_SLOTS:
            self._seen.clear()  # bounded memory; forgetting only costs a database read
        self._seen[slot_id] = (max(0, left), (self.clock() if now is None else now) + self.ttl)

    def mark(self, slot_id: int, party: int, now: float | None = None) -> None:
        """A booking for ``party`` places was refused as full: at most party - 1 are left."""
        self.note_left(slot_id, party - 1, now)

    def forget(self, slot_id: int) -> None:
        """A place was freed here (cancel, reschedule away)."""
        self._seen.pop(slot_id, None)

    def writing(self) -> asyncio.Semaphore | contextlib.nullcontext[None]:
        """``async with`` around one booking transaction (see ``writers``)."""
        if self.writers <= 0:
            return contextlib.nullcontext()
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.writers)
        return self._gate

    def turn(self, slot_id: int) -> _Turning:
        """One booking attempt per slot at a time in this worker (see the module note)."""
        return _Turning(self._turns, slot_id)


class _Turning:
    """``async with`` a slot's turn; the lock is dropped when nobody is waiting for it. A class
    rather than a generator: most attempts on a rush day leave it by raising slot_full."""

    __slots__ = ("_entry", "_slot_id", "_turns")

    def __init__(self, turns: dict[int, _Turn], slot_id: int) -> None:
        self._turns, self._slot_id = turns, slot_id

    async def __aenter__(self) -> None:
        self._entry = self._turns.setdefault(self._slot_id, _Turn())
        self._entry.users += 1
        try:
            await self._entry.lock.acquire()
        except BaseException:
            self._leave()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._entry.lock.release()
        self._leave()

    def _leave(self) -> None:
        self._entry.users -= 1
        if not self._entry.users:
            del self._turns[self._slot_id]


def peek(body: Any) -> tuple[int, int] | None:
    """(slot id, places) from a booking body, or None when it is not well formed enough to say;
    validation proper happens later and names the field."""
    if not isinstance(body, dict):
        return None
    slot_id, party = body.get("slot_id"), body.get("party_size", 1)
    if not sql.valid_row_id(slot_id):
        return None
    companions = body.get("companions")
    if isinstance(companions, list) and len(companions) <= 4:
        party = 1 + len(companions)  # tomb sweeping: the booker and each relative take a place
    if isinstance(party, bool) or not isinstance(party, int) or not 1 <= party <= 5:
        party = 1
    return slot_id, party
