"""Published content: notices (and, later, charity-week campaigns)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

NOTICE_STATES = ("draft", "scheduled", "published", "archived")


class Notice(Model):
    """A notice staff write in Markdown. Scheduled notices go public at publish_at by themselves."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=120)
    summary = fields.CharField(max_length=300, default="")
    body = fields.TextField(default="")
    status = fields.CharField(max_length=16, default="draft", db_index=True)
    publish_at = fields.DatetimeField(null=True, db_index=True)
    author = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "content_notice"
