"""Staff's changes to the knowledge base, one function per use case: create, save, (de)activate
an entry, add a waiting question to an entry as a phrasing, dismiss unanswered questions or
answers to review.

Each owns its transaction, its rules, its lock (the entry's ``modified_at``, compared in one
conditional UPDATE by ``save_entry``) and its audit row, written in the same transaction.
Every worker's index follows the version stamp the entry functions move.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import DoesNotExist, IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core import audit, kb
from core.errors import DomainError
from core.kb_version import bump_version
from core.models import AnswerReview, KbEntry, UnansweredQuestion
from core.pii import mask_free_text
from knowledge.entries import Entry

MAX_QUESTION_CHARS = 200


# --- the entry store's two writes, each inside the caller's transaction when given one ---


class EntryConflict(DomainError):
    """The entry changed (or appeared) since the editor loaded it; saving would lose that edit.
    ``kb_id_taken`` when creating, ``kb_conflict`` when saving over someone else's change."""

    def __init__(self, entry_id: str, *, create: bool = False) -> None:
        super().__init__("kb_id_taken" if create else "kb_conflict", field="id" if create else None,
                         params={"entry": entry_id})


async def save_entry(entry: Entry, *, create: bool, now: datetime,
                     expect_modified: datetime | None = None,
                     conn: BaseDBAsyncClient | None = None) -> Entry | None:
    """Insert (``create``) or update one entry and move the version stamp, in one transaction.

    Returns the entry as it was before (None when new). ``expect_modified`` is the row's
    ``modified_at`` when the form was loaded (default: when read here); a different one means
    someone saved in between, and raises EntryConflict instead of overwriting their change.
    ``now`` stamps ``modified_at``: filter-updates skip auto_now, and the edit form's conflict
    check relies on it moving. With ``conn``, inside the caller's transaction.
    """
    if conn is None:
        async with in_transaction() as own:
            return await save_entry(entry, create=create, now=now, expect_modified=expect_modified,
                                    conn=own)
    row = await KbEntry.get_or_none(id=entry.id, using_db=conn)
    if create:
        if row is not None:
            raise EntryConflict(entry.id, create=True)
        try:
            await KbEntry.create(id=entry.id, **kb.row_values(entry), using_db=conn)
        except IntegrityError:  # created by someone else since the read above
            raise EntryConflict(entry.id, create=True) from None
    else:
        if row is None:
            raise DoesNotExist(entry.id)
        # One conditional UPDATE, not compare-then-save: of two concurrent saves from the
        # same form version exactly one matches.
        target = KbEntry.filter(id=entry.id, modified_at=expect_modified or row.modified_at)
        if not await target.using_db(conn).update(**kb.row_values(entry), modified_at=now):
            raise EntryConflict(entry.id)
    await bump_version(conn)
    return kb.entry_from_row(row) if row else None


async def save_active(entry_id: str, active: bool, *, now: datetime,
                      conn: BaseDBAsyncClient | None = None) -> bool:
    """Deactivate (or bring back) an entry instead of deleting it; False when nothing changed."""
    if conn is None:
        async with in_transaction() as own:
            return await save_active(entry_id, active, now=now, conn=own)
    changed = await KbEntry.filter(id=entry_id, active=not active).using_db(conn).update(
        active=active, modified_at=now)
    if changed:
        await bump_version(conn)
    return bool(changed)


# --- the use cases ---


def audit_dict(entry: Entry) -> dict[str, Any]:
    data = entry.to_dict()
    data["updated"] = entry.updated.isoformat() if entry.updated else None
    return data


