"""Hand-written SQL for the few statements on every rush-day request (and the atomic ones).

Tortoise spends more time building a query (resolving filters, rendering SQL) than SQLite or
PostgreSQL spend running a primary-key lookup: ≈ 130 µs against ≈ 50 µs for a slot read, ≈ 140 µs
against ≈ 25 µs for the session lookup. Statements here are written once with ``?`` placeholders and
renumbered for PostgreSQL; values are always bound, never formatted in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeGuard

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

_MARK = re.compile(r"\?")
# Every id column is PostgreSQL's ``integer`` (SERIAL): an id from a request beyond this is
# refused at the edge (404/422) instead of overflowing inside a statement.
MAX_ROW_ID = 2**31 - 1


def valid_row_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID


@lru_cache(maxsize=64)
def _numbered(sql: str) -> str:
    counter = iter(range(1, 1000))
    return _MARK.sub(lambda _: f"${next(counter)}", sql)


def _for(conn: BaseDBAsyncClient, sql: str) -> str:
    return sql if conn.capabilities.dialect == "sqlite" else _numbered(sql)


async def fetch(sql: str, values: list[Any], conn: BaseDBAsyncClient | None = None
                ) -> list[dict[str, Any]]:
    """Rows as dicts, on ``conn`` or whichever connection is current (a transaction's, inside one)."""
    conn = conn or connections.get("default")
    return list(await conn.execute_query_dict(_for(conn, sql), values))


async def execute(sql: str, values: list[Any], conn: BaseDBAsyncClient | None = None) -> int:
    """An UPDATE or DELETE; returns the rows it affected. (Not for INSERT: on PostgreSQL the ORM
    reads an INSERT's row count from the wrong field of the status; use ``RETURNING`` and fetch.)"""
    conn = conn or connections.get("default")
    affected, _ = await conn.execute_query(_for(conn, sql), values)
    return int(affected)


async def take_turns(conn: BaseDBAsyncClient, key: int, table: str) -> None:
    """Inside a transaction: makes every transaction that calls this with the same ``key`` wait
    for the one before it to end, so a check-then-write (a duplicate check before inserts) sees
    the other's writes. PostgreSQL takes a transaction-scoped advisory lock on ``key``. SQLite has
    one write lock for the whole database, taken by any write: a write to ``table`` that matches
    no row takes it without changing anything (``table`` only has to exist, and have an ``id``).
    The one home of such statements: a booking's places are taken by capacity.take instead (a
    conditional UPDATE, the locking rule written down there)."""
    if conn.capabilities.dialect == "sqlite":
        await conn.execute_query(f"UPDATE {table} SET id = id WHERE id = -1")  # noqa: S608
    else:
        await conn.execute_query(f"SELECT pg_advisory_xact_lock({int(key)})")


def aware(value: datetime | str | None) -> datetime | None:
    """A timestamp column as an aware datetime: SQLite hands back the stored UTC text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
