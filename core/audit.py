"""The audit log: every change staff make, with who, what, when, before and after. Services call
``record`` inside their own transaction (``conn``), so a change and its audit row land together."""

from __future__ import annotations

from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient

from core.models import AuditLog


class Actor(Protocol):
    @property
    def username(self) -> str: ...


async def record(actor: Actor | str, action: str, target: object = "", *,
                 before: Any = None, after: Any = None,
                 conn: BaseDBAsyncClient | None = None) -> None:
    """``action`` is "area.verb" (e.g. "notice.publish"); never put passwords or raw ID numbers in."""
    name = actor if isinstance(actor, str) else actor.username
    await AuditLog.create(actor=name, action=action, target=str(target)[:128],
                          before=before, after=after, using_db=conn)
