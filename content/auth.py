"""Staff accounts: argon2 passwords, lockout after repeated failures, server-side sessions.

Plain functions with the clock passed in; the routes only translate requests and cookies.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.models import AuditLog, StaffSession, StaffUser
from core.models.staff import ROLES

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)
MIN_PASSWORD = 8
_USERNAME_OK = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")
_hasher = PasswordHasher()
# Compared against when the username does not exist, so both paths cost one argon2 verify.
_DUMMY_HASH = _hasher.hash("baoshan-dummy-password")


class AuthError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


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
    user = await StaffUser.create(username=username, role=role, password_hash=_hasher.hash(password))
    await AuditLog.create(actor=actor, action="staff.add", target=username,
                          after={"username": username, "role": role})
    return user


async def login(username: str, password: str, now: datetime) -> tuple[str, Staff]:
    """A new session token for good credentials; AuthError("bad_credentials"|"locked") otherwise."""
    user = await StaffUser.get_or_none(username=username.strip().lower(), active=True)
    if user is None:
        _verify(_DUMMY_HASH, password)
        raise AuthError("bad_credentials")
    if user.locked_until and user.locked_until > now:
        raise AuthError("locked")
    if not _verify(user.password_hash, password):
        failures = user.failed_logins + 1
        locked = now + LOCKOUT if failures >= MAX_FAILURES else None
        await StaffUser.filter(id=user.id).update(
            failed_logins=0 if locked else failures, locked_until=locked)
        raise AuthError("locked" if locked else "bad_credentials")
    await StaffUser.filter(id=user.id).update(failed_logins=0, locked_until=None, last_login_at=now)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    await StaffSession.create(token_hash=token_hash(token), user_id=user.id, csrf=csrf,
                              expires_at=now + SESSION_TTL)
    return token, Staff(user.id, user.username, user.role, csrf)


async def set_password(user_id: int, password: str) -> None:
    """A new password ends every session of that account and lifts a lockout."""
    if len(password) < MIN_PASSWORD:
        raise AuthError("weak_password")
    await StaffUser.filter(id=user_id).update(password_hash=_hasher.hash(password), failed_logins=0,
                                              locked_until=None)
    await StaffSession.filter(user_id=user_id).delete()


def _verify(stored: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(stored, password))
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
