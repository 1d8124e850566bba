"""The unanswered-questions list: how questions get in (masked, capped, once a day) and out.

Anyone can reach the public search, so what it stores must not let one client flood the staff's
list (200 anonymous requests once took over the dashboard's top ten) nor keep the personal numbers
residents type into chat. Every row therefore holds:

- the text masked by ``core.pii`` and cut to ``MAX_TEXT_CHARS`` (a question longer than that is
  not one staff can turn into a phrasing anyway);
- the asker only as a keyed hash (``KnowledgeService.user_hash``), never the openid or address;
- at most one row per asker, text and local day: the unique key (user_hash, text_hash, day) and an
  insert that ignores the conflict, which behaves the same on SQLite and PostgreSQL.

``purge_unanswered`` drops rows past their retention period; the daily job calls it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from core import tz
from core.batch import insert_ignoring
from core.models import UnansweredQuestion
from core.pii import mask_free_text
from knowledge.matcher import Result

MAX_TEXT_CHARS = 200
_INSERT = insert_ignoring("unanswered", UnansweredQuestion, (
    "text", "normalized", "reason", "channel", "user_hash", "top_entry_id", "top_score",
    "created_at", "text_hash", "day"))


def stored_text(text: str) -> str:
    """Free text as it may be stored: masked (after NFKC), then capped."""
    return mask_free_text(text)[:MAX_TEXT_CHARS]


def text_hash(normalized: str) -> str:
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


async def record(result: Result, *, channel: str, user_hash: str,
                 now: datetime | None = None) -> None:
    """Keeps one unanswered question; a repeat by the same asker on the same day is ignored.

    The dedup key is taken over the *stored* (masked, capped) normalised text, so "我的手机
    13800138000" and "我的手机13900139000" from one asker are one gap, as they are for staff.
    """
    now = now or datetime.now(UTC)
    normalized = stored_text(result.normalised)
    top = result.other or result.top
    row = dict(
        text=stored_text(result.query), normalized=normalized, reason=result.intent[:16],
        channel=channel[:16], user_hash=user_hash, top_entry_id=top.entry.id if top else "",
        top_score=round(top.score, 4) if top else 0.0, created_at=now,
        text_hash=text_hash(normalized), day=tz.local_day(now))
    # INSERT … ON CONFLICT DO NOTHING on both databases: concurrent repeats never raise, and the
    # winner's row stands. Coalesced with other questions of the same moment (core.batch).
    await _INSERT(row)


async def purge_unanswered(before: datetime) -> int:
    """Deletes unanswered questions recorded before ``before``; returns how many.

    The daily job passes now − ``settings.retention_unanswered_days``."""
    return await UnansweredQuestion.filter(created_at__lt=before).delete()
