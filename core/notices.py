"""Notices: the rules shared by the console, the public pages and the bot's "最新通知", and the
one service that changes a notice (``save_notice``: save, draft, schedule, publish, archive).

Plain functions with the clock passed in: which notices are public, which state changes make
sense, and which cover images are acceptable. The console only translates forms into a
``SaveNotice`` command and renders what comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core import audit
from core.errors import DomainError
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


class NoticeRuleError(DomainError):
    """A notice rule said no; ``code`` keys the staff catalogue (``notice_*``)."""


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


# The audit verb of each state a save can move a notice into.
_VERB = {"draft": "draft", "scheduled": "schedule", "published": "publish", "archived": "archive"}


@dataclass(frozen=True)
class SaveNotice:
    """One submission of the notice editor, every field already checked (``content.notice_form``).

    ``cover`` is a new cover (bytes, content type), if one was given; ``expected`` is the version
    (``updated_at``) the form was loaded from, so a save after someone else's is a conflict.
    """

    action: str
    title: str
    summary: str
    body: str
    body_html: str
    campaign_id: int | None = None
    requested_at: datetime | None = None
    cover: tuple[bytes, str] | None = None
    remove_cover: bool = False
    expected: datetime | None = None


def snapshot(notice: Notice) -> dict[str, object]:
    """What the audit log keeps of a notice: small fields only, never the body or the cover."""
    return {"title": notice.title, "status": notice.status,
            "publish_at": notice.publish_at.isoformat() if notice.publish_at else None,
            "cover": notice.cover_type or None,
            "campaign_id": notice.campaign_id}


async def save_notice(actor: audit.Actor, notice_id: int | None, cmd: SaveNotice, *,
                      now: datetime) -> Notice:
    """Creates (``notice_id`` None) or changes a notice, its state moved by ``cmd.action``; the
    notice and its audit rows are written in one transaction, all of it or none of it.

    Raises NoticeRuleError: ``notice_not_found``, a refused transition (``transition``), or
    ``notice_conflict`` when the notice is no longer the version the form was loaded from
    (``cmd.expected``; without one, the version read here).
    """
    async with in_transaction() as conn:
        notice = await Notice.get_or_none(id=notice_id, using_db=conn) if notice_id else None
        if notice_id and notice is None:
            raise NoticeRuleError("notice_not_found")
        old_status = notice.status if notice else "draft"
        moved = transition(old_status, notice.publish_at if notice else None, cmd.action, now,
                           cmd.requested_at)
        before = snapshot(notice) if notice else None
        if notice is None:
            notice = Notice(author=actor.username)
        # The lock: write first, conditionally. Of two saves from the same version exactly one
        # matches, and the other editor's work is not overwritten.
        elif not await Notice.filter(id=notice.id, updated_at=cmd.expected or notice.updated_at) \
                .using_db(conn).update(updated_at=now):
            raise NoticeRuleError("notice_conflict")
        notice.title, notice.summary = cmd.title, cmd.summary
        notice.body, notice.body_html = cmd.body, cmd.body_html
        notice.campaign_id = cmd.campaign_id
        notice.status, notice.publish_at = moved.status, moved.publish_at
        if cmd.cover is not None:
            notice.cover, notice.cover_type = cmd.cover
        elif cmd.remove_cover:
            notice.cover, notice.cover_type = None, ""
        await notice.save(using_db=conn)
        after = snapshot(notice)
        if before is None:
            await audit.record(actor, "notice.create", notice.id, after=after, conn=conn)
        if moved.status != old_status:
            await audit.record(actor, f"notice.{_VERB[moved.status]}", notice.id, conn=conn,
                               before=before or {"status": "draft"}, after=after)
        elif before is not None:
            await audit.record(actor, "notice.update", notice.id, before=before, after=after,
                               conn=conn)
    return notice
