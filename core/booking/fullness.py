"""Slots a worker has just seen full, so a rush day's flood of late attempts is refused cheaply.

On 5月20日 nearly every attempt arrives after the slot has filled; each would still cost the slot
and rules reads, validation and claim checks only to hear "slot_full". A worker that has just been
told a slot is full answers the next attempts itself for a short while (after authentication and
rate limits, which still apply to everyone).

Only ever used to refuse. A place is granted only by the conditional UPDATE (``capacity.take``), so
this can never overbook; at worst a place freed on another worker is offered a second later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TTL_SECONDS = 1.0
_MAX_SLOTS = 10_000


@dataclass
class FullSlots:
    ttl: float = TTL_SECONDS
    # slot id → (places known to be left at most, monotonic deadline)
    _seen: dict[int, tuple[int, float]] = field(default_factory=dict)

    def refuses(self, slot_id: int, party: int, now: float) -> bool:
        seen = self._seen.get(slot_id)
        if seen is None:
            return False
        left, until = seen
        if now >= until:
            del self._seen[slot_id]
            return False
        return party > left

    def mark(self, slot_id: int, party: int, now: float) -> None:
        """A booking for ``party`` places was refused as full: at most party - 1 are left."""
        if len(self._seen) >= _MAX_SLOTS:
            self._seen.clear()  # bounded memory; forgetting only costs a database read
        self._seen[slot_id] = (max(0, party - 1), now + self.ttl)

    def forget(self, slot_id: int) -> None:
        """A place was freed here (cancel, reschedule away)."""
        self._seen.pop(slot_id, None)


def peek(body: Any) -> tuple[int, int] | None:
    """(slot id, places) from a booking body, or None when it is not well formed enough to say;
    validation proper happens later and names the field."""
    if not isinstance(body, dict):
        return None
    slot_id, party = body.get("slot_id"), body.get("party_size", 1)
    if isinstance(slot_id, bool) or not isinstance(slot_id, int) or slot_id <= 0:
        return None
    if isinstance(party, bool) or not isinstance(party, int) or not 1 <= party <= 5:
        party = 1
    return slot_id, party
