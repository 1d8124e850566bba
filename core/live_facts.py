"""Live lines under a few answers, read from the slots: the coming themed 集体颁证 ceremonies under
a request to sign up, the 清明/冬至 campaign's state under "清明扫墓要预约吗" or a request to book
tomb sweeping.

Best effort and bounded: a slow or failing database costs the resident this line, never the
answer it sits under (WeChat wants the answer within 5 s).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from core import catalogue
from core.answer_words import BookingIntent

log = logging.getLogger("baoshan.live_facts")

CEREMONY_PATH_SUFFIX = "service=collective_ceremony"
TOMB_PATH_SUFFIX = "service=tomb_sweeping"
CEREMONY_LINES = 3
# The knowledge entries whose answer the campaign's state completes.
TOMB_ENTRIES = frozenset({"fu-qingming-booking"})
READ_WITHIN = 0.5  # seconds


async def _ceremonies() -> str:
    from core.booking.slots import ceremony_line, coming

    slots = await coming("collective_ceremony", datetime.now(UTC), CEREMONY_LINES)
    if not slots:
        return ""
    return catalogue.text("residents", "ceremony_coming",
                          {"lines": "\n".join(ceremony_line(s) for s in slots)})


async def _tomb_campaign() -> str:
    from core.booking.campaign import status_text

    return await status_text(datetime.now(UTC)) or ""


async def _bounded(what: str, read: asyncio.Future[str] | asyncio.Task[str]) -> str:
    try:
        return await asyncio.wait_for(read, READ_WITHIN)
    except Exception:  # a database hiccup or a slow read: the answer goes without the line
        log.warning("live line not read", extra={"what": what}, exc_info=True)
        return ""


async def for_booking(booking: BookingIntent) -> str:
    """The line under a booking reply, "" for services without one."""
    if booking.path.endswith(CEREMONY_PATH_SUFFIX):
        return await _bounded("ceremonies", asyncio.ensure_future(_ceremonies()))
    if booking.path.endswith(TOMB_PATH_SUFFIX):
        return await _bounded("tomb_campaign", asyncio.ensure_future(_tomb_campaign()))
    return ""


async def for_entry(entry_id: str) -> str:
    """The line under a knowledge answer, "" for entries without one."""
    if entry_id in TOMB_ENTRIES:
        return await _bounded("tomb_campaign", asyncio.ensure_future(_tomb_campaign()))
    return ""
