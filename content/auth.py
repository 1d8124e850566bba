"""Staff accounts: argon2 passwords, lockout after repeated failures, server-side sessions.

Plain functions with the clock passed in; the routes only translate requests and cookies.

Login defences (#19): per-address and per-username rate limits are counted before any hashing;
argon2 runs in a small thread pool so a burst of logins cannot freeze the worker's event loop; an
attempt is counted by one atomic UPDATE before its password is checked, so parallel guesses each
count; and every refusal (unknown name, wrong password, locked account) looks the same from outside.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core import sql
from core.models import AuditLog, StaffSession, StaffUser
from core.models.staff import ROLES
from core.ratelimit import RateLimits

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)
MIN_PASSWORD = 8
# argon2 costs ≈ 0.2 s of CPU and 64 MiB per call; two at a time per worker keeps the machine's
# other work (and the event loop) going while a burst of logins waits its turn.
HASH_THREADS = 2
_USERNAME_OK = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")
_hasher = PasswordHasher()
log = logging.getLogger("baoshan.console.auth")

T = TypeVar("T")

# One statement counts the attempt and reads the count back, so N parallel attempts see 1..N.
# A locked account matches no row: attempts during a lock are refused without being counted.
_COUNT = ("UPDATE staff_user SET failed_logins = failed_logins + 1"
          " WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?) RETURNING failed_logins")
# Only the first of several attempts that reach the limit together sets the lock (and audits it).
_LOCK = ("UPDATE staff_user SET failed_logins = 0, locked_until = ?"
         " WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?)")
# A right password wins only if, meanwhile, parallel wrong ones neither locked the account nor
# pushed the count past the limit.
_SUCCEED = ("UPDATE staff_user SET failed_logins = 0, locked_until = NULL, last_login_at = ?"
            " WHERE id = ? AND failed_logins <= ? AND (locked_until IS NULL OR locked_until <= ?)")


class AuthError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class LoginRateLimited(AuthError):
    """Too many login attempts from one address or for one username; nothing was hashed."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("login_rate_limited")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Staff:
    id: int
    username: str
    role: str
    csrf: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_account(username: str, role: str, password: str) -> None:
    if not username or len(username) > 64 or set(username) - _USERNAME_OK:
        raise AuthError("bad_username")
    if role not in ROLES:
        raise AuthError("bad_role")
    if len(password) < MIN_PASSWORD:
        raise AuthError("weak_password")


async def add_staff(username: str, role: str, password: str, *, actor: str = "cli") -> StaffUser:
    username = username.strip().lower()
    check_new_account(username, role, password)
    if await StaffUser.filter(username=username).exists():
        raise AuthError("username_taken")
    hashed = await _off_loop(_hasher.hash, password)
    user = await StaffUser.create(username=username, role=role, password_hash=hashed)
    await AuditLog.create(actor=actor, action="staff.add", target=username,
                          after={"username": username, "role": role})
    return user


async def login(username: str, password: str, now: datetime, *, address: str | None = None,
                per_address: int = 0, per_username: int = 0) -> tuple[str, Staff]:
    """A new session token for good credentials.

    Raises LoginRateLimited (before any hashing) when ``address`` or the username is over its
    per-minute limit (0 = off), else AuthError("bad_credentials") for every other refusal: an
    unknown name, a wrong password and a locked account answer alike and cost one argon2 verify
    each, so the answer does not tell whether an account exists. The truth is kept for staff:
    the account list shows the lock, the audit log records when it was set.
    """
    name = username.strip().lower()
    now = now.astimezone(UTC)  # SQLite compares the stored UTC text
    await _rate_limit(name, address, per_address, per_username, now)
    user = await StaffUser.get_or_none(username=name, active=True)
    if user is None:
        await _off_loop(_check, None, password)
        raise AuthError("bad_credentials")
    attempt = await _count_attempt(user.id, now)
    if attempt is None or attempt > MAX_FAILURES:
        # Locked, or parallel attempts went past the limit: lock before anything else finishes,
        # so a right password among them cannot get in; never try the real hash.
        if attempt is not None:
            await _lock(user, attempt, now)
        await _off_loop(_check, None, password)
        raise AuthError("bad_credentials")
    if not await _off_loop(_check, user.password_hash, password):
        if attempt == MAX_FAILURES:
            await _lock(user, attempt, now)
        raise AuthError("bad_credentials")
    if not await sql.execute(_SUCCEED, [now, user.id, MAX_FAILURES, now]):
        raise AuthError("bad_credentials")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    await StaffSession.create(token_hash=token_hash(token), user_id=user.id, csrf=csrf,
                              expires_at=now + SESSION_TTL)
    return token, Staff(user.id, user.username, user.role, csrf)


async def _rate_limit(name: str, address: str | None, per_address: int, per_username: int,
                      now: datetime) -> None:
    checks = [("login-address", address or "unknown", per_address),
              # Hashed: people type their password into the name field; it must not sit in a table.
              ("login-username", hashlib.sha256(name.encode()).hexdigest()[:32], per_username)]
    for scope, subject, limit in checks:
        # Sign-ins are rare: a batcher of their own (not the app's) costs nothing worth sharing.
        retry = await RateLimits().hit(scope, subject, limit, now.timestamp())
        if retry is not None:
            log.warning("console login rate limited", extra={"scope": scope})
            raise LoginRateLimited(retry)


async def _count_attempt(user_id: int, now: datetime) -> int | None:
    """This attempt's number since the last success or lock; None while the account is locked."""
    rows = await sql.fetch(_COUNT, [user_id, now])
    return int(rows[0]["failed_logins"]) if rows else None


async def _lock(user: StaffUser, attempts: int, now: datetime) -> None:
    until = now + LOCKOUT
    if await sql.execute(_LOCK, [until, user.id, now]):
        log.warning("console account locked", extra={"user_id": user.id})
        await AuditLog.create(actor="system", action="staff.lock", target=user.username,
                              after={"attempts": attempts, "locked_until": until.isoformat()})


async def set_password(user_id: int, password: str) -> None:
    """A new password ends every session of that account and lifts a lockout."""
    if len(password) < MIN_PASSWORD:
        raise AuthError("weak_password")
    hashed = await _off_loop(_hasher.hash, password)
    await StaffUser.filter(id=user_id).update(password_hash=hashed, failed_logins=0,
                                              locked_until=None)
    await StaffSession.filter(user_id=user_id).delete()


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    """Made on first use, so importing this module (CLI, tests) starts no threads; per process, so
    each Sanic worker gets its own. Not asyncio.to_thread: the default pool has up to 32+ threads,
    and 25 parallel argon2 calls would take every core and ≈ 1.6 GB of memory."""
    return ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="argon2")


async def _off_loop(fn: Callable[..., T], *args: object) -> T:
    # argon2-cffi releases the GIL while hashing, so the loop keeps serving other requests.
    return await asyncio.get_running_loop().run_in_executor(_pool(), fn, *args)


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


async def session_staff(token: str | None, now: datetime) -> Staff | None:
    if not token:
        return None
    row = await StaffSession.get_or_none(token_hash=token_hash(token)).select_related("user")
    if row is None or row.expires_at <= now or not row.user.active:
        return None
    return Staff(row.user.id, row.user.username, row.user.role, row.csrf)


async def logout(token: str | None) -> None:
    if token:
        await StaffSession.filter(token_hash=token_hash(token)).delete()


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")
