"""Knowledge-base tables. The YAML files in knowledge/entries are the initial source; after import
the database is the truth, because staff edit entries from the console."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class KbEntry(Model):
    id = fields.CharField(max_length=64, primary_key=True)
    # entry: a civil-affairs answer; out_of_scope: a hand-over to another department;
    # smalltalk: greetings and the like. All three are matched by the same engine.
    kind = fields.CharField(max_length=16, default="entry", db_index=True)
    category = fields.CharField(max_length=32, default="")
    title = fields.CharField(max_length=200)
    answer = fields.TextField()
    questions: fields.JSONField[list[str]] = fields.JSONField(default=list)
    keywords: fields.JSONField[list[str]] = fields.JSONField(default=list)
    topics: fields.JSONField[list[str]] = fields.JSONField(default=list)
    source = fields.CharField(max_length=200, default="")
    department = fields.CharField(max_length=100, default="")
    link = fields.CharField(max_length=500, default="")
    action = fields.CharField(max_length=64, default="")
    updated = fields.DateField(null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    modified_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kb_entry"


class UnansweredQuestion(Model):
    """A question the bot could not answer confidently, kept so staff can fill the gaps.

    Written only by ``core.unanswered.record``: the text is masked (core.pii) and capped, the asker
    is a keyed hash, and one asker's same question on one day is one row (the unique key below),
    so a flood from one address cannot take over the staff's list.
    """

    id = fields.BigIntField(primary_key=True)
    text = fields.CharField(max_length=500)
    normalized = fields.CharField(max_length=500, db_index=True)
    reason = fields.CharField(max_length=16)
    channel = fields.CharField(max_length=16)
    user_hash = fields.CharField(max_length=64, default="")
    top_entry_id = fields.CharField(max_length=64, default="")
    top_score = fields.FloatField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    # SHA-256 of the stored normalised text, and the asker's local (Shanghai) day. Rows from
    # before migration 0006 have day NULL, which a unique key never counts as equal.
    text_hash = fields.CharField(max_length=64, default="", db_default="")
    day = fields.DateField(null=True)

    class Meta:
        table = "kb_unanswered"
        unique_together = (("user_hash", "text_hash", "day"),)
