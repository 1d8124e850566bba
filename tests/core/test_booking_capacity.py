"""The conditional UPDATE itself, without the fast refusal in front of it: concurrent takers
get exactly the places there are, and freeing gives them back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sanic import Sanic
from tortoise.transactions import in_transaction

from core.booking import capacity
from core.booking.slots import open_slot
from core.models import Slot


async def test_concurrent_takes_never_exceed_capacity(app: Sanic) -> None:
    start = datetime.now(UTC) + timedelta(days=2)
    slot = await open_slot("charity_event", start, start + timedelta(hours=1), 10)

    async def take(places: int) -> int | None:
        async with in_transaction() as conn:
            return await capacity.take(conn, slot.id, places)

    results = await asyncio.gather(*[take(1) for _ in range(30)])
    # Each winner is told how many places its own take left, so those are exactly 9..0.
    assert sorted(r for r in results if r is not None) == list(range(10))
    assert results.count(None) == 20
    assert (await Slot.get(id=slot.id)).booked == 10
    assert await take(1) is None

    async with in_transaction() as conn:
        await capacity.free(conn, slot.id, 3)
    assert await take(4) is None  # 3 free, party of 4 does not fit
    assert await take(3) == 0
    assert (await Slot.get(id=slot.id)).booked == 10
