"""Crisis messages staff must see first (knowledge.crisis recognised them)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class UrgentMessage(Model):
    """One crisis message: what kind, where from, the masked words, and who followed it up.

    Nothing else about the resident is kept here (no openid, no address): the resident was told
    whom to call and that replying "人工" reaches a person; this row is for staff to see that it
    happened and to follow up through customer service.
    """

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=32)
    channel = fields.CharField(max_length=16)
    excerpt = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    handled_at = fields.DatetimeField(null=True)
    handled_by = fields.CharField(max_length=64, default="")

    class Meta:
        table = "urgent_message"
