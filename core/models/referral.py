"""Referrals to the community assistance adviser (社区救助顾问) of a resident's 街镇.

Everything that names the resident (name, phone, the self-check answers, their note) is in one
encrypted field, bound to the row's ``ref``; staff notes and contact attempts are encrypted free
text too. ``ReferralTally`` holds the anonymous remains of a referral that was withdrawn or erased
by retention: no link to the resident or to the row it came from.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from core.models.booking import MiniappUser

STATUSES = ("submitted", "contacted", "closed")
OUTCOMES = ("applied", "referred", "no_need")
EVENT_KINDS = ("note", "attempt")


class Referral(Model):
    id = fields.BigIntField(primary_key=True)
    # A random key the ciphertexts are bound to (the id is not known before the insert).
    ref = fields.CharField(max_length=32, unique=True)
    user: fields.ForeignKeyRelation[MiniappUser] = fields.ForeignKeyField(
        "core.MiniappUser", related_name="referrals", on_delete=fields.CASCADE)
    user_id: int
    street = fields.CharField(max_length=32, db_index=True)
    status = fields.CharField(max_length=16, default="submitted", db_index=True)
    outcome = fields.CharField(max_length=16, default="")
    urgent = fields.BooleanField(default=False)
    personal_enc = fields.TextField()
    masked: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    consent_version = fields.CharField(max_length=32)
    consent_at = fields.DatetimeField()
    claimed_by = fields.CharField(max_length=64, default="")
    claimed_at = fields.DatetimeField(null=True)
    first_contact_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    events: fields.ReverseRelation[ReferralEvent]

    class Meta:
        table = "referral"


class ReferralEvent(Model):
    """A staff note or a contact attempt on a referral; its text is encrypted."""

    id = fields.BigIntField(primary_key=True)
    referral: fields.ForeignKeyRelation[Referral] = fields.ForeignKeyField(
        "core.Referral", related_name="events", on_delete=fields.CASCADE)
    referral_id: int
    ref = fields.CharField(max_length=32, unique=True)
    kind = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=64)
    text_enc = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "referral_event"


class ReferralTally(Model):
    """One anonymous line per referral that has left ``referral``: its street, the month it was
    asked in, whether it was urgent, its outcome ("withdrawn" when the resident withdrew) and the
    hours to first contact. Kept for the counts; nothing in it leads back to a person."""

    id = fields.BigIntField(primary_key=True)
    street = fields.CharField(max_length=32, db_index=True)
    month = fields.CharField(max_length=7)  # YYYY-MM, Shanghai time
    urgent = fields.BooleanField(default=False)
    outcome = fields.CharField(max_length=16, default="")
    hours_to_contact = fields.FloatField(null=True)

    class Meta:
        table = "referral_tally"
