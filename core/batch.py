"""Coalescing the reads and counters every rush-day request makes into one statement per turn.

On 5月20日 2,000 requests arrive in the same millisecond and each needs the same few statements:
its session, its rate-limit count, the slot, the rules, its claim keys. Sent one by one they cost
more in round trips (a thread hop per statement on SQLite, a pool checkout on PostgreSQL) than in
the database. A ``Batched`` statement collects every request that asks during one turn of the event
loop and runs them as one statement (``WHERE key IN (...)``, a multi-row upsert); each caller gets
its own answer. A lone request waits for nothing: its batch of one is sent on the next turn.

Batches run on the default connection in a fresh context, never inside somebody's transaction.
A caller that is itself inside a transaction is answered at once on its own connection instead
(waiting for a batch there could wait for the lock its own transaction holds).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Generic, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.models import Model

from core import sql

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger("baoshan.batch")
# Well inside SQLite's and PostgreSQL's limits on bound values, also for two values per item.
MAX_ITEMS = 400

Runner = Callable[[Sequence[T], BaseDBAsyncClient], Awaitable[Sequence[R]]]


class Batched(Generic[T, R]):
    """``run(items, conn)`` answers a batch with one result per item, in order."""

    def __init__(self, name: str, run: Runner[T, R], max_items: int = MAX_ITEMS) -> None:
        self.name = name
        self._run = run
        self._max = max_items
        # One queue per event loop (each worker has one; tests start several).
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                                list[tuple[T, asyncio.Future[R]]]] = \
            weakref.WeakKeyDictionary()
        self._sending: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    async def __call__(self, item: T) -> R:
        conn = connections.get("default")
        if isinstance(conn, TransactionalDBClient):
            return (await self._run([item], conn))[0]
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = []
            loop.call_soon(self._send, loop)
        future: asyncio.Future[R] = loop.create_future()
        queue.append((item, future))
        if len(queue) >= self._max:
            self._send(loop)
        return await future

    def _send(self, loop: asyncio.AbstractEventLoop) -> None:
        queue = self._queues.pop(loop, None)
        if queue:
            task = loop.create_task(self._answer(queue), context=contextvars.Context())
            self._sending.add(task)
            task.add_done_callback(partial(self._finished, queue))

    def _finished(self, queue: list[tuple[T, asyncio.Future[R]]], task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        # Cancelled (the loop is stopping), even before it ran: nobody is left waiting for ever.
        for _, future in queue:
            if not future.done():
                future.cancel()

    async def _answer(self, queue: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._run([item for item, _ in queue], connections.get("default"))
            if len(results) != len(queue):
                raise RuntimeError(f"{self.name}: {len(results)} answers for {len(queue)} items")
        except Exception as exc:
            log.warning("batched statement failed", extra={"statement": self.name, "items": len(queue)},
                        exc_info=True)
            if len(queue) == 1:
                if not queue[0][1].done():
                    queue[0][1].set_exception(exc)
                return
            # One bad member (an id out of the column's range, say) must not fail the others:
            # each is answered on its own, and only the bad one hears of its own error.
            for item, future in queue:
                await self._alone(item, future)
            return
        for (_, future), result in zip(queue, results, strict=False):
            if not future.done():  # a caller that was cancelled (client went away) is skipped
                future.set_result(result)

    async def _alone(self, item: T, future: asyncio.Future[R]) -> None:
        """Runs one item by itself; its exception, a fresh one, goes to its caller only."""
        if future.done():
            return
        try:
            result = (await self._run([item], connections.get("default")))[0]
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(result)


def marks(n: int) -> str:
    """``?, ?, ?`` for an IN list of n bound values (core.sql renumbers them for PostgreSQL)."""
    return ", ".join("?" * n)


async def fetch_in(select: str, keys: Iterable[Any], conn: BaseDBAsyncClient,
                   before: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Rows of ``select``, which ends in ``IN``, for the distinct keys (bound after ``before``)."""
    wanted = sorted(set(keys))
    return await sql.fetch(f"{select} ({marks(len(wanted))})", [*before, *wanted], conn)


def rows_of(n: int, per_row: str) -> str:
    """``(?, ?), (?, ?)`` for a multi-row VALUES list of n rows shaped like ``per_row``."""
    return ", ".join([per_row] * n)


def db_values(model: type[Model], values: Mapping[str, Any]) -> list[Any]:
    """Values bound the way the ORM binds them for ``model``'s fields (JSON encoded, datetimes
    checked), so hand-written writes store exactly what ``Model.create`` would."""
    fields = model._meta.fields_map
    return [fields[name].to_db_value(value, model) for name, value in values.items()]


def insert_ignoring(name: str, model: type[Model], columns: Sequence[str]
                    ) -> Batched[Mapping[str, Any], None]:
    """``model.bulk_create(rows, ignore_conflicts=True)`` for the rows of one event-loop turn, as
    one hand-written ``INSERT … ON CONFLICT DO NOTHING`` (the ORM's own took longer to build than
    to run). Each row gives a value for every column."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    head = f"INSERT INTO {model._meta.db_table} ({quoted}) VALUES "  # noqa: S608 (only ? marks)
    per_row = f"({marks(len(columns))})"

    async def run(rows: Sequence[Mapping[str, Any]], conn: BaseDBAsyncClient) -> list[None]:
        values = [v for row in rows for v in db_values(model, {c: row[c] for c in columns})]
        await sql.execute(f"{head}{rows_of(len(rows), per_row)} ON CONFLICT DO NOTHING", values,
                          conn)
        return [None] * len(rows)

    return Batched(name, run, max_items=max(1, 800 // len(columns)))
