"""Crisis messages: recorded for staff as urgent, listed first in the console, purged in time."""

from __future__ import annotations

import logging
from datetime import datetime

from tortoise.transactions import in_transaction

from core import audit, pii
from core.models import UrgentMessage

log = logging.getLogger("baoshan.urgent")
EXCERPT_CHARS = 200


async def record(kind: str, channel: str, text: str) -> None:
    """Never raises: the resident's answer (the help numbers) matters more than this record."""
    try:
        await UrgentMessage.create(kind=kind, channel=channel[:16],
                                   excerpt=pii.mask_free_text(text)[:EXCERPT_CHARS])
    except Exception:
        log.exception("urgent message not recorded", extra={"kind": kind, "channel": channel})
        return
    # The kind and channel only: the words stay in the table, masked.
    log.warning("crisis message answered", extra={"kind": kind, "channel": channel})


async def open_count() -> int:
    return await UrgentMessage.filter(handled_at__isnull=True).count()


async def recent(limit: int = 50) -> list[UrgentMessage]:
    return await UrgentMessage.all().order_by("-created_at").limit(limit)


async def mark_handled(actor: audit.Actor, message_id: int, now: datetime) -> bool:
    """Staff followed the message up; False when it was already marked (nothing audited twice)."""
    async with in_transaction() as conn:
        done = await UrgentMessage.filter(id=message_id, handled_at__isnull=True).using_db(conn) \
            .update(handled_at=now, handled_by=actor.username[:64])
        if done:
            await audit.record(actor, "urgent.handled", message_id, conn=conn)
    return bool(done)


async def purge(before: datetime) -> int:
    return await UrgentMessage.filter(created_at__lt=before).delete()
