"""Guided-flow state (``core.flows``): one row per resident while a short guided conversation
(the 政策找人 self-check) is under way."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class GuidedFlowState(Model):
    """Where one resident is in a guided flow.

    The answers are personal data: ``answers_enc`` is the field cipher's text, bound to this
    table, column and openid. The row expires 30 minutes after the last message, and
    ``core.retention`` deletes it then."""

    user = fields.CharField(max_length=64, primary_key=True)
    flow = fields.CharField(max_length=32)
    step = fields.IntField(default=0)
    answers_enc = fields.TextField(default="")
    expires_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "guided_flow_state"
