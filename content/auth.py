"""Console sign-in: lockout after repeated failures, server-side sessions.

Plain functions with the clock passed in; the login page only translates requests and cookies.
Accounts themselves (create, role, unlock, …) are ``core.accounts``'; hashing is
``core.passwords``'.

Login defences (#19): per-address and per-username rate limits are counted before any hashing;
argon2 runs in a small thread pool so a burst of logins cannot freeze the worker's event loop; an
attempt is counted by one atomic UPDATE before its password is checked, so parallel guesses each
count; and every refusal (unknown name, wrong password, locked account) looks the same from outside.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from core import accounts, audit, sql
from core.accounts import AuthError, LoginRateLimited
from core.models import StaffSession, StaffUser
from core.passwords import check_password
from core.ratelimit import RateLimits

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)
log = logging.getLogger("baoshan.console.auth")
# Fixtures and other packages' tests create accounts by this name; the work is core's.
add_staff = accounts.add_staff

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


@dataclass(frozen=True)
class Staff:
    id: int
    username: str
    role: str
    csrf: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
    user = await StaffUser.get_or_none(username=name)
    if user is None or not user.active:
        await check_password(None, password)
        await _failed(user, {"active": False} if user else {"account_exists": False})
        raise AuthError("bad_credentials")
    attempt = await _count_attempt(user.id, now)
    if attempt is None or attempt > MAX_FAILURES:
        # Locked, or parallel attempts went past the limit: lock before anything else finishes,
        # so a right password among them cannot get in; never try the real hash.
        if attempt is not None:
            await _lock(user, attempt, now)
        await check_password(None, password)
        await _failed(user, {"locked": True})
        raise AuthError("bad_credentials")
    if not await check_password(user.password_hash, password):
        await _failed(user, {"attempts": attempt})
        if attempt == MAX_FAILURES:
            await _lock(user, attempt, now)
        raise AuthError("bad_credentials")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    async with in_transaction() as conn:
        # The session and its audit row land only with the successful UPDATE, all or nothing.
        succeeded = bool(await sql.execute(_SUCCEED, [now, user.id, MAX_FAILURES, now], conn))
        if succeeded:
            await StaffSession.create(token_hash=token_hash(token), user_id=user.id, csrf=csrf,
                                      expires_at=now + SESSION_TTL, using_db=conn)
            await audit.record(user, "staff.login", user.username, conn=conn,
                               after={"role": user.role})
    if not succeeded:
        await _failed(user, {"locked": True})
        raise AuthError("bad_credentials")
    return token, Staff(user.id, user.username, user.role, csrf)


async def _failed(user: StaffUser | None, after: dict[str, object]) -> None:
    """A refused sign-in, for the audit log. The name typed is kept only when it is an account:
    an unknown "name" is often a password typed in the wrong field. Never the password."""
    await audit.record("system", "staff.login_failed", user.username if user else "", after=after)


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
    async with in_transaction() as conn:
        if await sql.execute(_LOCK, [until, user.id, now], conn):
            log.warning("console account locked", extra={"user_id": user.id})
            await audit.record("system", "staff.lock", user.username, conn=conn,
                               after={"attempts": attempts, "locked_until": until.isoformat()})


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
