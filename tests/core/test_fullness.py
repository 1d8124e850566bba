"""The per-worker memory of full slots only ever refuses, forgets in time, and respects party sizes."""

from __future__ import annotations

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