def changes(before: Entry | None, after: Entry) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(before, after) of the fields that differ, for the audit log; a new entry has no before."""
    new = audit_dict(after)
    if before is None:
        return None, new
    old = audit_dict(before)
    keys = [k for k in new if old.get(k) != new[k]]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


def unanswered(channel: str = "", since: datetime | None = None) -> QuerySet[UnansweredQuestion]:
    """Residents' questions by default; the simulator's only when asked for."""
    qs = UnansweredQuestion.filter(channel=channel) if channel else \
        UnansweredQuestion.exclude(channel=kb.SIMULATOR_CHANNEL)
    return qs.filter(created_at__gte=since) if since else qs


def reviews(reason: str = "", channel: str = "") -> QuerySet[AnswerReview]:
    """Residents' rows by default; the simulator's only when asked for (as for unanswered)."""
    qs = AnswerReview.filter(channel=channel) if channel else \
        AnswerReview.exclude(channel=kb.SIMULATOR_CHANNEL)
    return qs.filter(reason=reason) if reason else qs


async def create(actor: audit.Actor, entry: Entry, *, now: datetime, resolves: str = "") -> None:
    """A new entry; ``resolves`` names the unanswered group it was written for (then handled)."""
    async with in_transaction() as conn:
        await save_entry(entry, create=True, now=now, conn=conn)
        await audit.record(actor, "kb.create", entry.id, after=audit_dict(entry), conn=conn)
        if resolves:
            await _resolve_group(actor, resolves, {"entry": entry.id}, conn)


async def update(actor: audit.Actor, entry: Entry, *, now: datetime,
                 expect_modified: datetime | None) -> bool:
    """Saves an edited entry over the version the form was loaded from (``expect_modified``);
    False when nothing changed (nothing written, nothing logged)."""
    row = await KbEntry.get_or_none(id=entry.id)
    if row is None:
        raise DomainError("kb_not_found")
    if entry == kb.entry_from_row(row):
        return False
    try:
        async with in_transaction() as conn:
            before = await save_entry(entry, create=False, now=now,
                                         expect_modified=expect_modified, conn=conn)
            old, new = changes(before, entry)
            await audit.record(actor, "kb.update", entry.id, before=old, after=new, conn=conn)
    except DoesNotExist:  # deleted since the read above
        raise DomainError("kb_not_found") from None
    return True


async def set_active(actor: audit.Actor, entry_id: str, active: bool, *, now: datetime) -> None:
    if not await KbEntry.filter(id=entry_id).exists():
        raise DomainError("kb_not_found")
    async with in_transaction() as conn:
        if await save_active(entry_id, active, now=now, conn=conn):
            await audit.record(actor, "kb.activate" if active else "kb.deactivate", entry_id,
                               before={"active": not active}, after={"active": active}, conn=conn)


async def attach(actor: audit.Actor, entry_id: str, text: str, normalized: str, *,
                 now: datetime) -> None:
    """Adds a waiting question to an entry as one more phrasing; its group is then handled."""
    text = " ".join(text.split())
    if not text:
        raise DomainError("kb_question_empty", field="text")
    if len(text) > MAX_QUESTION_CHARS:
        raise DomainError("kb_question_too_long", field="text")
    row = await KbEntry.get_or_none(id=entry_id.strip())
    if row is None:
        raise DomainError("kb_not_found", field="entry_id")
    entry = kb.entry_from_row(row)
    try:
        async with in_transaction() as conn:
            if text not in entry.questions:
                # Against the version read: a phrasing added meanwhile by someone else is not lost.
                await save_entry(replace(entry, questions=(*entry.questions, text)), create=False,
                                    now=now, expect_modified=row.modified_at, conn=conn)
                await audit.record(actor, "kb.add_question", entry.id, conn=conn,
                                   before={"questions": list(entry.questions)},
                                   after={"questions": [*entry.questions, text]})
            await _resolve_group(actor, normalized, {"entry": entry.id, "question": text}, conn)
    except EntryConflict:
        raise DomainError("kb_conflict_retry") from None


async def _resolve_group(actor: audit.Actor, normalized: str, after: dict[str, str],
                         conn: BaseDBAsyncClient) -> None:
    """The unanswered questions an entry now answers are handled: drop them, audited."""
    rows = UnansweredQuestion.filter(normalized=normalized).using_db(conn)
    count = await rows.count()
    if count:
        await rows.delete()
        await audit.record(actor, "kb.unanswered_resolve", normalized, conn=conn,
                           before={"normalized": normalized, "count": count}, after=after)


async def dismiss_unanswered(actor: audit.Actor, normalized: str, channel: str) -> None:
    """Only the rows the page showed: dismissing a staff trial leaves residents' questions alone."""
    async with in_transaction() as conn:
        rows = unanswered(channel).filter(normalized=normalized).using_db(conn)
        sample = await rows.order_by("-id").first()
        if sample is None:
            raise DomainError("kb_group_missing")
        count = await rows.count()
        await rows.delete()
        await audit.record(actor, "kb.unanswered_dismiss", normalized, after=None, conn=conn,
                           before={"text": mask_free_text(sample.text), "count": count,
                                   "channel": channel or "residents"})


async def dismiss_review(actor: audit.Actor, normalized: str, entry_id: str, reason: str,
                         channel: str) -> None:
    """Only the rows the page showed, and only for a named reason (as listed)."""
    async with in_transaction() as conn:
        rows = reviews(reason, channel).filter(normalized=normalized, entry_id=entry_id) \
            .using_db(conn)
        sample = await rows.order_by("-id").first() if reason else None
        if sample is None:
            raise DomainError("kb_group_missing")
        count = await rows.count()
        await rows.delete()
        await audit.record(actor, "kb.review_dismiss", entry_id, after=None, conn=conn,
                           before={"text": mask_free_text(sample.text), "reason": reason,
                                   "count": count, "channel": channel or "residents"})
