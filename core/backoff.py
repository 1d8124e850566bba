"""Calling a failing upstream (WeChat's token endpoint) at most once per backoff window, with every
caller waiting meanwhile sharing that one attempt's result (issue #11: ten waiting messages made
24–27 serial token calls in 5.5 s while the endpoint returned 500).

Plain asyncio, no database: the one token authority of both app ids (core.wechat.token) adds
its cross-worker lease on top.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Backoff:
    """Exponential, capped: after n consecutive failures the next attempt waits
    ``first * 2**(n-1)`` seconds, at most ``cap``. A success resets it."""

    def __init__(self, first: float = 1.0, cap: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.first, self.cap, self.clock = first, cap, clock
        self.failures = 0
        self.retry_at = 0.0

    def waiting(self) -> float:
        """Seconds until the next attempt is allowed (0: now)."""
        return max(0.0, self.retry_at - self.clock())

    def failed(self) -> float:
        self.failures += 1
        delay = min(self.cap, self.first * 2.0 ** (self.failures - 1))
        self.retry_at = self.clock() + delay
        return delay

    def succeeded(self) -> None:
        self.failures, self.retry_at = 0, 0.0


class BackingOff(Exception):
    """Raised instead of calling an upstream that failed moments ago."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"upstream failing; next attempt in {seconds:.1f} s")
        self.seconds = seconds


class SingleFlight(Generic[T]):
    """One call in flight; callers arriving meanwhile await its outcome (value or exception)
    instead of starting their own. A cancelled caller does not cancel the call for the others."""

    def __init__(self) -> None:
        self._task: asyncio.Task[T] | None = None

    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        if self._task is None or self._task.done():
            async def wrapped() -> T:
                return await call()
            self._task = asyncio.ensure_future(wrapped())
            # Retrieved here too, so a failure nobody else awaited is not reported as unhandled.
            self._task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return await asyncio.shield(self._task)
