"""Batched statements: one statement per event-loop turn, each caller its own answer, failures
reach every caller, and a caller inside a transaction is answered on its own connection."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sanic import Sanic
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.transactions import in_transaction

from core.batch import Batched
from core.booking import reads
from core.booking.slots import open_slot


class Recorder:
    """A runner that doubles each item and records the batches it was given."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.connections: list[BaseDBAsyncClient] = []
        self.fail = fail

    async def __call__(self, items: Sequence[int], conn: BaseDBAsyncClient) -> list[int]:
        self.batches.append(list(items))
        self.connections.append(conn)
        await asyncio.sleep(0)
        if self.fail:
            raise RuntimeError("database went away")
        return [i * 2 for i in items]


async def test_calls_in_one_turn_share_one_statement(app: Sanic) -> None:
    runner = Recorder()
    double = Batched("double", runner)
    assert await asyncio.gather(*[double(i) for i in range(50)]) == [i * 2 for i in range(50)]
    assert runner.batches == [list(range(50))]
    assert await double(7) == 14  # a lone call is answered too, in a batch of one
    assert runner.batches[-1] == [7]


async def test_large_bursts_are_split(app: Sanic) -> None:
    runner = Recorder()
    double = Batched("double", runner, max_items=20)
    assert await asyncio.gather(*[double(i) for i in range(50)]) == [i * 2 for i in range(50)]
    assert [len(b) for b in runner.batches] == [20, 20, 10]


async def test_a_failure_reaches_every_caller(app: Sanic) -> None:
    double = Batched("double", Recorder(fail=True))
    results = await asyncio.gather(*[double(i) for i in range(5)], return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    # Each caller has an exception of its own: a shared one would carry every caller's traceback.
    assert len({id(r) for r in results}) == 5


async def test_one_bad_member_fails_alone(app: Sanic) -> None:
    """#19 item 6: a batch never shares one member's exception with the others."""
    async def picky(items: Sequence[int], conn: BaseDBAsyncClient) -> list[int]:
        if 13 in items:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return [i * 2 for i in items]

    double = Batched("picky", picky)
    results = await asyncio.gather(*[double(i) for i in range(10, 20)], return_exceptions=True)
    assert isinstance(results[3], OverflowError)
    assert [r for i, r in enumerate(results) if i != 3] == [i * 2 for i in range(10, 20) if i != 13]


async def test_an_oversized_slot_id_in_a_rush_fails_only_its_own_booking(app: Sanic) -> None:
    """The real batched slot read with 2**63 among valid ids (the reproduced 500 for everyone)."""
    day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    slots = [await open_slot("charity_event", day + timedelta(hours=i), day + timedelta(hours=i + 1), 5)
             for i in range(3)]
    wanted = [s.id for s in slots] * 4 + [2**63]
    batched = app.ctx.booking_reads
    results = await asyncio.gather(*[reads.get_slot(i, batched) for i in wanted],
                                   return_exceptions=True)
    assert [getattr(r, "id", None) for r in results[:12]] == [s.id for s in slots] * 4
    assert isinstance(results[12], Exception)


async def test_a_cancelled_caller_does_not_disturb_the_others(app: Sanic) -> None:
    double = Batched("double", Recorder())
    gone = asyncio.ensure_future(double(1))
    kept = asyncio.ensure_future(double(2))
    await asyncio.sleep(0)
    gone.cancel()
    assert await kept == 4
    with pytest.raises(asyncio.CancelledError):
        await gone


async def test_a_batch_cancelled_at_shutdown_leaves_nobody_waiting(app: Sanic) -> None:
    async def never(items: Sequence[int], conn: BaseDBAsyncClient) -> list[int]:
        await asyncio.sleep(3600)
        return list(items)

    slow = Batched("slow", never)
    callers = [asyncio.ensure_future(slow(i)) for i in range(3)]
    while not slow._sending:  # the batch has been sent
        await asyncio.sleep(0)
    for task in list(slow._sending):
        task.cancel()  # what stopping the event loop does to it
    done, pending = await asyncio.wait(callers, timeout=5)
    assert not pending and all(task.cancelled() for task in done)
    assert not slow._sending


async def test_inside_a_transaction_the_call_runs_at_once_on_its_connection(app: Sanic) -> None:
    runner = Recorder()
    double = Batched("double", runner)
    async with in_transaction():
        assert await double(3) == 6
    assert isinstance(runner.connections[0], TransactionalDBClient)
    await double(4)
    assert not isinstance(runner.connections[1], TransactionalDBClient)


async def test_a_transaction_sees_its_own_slot_changes(app: Sanic) -> None:
    from datetime import UTC, datetime, timedelta

    from core.booking import capacity

    start = datetime.now(UTC) + timedelta(days=3)
    slot = await open_slot("charity_event", start, start + timedelta(hours=1), 4)
    batched = app.ctx.booking_reads
    async with in_transaction() as conn:
        await capacity.take(conn, slot.id, 3)
        # Not a batch waiting for our own lock:
        assert (await reads.get_slot(slot.id, batched)).booked == 3
    assert [s.booked for s in await asyncio.gather(*[reads.get_slot(slot.id, batched)
                                                     for _ in range(5)])] == [3] * 5


async def test_simultaneous_hits_count_one_by_one(app: Sanic) -> None:
    """Ten hits in one turn are one upsert, and the limit still lets exactly its number through."""
    t0 = 1_800_000_120.0
    results = await asyncio.gather(*[app.ctx.rate_limits.hit("t", "burst", 4, t0) for _ in range(10)],
                                   *[app.ctx.rate_limits.hit("t", "other", 4, t0) for _ in range(3)])
    assert results[:10].count(None) == 4 and all(r == 60 for r in results[4:10])
    assert results[10:] == [None, None, None]
    assert await app.ctx.rate_limits.hit("t", "burst", 4, t0 + 1) == 59  # the count went on from 10
