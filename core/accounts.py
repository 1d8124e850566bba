"""Staff accounts as a service: create, change role, (de)activate, unlock, reset the password.

Each use case is one function that owns its transaction, its rules and its audit row (written in
the same transaction, so a change and its record land together). The console and the
``staff add`` command both call ``add``. Signing in is ``content.auth``'s; its refusals are the
``AuthError`` below, so every account error has one class and one catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import audit
from core.errors import DomainError
from core.models import StaffSession, StaffUser
from core.models.staff import ROLES
from core.passwords import MIN_PASSWORD, hash_password
from core.streets import streets as known_streets

_USERNAME_OK = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")
# What an admin may do to an account from the 账号 page.
ACTIONS = ("role", "activate", "deactivate", "unlock", "password", "streets")
# An admin demoting or locking out themselves could leave the bureau with no admin.
_NOT_ON_ONESELF = ("role", "deactivate")


class AuthError(DomainError):
    """A sign-in or an account change refused; ``code`` keys the staff catalogue."""


class LoginRateLimited(AuthError):
    """Too many login attempts from one address or for one username; nothing was hashed."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("login_rate_limited", params={"retry_after": retry_after})
        self.retry_after = retry_after


class Admin(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...


@dataclass(frozen=True)
class NewAccount:
    username: str
    role: str
    password: str
    streets: tuple[str, ...] = ()  # the 街镇 an adviser serves (core.streets codes)

    @classmethod
    def of(cls, username: str, role: str, password: str,
           streets: tuple[str, ...] = ()) -> NewAccount:
        return cls(username.strip().lower(), role, password, streets)


@dataclass(frozen=True)
class AccountChange:
    user_id: int
    action: str
    role: str = ""
    password: str = ""
    streets: tuple[str, ...] = ()


def street_binding(role: str, streets: tuple[str, ...]) -> str:
    """The stored binding: an adviser serves at least one known 街镇; other roles none (an admin
    sees every street anyway)."""
    if role != "adviser":
        return ""
    known = known_streets().codes
    chosen = [code for code in known if code in set(streets)]  # the file's order, no duplicates
    if not chosen or set(streets) - set(known):
        raise AuthError("adviser_streets", field="streets")
    return ",".join(chosen)


def check_new_account(username: str, role: str, password: str) -> None:
    if not username or len(username) > 64 or set(username) - _USERNAME_OK:
        raise AuthError("bad_username", field="username")
    if role not in ROLES:
        raise AuthError("bad_role", field="role")
    if len(password) < MIN_PASSWORD:
        raise AuthError("weak_password", field="password")


async def add(actor: audit.Actor | str, cmd: NewAccount) -> StaffUser:
    """A new account; ``actor`` is the admin (or "cli"). Raises AuthError."""
    check_new_account(cmd.username, cmd.role, cmd.password)
    bound = street_binding(cmd.role, cmd.streets)
    if await StaffUser.filter(username=cmd.username).exists():
        raise AuthError("username_taken", field="username")  # before the costly hash
    hashed = await hash_password(cmd.password)
    try:
        async with in_transaction() as conn:
            user = await StaffUser.create(username=cmd.username, role=cmd.role, password_hash=hashed,
                                          streets=bound, using_db=conn)
            after = {"username": cmd.username, "role": cmd.role}
            if bound:
                after["streets"] = bound
            await audit.record(actor, "staff.add", cmd.username, conn=conn, after=after)
    except IntegrityError:  # created by someone else since the check above
        raise AuthError("username_taken", field="username") from None
    return user


async def add_staff(username: str, role: str, password: str, *, actor: str = "cli",
                    streets: tuple[str, ...] = ()) -> StaffUser:
    """``add`` from plain arguments: the ``staff add`` command, fixtures."""
    return await add(actor, NewAccount.of(username, role, password, streets))


async def change(actor: Admin, cmd: AccountChange) -> None:
    """Applies one action of the 账号 page to an account. Raises AuthError."""
    password_hash = ""
    if cmd.action == "password":
        if len(cmd.password) < MIN_PASSWORD:
            raise AuthError("weak_password", field="password")
        password_hash = await hash_password(cmd.password)  # outside the transaction: ≈ 0.2 s
    async with in_transaction() as conn:
        user = await StaffUser.get_or_none(id=cmd.user_id, using_db=conn)
        if user is None:
            raise AuthError("staff_not_found")
        if user.id == actor.id and cmd.action in _NOT_ON_ONESELF:
            raise AuthError("staff_self")
        if cmd.action not in ACTIONS:
            raise AuthError("staff_bad_action")
        before: dict[str, Any] = {"role": user.role, "active": user.active}
        if cmd.action == "streets":
            before["streets"] = user.streets
        if cmd.action == "unlock":
            # Which lock was lifted: the audit row of the unlock pairs with the one of the lock.
            before["locked_until"] = user.locked_until.isoformat() if user.locked_until else None
        after = await _apply(conn, user, cmd, password_hash)
        await audit.record(actor, f"staff.{cmd.action}", user.username, before=before, after=after,
                           conn=conn)


def street_codes(raw: str) -> tuple[str, ...]:
    return tuple(code for code in raw.split(",") if code)


async def _apply(conn: Any, user: StaffUser, cmd: AccountChange,
                 password_hash: str) -> dict[str, Any]:
    rows = StaffUser.filter(id=user.id).using_db(conn)
    sessions = StaffSession.filter(user_id=user.id).using_db(conn)
    if cmd.action == "role":
        if cmd.role not in ROLES:
            raise AuthError("bad_role", field="role")
        # An adviser keeps the streets they had (or must be given some first); others have none.
        bound = street_binding(cmd.role, cmd.streets or street_codes(user.streets))
        await rows.update(role=cmd.role, streets=bound)
        await sessions.delete()  # the new role applies from the next login
        return {"role": cmd.role, "active": user.active}
    if cmd.action == "streets":
        bound = street_binding(user.role, cmd.streets)
        if user.role != "adviser":
            raise AuthError("adviser_streets", field="streets")
        await rows.update(streets=bound)  # the adviser's queue reads it on every request
        return {"role": user.role, "active": user.active, "streets": bound}
    if cmd.action in ("deactivate", "activate"):
        active = cmd.action == "activate"
        await rows.update(active=active)
        if not active:
            await sessions.delete()
        return {"role": user.role, "active": active}
    if cmd.action == "unlock":
        await rows.update(failed_logins=0, locked_until=None)
        return {"role": user.role, "active": user.active, "unlocked": True, "locked_until": None}
    # A new password ends every session of that account and lifts a lockout.
    await rows.update(password_hash=password_hash, failed_logins=0, locked_until=None)
    await sessions.delete()
    return {"role": user.role, "active": user.active, "password": "已重置"}
