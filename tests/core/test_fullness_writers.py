"""Booking transactions wait their turn in the worker (FullSlots.writing), not on the pool."""

from __future__ import annotations

import asyncio

from core.booking.fullness import FullSlots


async def _peak(full: FullSlots, attempts: int) -> int:
    inside = peak = 0

    async def one() -> None:
        nonlocal inside, peak
        async with full.writing():
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(one() for _ in range(attempts)))
    return peak


async def test_at_most_writers_transactions_at_once() -> None:
    assert await _peak(FullSlots(writers=3), 20) == 3


async def test_no_limit_by_default() -> None:
    assert await _peak(FullSlots(), 20) == 20
