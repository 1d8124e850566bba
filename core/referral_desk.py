"""Referrals to the community assistance adviser: the adviser's side (console).

An adviser is bound to one or more 街镇 (``StaffUser.streets``) and sees only their referrals; an
admin sees all. A referral that is not the viewer's to see answers ``referral_not_found`` (404),
the same as one that does not exist, so ids reveal nothing. Personal data shows only to whoever
claimed the referral, and each such view is audited; everyone else sees the masked copy. Every
change (claim, note, contact attempt, close) is one transaction with its audit row, which never
holds personal data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import audit, sql
from core.crypto import FieldCipher, FieldDecryptError
from core.errors import DomainError
from core.models import Referral, ReferralEvent, StaffUser
from core.models.referral import OUTCOMES
from core.referrals import EVENT_TEXT, PERSONAL, new_ref, row_key

# Overdue: not yet contacted two working days after the request (weekends and holidays skipped).
OVERDUE_WORKING_DAYS = 2
MAX_TEXT = 500


class ReferralError(DomainError):
    """A refused adviser action; ``code`` keys the staff catalogue."""


@dataclass(frozen=True)
class Desk:
    """Who is looking: their name, whether they see every street, and the streets they serve."""

    username: str
    admin: bool
    streets: tuple[str, ...]

    def sees(self, street: str) -> bool:
        return self.admin or street in self.streets


def street_codes(raw: str) -> tuple[str, ...]:
    return tuple(code for code in raw.split(",") if code)


async def desk_of(staff_id: int) -> Desk:
    """Read from the account on every request, so a changed binding applies at once."""
    user = await StaffUser.get(id=staff_id)
    return Desk(user.username, user.role == "admin", street_codes(user.streets))


def overdue_at(created: datetime, holidays: Iterable[date] = ()) -> datetime:
    """The moment ``OVERDUE_WORKING_DAYS`` working days after ``created`` (same time of day)."""
    skip = set(holidays)
    moment, counted = created, 0
    while counted < OVERDUE_WORKING_DAYS:
        moment += timedelta(days=1)
        day = moment.date()
        if day.weekday() < 5 and day not in skip:
            counted += 1
    return moment


def is_overdue(referral: Referral, now: datetime, holidays: Iterable[date] = ()) -> bool:
    created = sql.aware(referral.created_at)
    return (referral.status == "submitted" and created is not None
            and now > overdue_at(created.astimezone(now.tzinfo), holidays))


async def queue(desk: Desk, *, street: str = "", closed: bool = False) -> list[Referral]:
    """Open referrals (or closed ones) of the streets the desk sees: not yet contacted first,
    urgent first among them, then the oldest first (the longest waiting is next)."""
    rows = Referral.all() if desk.admin else Referral.filter(street__in=list(desk.streets))
    if street:
        rows = rows.filter(street=street)
    if closed:
        return await rows.filter(status="closed").order_by("-closed_at").limit(200)
    found = await rows.exclude(status="closed").order_by("id").limit(500)
    order = {"submitted": 0, "contacted": 1}
    return sorted(found, key=lambda r: (order.get(r.status, 2), not r.urgent, r.id))


async def _get(desk: Desk, referral_id: int, conn: BaseDBAsyncClient | None = None, *,
               lock: bool = False) -> Referral:
    query = Referral.filter(id=referral_id).using_db(conn)
    referral = await (query.select_for_update() if lock else query).first()
    if referral is None or not desk.sees(referral.street):
        raise ReferralError("referral_not_found")
    return referral


@dataclass(frozen=True)
class Event:
    kind: str
    actor: str
    created_at: datetime
    text: str  # "" when the viewer may not read it


@dataclass(frozen=True)
class Detail:
    referral: Referral
    mine: bool  # claimed by the viewer: personal data shown
    personal: dict[str, Any]  # name, phone, answers, note, or the masked copy
    events: list[Event]


def _decrypt(cipher: FieldCipher, field: Any, token: str, key: str) -> str | None:
    try:
        return str(field.decrypt(cipher, token, row_key=key))
    except FieldDecryptError:
        return None


async def view(cipher: FieldCipher, desk: Desk, referral_id: int) -> Detail:
    referral = await _get(desk, referral_id)
    mine = bool(referral.claimed_by) and referral.claimed_by == desk.username
    rows = await ReferralEvent.filter(referral_id=referral.id).order_by("id")
    if not mine:
        events = [Event(e.kind, e.actor, e.created_at, "") for e in rows]
        return Detail(referral, False, dict(referral.masked), events)
    raw = _decrypt(cipher, PERSONAL, referral.personal_enc, row_key(referral.ref))
    personal: dict[str, Any] = json.loads(raw) if raw else {**referral.masked, "unreadable": True}
    events = [Event(e.kind, e.actor, e.created_at,
                    _decrypt(cipher, EVENT_TEXT, e.text_enc, row_key(e.ref)) or "")
              for e in rows]
    # Reading personal data is itself recorded: who, which referral, never what.
    await audit.record(desk.username, "referral.view", f"referral:{referral.id}")
    return Detail(referral, True, personal, events)


async def claim(desk: Desk, referral_id: int, *, now: datetime) -> None:
    async with in_transaction() as conn:
        referral = await _get(desk, referral_id, conn, lock=True)
        if referral.status == "closed":
            raise ReferralError("referral_closed")
        if referral.claimed_by and referral.claimed_by != desk.username and not desk.admin:
            raise ReferralError("referral_claimed", params={"username": referral.claimed_by})
        await Referral.filter(id=referral.id).using_db(conn).update(claimed_by=desk.username,
                                                                    claimed_at=now)
        await audit.record(desk.username, "referral.claim", f"referral:{referral.id}", conn=conn,
                           before={"claimed_by": referral.claimed_by or None},
                           after={"claimed_by": desk.username})


def _text(raw: str) -> str:
    text = (raw or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ReferralError("referral_bad_text", field="text", params={"max": MAX_TEXT})
    return text


async def _mine_open(desk: Desk, referral_id: int, conn: BaseDBAsyncClient) -> Referral:
    referral = await _get(desk, referral_id, conn, lock=True)
    if referral.status == "closed":
        raise ReferralError("referral_closed")
    if referral.claimed_by != desk.username:
        raise ReferralError("referral_not_yours")
    return referral


async def add_note(cipher: FieldCipher, desk: Desk, referral_id: int, text: str, *,
                   now: datetime, attempt: bool = False, reached: bool = False) -> None:
    """A note, or a contact attempt (``attempt``); a reached contact is the first contact if
    there was none and moves the referral to "contacted"."""
    clean = _text(text)
    kind = "attempt" if attempt else "note"
    async with in_transaction() as conn:
        referral = await _mine_open(desk, referral_id, conn)
        ref = new_ref()
        await ReferralEvent.create(referral_id=referral.id, ref=ref, kind=kind, actor=desk.username,
                                   text_enc=EVENT_TEXT.encrypt(cipher, clean, row_key=row_key(ref)),
                                   using_db=conn)
        after: dict[str, Any] = {"kind": kind}
        if attempt:
            after["reached"] = reached
        if attempt and reached and referral.first_contact_at is None:
            await Referral.filter(id=referral.id).using_db(conn).update(first_contact_at=now,
                                                                        status="contacted")
            after["status"] = "contacted"
        await audit.record(desk.username, "referral.attempt" if attempt else "referral.note",
                           f"referral:{referral.id}", conn=conn,
                           before={"status": referral.status}, after=after)


async def close(desk: Desk, referral_id: int, outcome: str, *, now: datetime) -> None:
    if outcome not in OUTCOMES:
        raise ReferralError("referral_bad_outcome", field="outcome")
    async with in_transaction() as conn:
        referral = await _mine_open(desk, referral_id, conn)
        await Referral.filter(id=referral.id).using_db(conn).update(status="closed", outcome=outcome,
                                                                    closed_at=now)
        await audit.record(desk.username, "referral.close", f"referral:{referral.id}", conn=conn,
                           before={"status": referral.status},
                           after={"status": "closed", "outcome": outcome})
