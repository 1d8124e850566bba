"""Official-account state shared by every worker and host: retries, conversations, followers."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WechatInbound(Model):
    """One inbound message or event, keyed the way WeChat's retries repeat it.

    The primary key is the de-duplication: the first attempt inserts, every retry collides and
    is answered with the stored reply. Rows older than a few minutes are purged.
    """

    key = fields.CharField(max_length=64, primary_key=True)
    user = fields.CharField(max_length=64)
    status = fields.CharField(max_length=16, default="processing")  # processing | done
    reply = fields.TextField(default="")  # the passive-reply XML before encryption, or "success"
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "wechat_inbound"


class WechatUserState(Model):
    """Short-lived conversation state: the numbered suggestions last offered to a user."""

    user = fields.CharField(max_length=64, primary_key=True)
    suggestions: fields.Field = fields.JSONField(default=list)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "wechat_user_state"


class WechatFollower(Model):
    user = fields.CharField(max_length=64, primary_key=True)
    subscribed = fields.BooleanField(default=True)
    scene = fields.CharField(max_length=64, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "wechat_follower"


class WechatAccessToken(Model):
    """The one access token per app, shared by every worker (lease_until marks a refresh)."""

    app_id = fields.CharField(max_length=64, primary_key=True)
    token = fields.CharField(max_length=600, default="")
    expires_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)

    class Meta:
        table = "wechat_access_token"
