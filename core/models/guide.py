"""Step-by-step guides (社会组织成立“一件事”远程导办、网办小视频): a guide and its ordered steps.

The bundled guides (core/guide_data/guides.yaml) are loaded into these tables on first start
(core.guide_seed); staff edit them in the console from then on.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

VIDEO_KINDS = ("", "file", "link")


class Guide(Model):
    # A readable slug ("social-group-setup"): it is the page's and the API's id.
    id = fields.CharField(max_length=64, primary_key=True)
    title = fields.CharField(max_length=120)
    summary = fields.CharField(max_length=500, default="")
    # Words that make the bot answer with this guide ("社会团体", "协会"…), a JSON list of str.
    keywords: Any = fields.JSONField(default=list)
    sources = fields.CharField(max_length=500, default="")  # the rules the text rests on
    reviewed_on = fields.DateField(null=True)  # when someone last checked it against them
    position = fields.IntField(default=0)
    published = fields.BooleanField(default=False, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    steps: fields.ReverseRelation[GuideStep]

    class Meta:
        table = "guide"


class GuideStep(Model):
    id = fields.IntField(primary_key=True)
    guide: fields.ForeignKeyRelation[Guide] = fields.ForeignKeyField(
        "core.Guide", related_name="steps", on_delete=fields.CASCADE)
    guide_id: str  # added by Tortoise at runtime; declared for the type checker
    position = fields.IntField(default=0)
    title = fields.CharField(max_length=120)
    detail = fields.TextField(default="")
    materials: Any = fields.JSONField(default=list)  # list of str
    keywords: Any = fields.JSONField(default=list)  # words naming this step ("名称核准"…)
    # 网办小视频: "" none, "file" an uploaded MP4 under var/guide_videos, "link" an https page.
    video_kind = fields.CharField(max_length=8, default="")
    video_title = fields.CharField(max_length=120, default="")
    video_url = fields.CharField(max_length=500, default="")  # the link (kind "link")
    video_file = fields.CharField(max_length=80, default="")  # the stored file's name (kind "file")
    video_size = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "guide_step"
