"""Published content: notices and charity-week (上海慈善周) campaigns."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

NOTICE_STATES = ("draft", "scheduled", "published", "archived")


class CharityCampaign(Model):
    """One 上海慈善周 campaign: its dates, an intro, and the charity events held within them.

    Its events are the charity_event slots whose dates fall between starts_on and ends_on, so
    staff open them like any other slot.
    """

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=120)
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    intro = fields.TextField(default="")  # Markdown as written
    intro_html = fields.TextField(default="")  # sanitised rendering, kept with the source
    published = fields.BooleanField(default=False, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    notices: fields.ReverseRelation[Notice]

    class Meta:
        table = "content_campaign"


class Notice(Model):
    """A notice staff write in Markdown. Scheduled notices go public at publish_at by themselves."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=120)
    summary = fields.CharField(max_length=300, default="")
    body = fields.TextField(default="")
    body_html = fields.TextField(default="")  # sanitised rendering of body, made when saved
    status = fields.CharField(max_length=16, default="draft", db_index=True)
    publish_at = fields.DatetimeField(null=True, db_index=True)
    author = fields.CharField(max_length=64, default="")
    # The cover lives in the database so every host serves it without shared disks.
    cover = fields.BinaryField(null=True)
    cover_type = fields.CharField(max_length=32, default="")
    campaign: fields.ForeignKeyNullableRelation[CharityCampaign] = fields.ForeignKeyField(
        "core.CharityCampaign", related_name="notices", null=True, on_delete=fields.SET_NULL)
    # Tortoise adds `campaign_id` at runtime; declared for the type checker.
    campaign_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "content_notice"
