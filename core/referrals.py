"""Referrals to the community assistance adviser (社区救助顾问): the resident's side.

A resident who consents hands their name, phone, 街镇, self-check answers and a note to the
adviser station of their 街镇 (``submit``); they see each request's status (``mine``) and can
withdraw consent (``withdraw``), which erases everything that names them at once: the row and its
staff notes go, an anonymous tally line stays for the counts, and the audit keeps only that a
withdrawal happened. The staff side is ``core.referral_desk``; counts and retention are
``core.referral_stats``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from core import audit, catalogue, referral_stats
from core.booking.rules import parse_name, parse_phone
from core.crypto import FieldCipher, mask_name, mask_phone
from core.errors import DomainError
from core.field_binding import BoundField
from core.models import Referral, ReferralEvent
from core.streets import streets

# The consent sentence residents agree to is ``referral_consent`` in the residents catalogue;
# bump this when its wording changes, so each referral records which text was agreed to.
CONSENT_VERSION = "2026-12-v1"
PERSONAL = BoundField("referral", "personal_enc")
EVENT_TEXT = BoundField("referral_event", "text_enc")
# The resident's account in the audit: who they are is not the audit's business.
RESIDENT_ACTOR = "resident"
MAX_NOTE = 500
MAX_ANSWERS = 30
MAX_ANSWER_TEXT = 100
# Open requests one account may have at once: enough for a household's several needs, not a flood.
MAX_OPEN = 5


def consent_text() -> str:
    return catalogue.text("residents", "referral_consent")


def row_key(ref: str) -> str:
    return f"ref:{ref}"


def new_ref() -> str:
    return secrets.token_hex(16)


def _invalid(field: str, code: str) -> DomainError:
    return DomainError("invalid_input", field=field,
                       params={"detail": catalogue.text("residents", code)})


def parse_answers(raw: Any) -> dict[str, str | int | float | bool | None]:
    """The self-check answers as given (the questions are the policy check's): short keys and
    scalar values only, so a request cannot smuggle in a document."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > MAX_ANSWERS:
        raise _invalid("answers", "referral_bad_answers")
    out: dict[str, str | int | float | bool | None] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not 0 < len(key) <= 64:
            raise _invalid("answers", "referral_bad_answers")
        if isinstance(value, str):
            value = value.strip()
            if len(value) > MAX_ANSWER_TEXT:
                raise _invalid("answers", "referral_bad_answers")
        elif value is not None and not isinstance(value, bool | int | float):
            raise _invalid("answers", "referral_bad_answers")
        out[key] = value
    return out


def parse_note(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise _invalid("note", "referral_bad_note")
    note = raw.strip()  # free text as typed: NFKC would turn its Chinese punctuation into ASCII
    if len(note) > MAX_NOTE:
        raise _invalid("note", "referral_bad_note")
    return note


@dataclass(frozen=True)
class SubmitReferral:
    user_id: int
    street: str
    name: str
    phone: str
    answers: dict[str, str | int | float | bool | None]
    note: str
    urgent: bool

    @classmethod
    def from_body(cls, body: Any, *, user_id: int) -> SubmitReferral:
        """Consent first: without an explicit yes nothing else of the body is even read."""
        if not isinstance(body, dict) or body.get("consent") is not True:
            raise DomainError("consent_required", field="consent")
        street = body.get("street")
        if not isinstance(street, str) or streets().get(street) is None:
            raise _invalid("street", "referral_bad_street")
        urgent = body.get("urgent", False)
        if not isinstance(urgent, bool):
            raise _invalid("urgent", "referral_bad_urgent")
        return cls(user_id=user_id, street=street, name=parse_name(body.get("name"), "name"),
                   phone=parse_phone(body.get("phone")), answers=parse_answers(body.get("answers")),
                   note=parse_note(body.get("note")), urgent=urgent)


async def submit(cipher: FieldCipher, cmd: SubmitReferral, *, now: datetime) -> Referral:
    ref = new_ref()
    personal = json.dumps({"name": cmd.name, "phone": cmd.phone, "answers": cmd.answers,
                           "note": cmd.note}, ensure_ascii=False)
    if await Referral.filter(user_id=cmd.user_id).exclude(status="closed").count() >= MAX_OPEN:
        raise DomainError("referral_limit", params={"max": MAX_OPEN})
    async with in_transaction() as conn:
        referral = await Referral.create(
            ref=ref, user_id=cmd.user_id, street=cmd.street, urgent=cmd.urgent,
            personal_enc=PERSONAL.encrypt(cipher, personal, row_key=row_key(ref)),
            masked={"name": mask_name(cmd.name), "phone": mask_phone(cmd.phone)},
            consent_version=CONSENT_VERSION, consent_at=now, using_db=conn)
        await audit.record(RESIDENT_ACTOR, "referral.submit", f"referral:{referral.id}", conn=conn,
                           after={"street": cmd.street, "urgent": cmd.urgent,
                                  "consent_version": CONSENT_VERSION})
    return referral


async def mine(user_id: int) -> list[Referral]:
    return await Referral.filter(user_id=user_id).order_by("-id").limit(100)


async def withdraw(user_id: int, referral_id: int, *, now: datetime) -> None:
    """Consent withdrawn: the referral and its notes are deleted at once (not blanked: nothing
    of the ciphertext stays to be decrypted with a leaked key); a tally line keeps the count."""
    async with in_transaction() as conn:
        referral = await (Referral.filter(id=referral_id, user_id=user_id).using_db(conn)
                          .select_for_update().first())
        if referral is None:
            raise DomainError("referral_not_found")
        await referral_stats.tally(referral, "withdrawn", conn=conn)
        await ReferralEvent.filter(referral_id=referral.id).using_db(conn).delete()
        await Referral.filter(id=referral.id).using_db(conn).delete()
        # Only that it happened: no street, no status, nothing that names the resident.
        await audit.record(RESIDENT_ACTOR, "referral.withdraw", f"referral:{referral_id}", conn=conn)
