"""The audit log: every change staff make, with who, what, when, before and after."""

from __future__ import annotations

from typing import Any

from content.auth import Staff
from core.models import AuditLog


async def record(staff: Staff | str, action: str, target: object = "", *,
                 before: Any = None, after: Any = None) -> None:
    """``action`` is "area.verb" (e.g. "notice.publish"); never put passwords or raw ID numbers in."""
    actor = staff if isinstance(staff, str) else staff.username
    await AuditLog.create(actor=actor, action=action, target=str(target)[:128],
                          before=before, after=after)
