"""Notice rules shared by the console, the public pages and the bot's "最新通知".

Plain functions with the clock passed in: which notices are public, which state changes make
sense, and which cover images are acceptable. The console only translates forms into these calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from core.models import Notice

# What the public API and the bot read: everything but the cover bytes, which can be megabytes
# per row and are only ever served by the cover route.
_LISTED_FIELDS = ("id", "title", "summary", "status", "publish_at", "cover_type", "created_at",
                  "updated_at")

COVER_MAX_BYTES = 2 * 1024 * 1024
# Ids beyond the INTEGER column never exist; PostgreSQL would reject the comparison itself.
MAX_ID = 2**31 - 1

# Console actions a form can ask for. "save" keeps the current state (new notices start as drafts).
ACTIONS = ("save", "draft", "schedule", "publish", "archive")

# From each effective state, the actions that make sense. Archived notices must go back to draft
# before they can be shown again, so nothing reappears by accident; drafts were never public, so
# there is nothing to archive.
ALLOWED: dict[str, frozenset[str]] = {
    "draft": frozenset({"save", "draft", "schedule", "publish"}),
    "scheduled": frozenset({"save", "draft", "schedule", "publish"}),
    "published": frozenset({"save", "draft", "archive", "publish"}),
    "archived": frozenset({"save", "draft"}),
}


class NoticeRuleError(Exception):
    """``code`` keys a Chinese message in content.messages.ERRORS."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def is_public(now: datetime) -> Q:
    """Published, or scheduled with its moment reached: no job has to flip the state on time."""
    return Q(status="published") | (Q(status="scheduled") & Q(publish_at__lte=now))


def effective_state(status: str, publish_at: datetime | None, now: datetime) -> str:
    """A scheduled notice whose time has come is published in everything but the stored word."""
    if status == "scheduled" and publish_at is not None and publish_at <= now:
        return "published"
    return status


@dataclass(frozen=True)
class Transition:
    status: str
    publish_at: datetime | None


def transition(status: str, publish_at: datetime | None, action: str, now: datetime,
               requested_at: datetime | None = None) -> Transition:
    """The state and publish time after ``action``; raises NoticeRuleError when it makes no sense.

    ``requested_at`` (aware, any zone) is only read by "schedule".
    """
    if action not in ACTIONS:
        raise NoticeRuleError("notice_bad_action")
    current = effective_state(status, publish_at, now)
    if action not in ALLOWED[current]:
        raise NoticeRuleError(f"notice_cannot_{action}")
    if action == "save":
        return Transition(status, publish_at)
    if action == "draft":
        return Transition("draft", None)
    if action == "schedule":
        if requested_at is None:
            raise NoticeRuleError("notice_schedule_missing")
        if requested_at <= now:
            raise NoticeRuleError("notice_schedule_past")
        return Transition("scheduled", requested_at)
    if action == "publish":
        # Re-publishing something already public keeps its date, so an edit does not bump it to
        # the top of the residents' list.
        return Transition("published", publish_at if current == "published" and publish_at else now)
    return Transition("archived", publish_at)


def sniff_image(data: bytes) -> str | None:
    """The image type from the file's first bytes (never its name or the browser's claim)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_cover(data: bytes) -> str:
    """The cover's content type; raises NoticeRuleError for anything but a small PNG/JPEG/WebP."""
    if not data:
        raise NoticeRuleError("notice_cover_empty")
    if len(data) > COVER_MAX_BYTES:
        raise NoticeRuleError("notice_cover_too_big")
    kind = sniff_image(data)
    if kind is None:
        raise NoticeRuleError("notice_cover_type")
    return kind


async def published_notices(now: datetime, limit: int) -> list[Notice]:
    return await (Notice.filter(is_public(now)).only(*_LISTED_FIELDS)
                  .order_by("-publish_at", "-id").limit(limit))


async def public_notice(notice_id: int, now: datetime) -> Notice | None:
    if not 0 < notice_id <= MAX_ID:
        return None
    return await Notice.filter(is_public(now), id=notice_id).first()
