"""PostgreSQL client with a bounded wait for a pooled connection.

tortoise-orm 1.1's asyncpg backend passes pool size, connect timeout, ``command_timeout`` and
``server_settings`` through to asyncpg, but acquires pooled connections with
``pool.acquire()`` and no timeout: with every connection busy on a frozen server a request would
queue forever. This client gives the pool a default acquisition timeout instead (asyncpg raises
``TimeoutError``, answered 503 by core.errors). Named as the engine in core.db's config.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from asyncpg.pool import Pool, PoolAcquireContext
from tortoise.backends.asyncpg.client import AsyncpgDBClient


class TimedPool(Pool):
    __slots__ = ("_acquire_timeout",)
    _acquire_timeout: float | None  # set by create_pool right after construction

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        return super().acquire(timeout=timeout if timeout is not None else self._acquire_timeout)


class TimedAsyncpgClient(AsyncpgDBClient):
    def __init__(self, *args: Any, acquire_timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout = acquire_timeout

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        # asyncpg.create_pool builds Pool(...) and awaits it; the same, with our subclass.
        pool = TimedPool(None, min_size=kwargs.pop("min_size"), max_size=kwargs.pop("max_size"),
                         max_queries=kwargs.pop("max_queries", 50000),
                         max_inactive_connection_lifetime=kwargs.pop(
                             "max_inactive_connection_lifetime", 300.0),
                         loop=kwargs.pop("loop", None),
                         connection_class=kwargs.pop("connection_class"),
                         record_class=kwargs.pop("record_class", asyncpg.Record), **kwargs)
        pool._acquire_timeout = self.acquire_timeout
        return await pool


client_class = TimedAsyncpgClient
