"""Answers staff should look at again (``core.answer_review``)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AnswerReview(Model):
    """An answer staff should look at again: a small lead, or a resident's thumbs-down.

    Either the top entry led the next one by less than ``REVIEW_MARGIN``, or the resident said
    it did not help ("没用" right after it).

    Written only by ``core.answer_review.record``: the question is masked (core.pii) and capped,
    the asker is a keyed hash (never the openid or address), and one asker's same question for
    the same reason on one day is one row (the unique key below).
    """

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    channel = fields.CharField(max_length=16)
    text = fields.CharField(max_length=500)
    normalized = fields.CharField(max_length=500, db_index=True)
    text_hash = fields.CharField(max_length=64)
    entry_id = fields.CharField(max_length=64)
    runner_up_id = fields.CharField(max_length=64, default="")
    margin = fields.FloatField(default=0)
    reason = fields.CharField(max_length=16)  # small_margin | thumbs_down
    user_hash = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "answer_review"
        unique_together = (("user_hash", "text_hash", "day", "reason"),)
