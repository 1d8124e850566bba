"""Password hashing for staff accounts: argon2, off the event loop, in a small pool.

argon2 costs ≈ 0.2 s of CPU and 64 MiB per call; two at a time per worker keeps the machine's
other work (and the event loop) going while a burst of logins waits its turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD = 8
HASH_THREADS = 2
_hasher = PasswordHasher()

T = TypeVar("T")


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    """Made on first use, so importing this module (CLI, tests) starts no threads; per process, so
    each Sanic worker gets its own. Not asyncio.to_thread: the default pool has up to 32+ threads,
    and 25 parallel argon2 calls would take every core and ≈ 1.6 GB of memory."""
    return ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="argon2")


async def off_loop(fn: Callable[..., T], *args: object) -> T:
    # argon2-cffi releases the GIL while hashing, so the loop keeps serving other requests.
    return await asyncio.get_running_loop().run_in_executor(_pool(), fn, *args)


async def hash_password(password: str) -> str:
    return await off_loop(_hasher.hash, password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Hashed with the same parameters as real passwords, so a refusal without an account to check
    # costs the same verify. Lazily, in the pool: not at import time.
    return _hasher.hash("baoshan-dummy-password")


def _check(stored: str | None, password: str) -> bool:
    """In the pool. ``stored=None`` verifies against the dummy hash and is never a success."""
    try:
        return bool(_hasher.verify(stored or _dummy_hash(), password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def check_password(stored: str | None, password: str) -> bool:
    return await off_loop(_check, stored, password)
