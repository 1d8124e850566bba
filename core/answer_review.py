"""Answers for staff to review: confident but barely ahead of the next entry, or called useless.

An answer whose top entry leads the next one by less than ``REVIEW_MARGIN`` is still given (the
matcher judged it confident), but a close runner-up is where wrong-entry answers hide. A resident
replying "没用" right after an answer says so directly. Both land in ``answer_review`` beside the
unanswered list, stored the way ``core.unanswered`` stores questions: the text masked by
``core.pii`` and capped, the asker only as a keyed hash, at most one row per asker, text, reason
and local day (a unique key and an insert that ignores the conflict).
"""

from __future__ import annotations

from datetime import UTC, datetime

from core import tz
from core.batch import insert_ignoring
from core.models import AnswerReview
from core.unanswered import stored_text, text_hash
from knowledge.normalise import normalise

# A lead smaller than this over the next entry makes an answer one staff should see. Not a
# setting: it is a property of the matcher's scores, reviewed with them (bench/RESULTS.md).
REVIEW_MARGIN = 0.05
REASONS = ("small_margin", "thumbs_down")
# INSERT … ON CONFLICT DO NOTHING, coalesced with other answers of the same moment (core.batch).
_INSERT = insert_ignoring("answer_review", AnswerReview, (
    "day", "channel", "text", "normalized", "text_hash", "entry_id", "runner_up_id", "margin",
    "reason", "user_hash", "created_at"))


async def record(*, reason: str, channel: str, question: str, entry_id: str, runner_up_id: str = "",
                 margin: float = 0.0, user_hash: str = "", now: datetime | None = None) -> None:
    """Keeps one answer for review; a repeat by the same asker on the same day is ignored."""
    assert reason in REASONS, reason
    now = now or datetime.now(UTC)
    normalized = stored_text(normalise(question))
    await _INSERT(dict(
        day=tz.local_day(now), channel=channel[:16], text=stored_text(question),
        normalized=normalized, text_hash=text_hash(normalized), entry_id=entry_id[:64],
        runner_up_id=runner_up_id[:64], margin=round(max(margin, 0.0), 4), reason=reason,
        user_hash=user_hash, created_at=now))


async def purge(before: datetime) -> int:
    """Deletes review rows recorded before ``before`` (the unanswered questions' retention)."""
    return await AnswerReview.filter(created_at__lt=before).delete()
