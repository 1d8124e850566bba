"""The per-worker memory of full slots only ever refuses, forgets in time, and respects party sizes."""

from __future__ import annotations

import asyncio
import time

from core.booking.fullness import FullSlots, peek


def test_a_full_slot_is_refused_until_the_memory_expires() -> None:
    full = FullSlots(ttl=1.0)
    assert not full.refuses(7, 1, now=100.0)
    full.mark(7, 1, now=100.0)
    assert full.refuses(7, 1, now=100.5) and not full.refuses(8, 1, now=100.5)
    assert not full.refuses(7, 1, now=101.0)  # expired: the next attempt asks the database again
    assert not full.refuses(7, 1, now=100.5)  # and the expired entry is gone


def test_a_refused_party_leaves_room_for_smaller_ones() -> None:
    full = FullSlots()
    full.mark(3, 4, now=0.0)  # four places refused: at most three are left
    assert full.refuses(3, 4, now=0.1) and full.refuses(3, 5, now=0.1)
    assert not full.refuses(3, 3, now=0.1) and not full.refuses(3, 1, now=0.1)


def test_a_freed_place_is_forgotten_at_once() -> None:
    full = FullSlots()
    full.mark(5, 1, now=0.0)
    full.forget(5)
    assert not full.refuses(5, 1, now=0.1)


def test_peek_reads_only_well_formed_bodies() -> None:
    assert peek({"slot_id": 9}) == (9, 1)
    assert peek({"slot_id": 9, "party_size": 3}) == (9, 3)
    assert peek({"slot_id": 9, "party_size": 99}) == (9, 1)
    assert peek({"slot_id": "9"}) is None and peek({"slot_id": True}) is None
    assert peek(["slot_id", 9]) is None and peek(None) is None


def test_places_left_after_a_booking_refuse_bigger_parties_only() -> None:
    now = [10.0]
    full = FullSlots(clock=lambda: now[0])  # the clock is injected; no argument means "now"
    full.note_left(4, 2)
    assert full.refuses(4, 3) and not full.refuses(4, 2)
    now[0] = 11.0
    assert not full.refuses(4, 3)  # a second later the database is asked again


async def test_attempts_on_one_slot_take_turns_and_leave_nothing_behind() -> None:
    full = FullSlots()
    inside: list[int] = []
    overlaps: list[bool] = []

    async def attempt(slot_id: int) -> None:
        async with full.turn(slot_id):
            overlaps.append(slot_id in inside)
            inside.append(slot_id)
            await asyncio.sleep(0.01)
            inside.remove(slot_id)

    started = time.monotonic()
    await asyncio.gather(*[attempt(1) for _ in range(3)], *[attempt(2) for _ in range(3)])
    assert not any(overlaps)  # never two on one slot at once
    assert time.monotonic() - started < 0.05  # but the two slots did not wait for each other
    assert not full._turns  # no lock kept for slots nobody is booking
