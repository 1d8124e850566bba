"""Official-account state shared by every worker and host: retries, conversations, followers."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WechatInbound(Model):
    """One inbound message or event, keyed the way WeChat's retries repeat it.

    The primary key is the de-duplication: the first attempt inserts, every retry collides and
    is answered with the stored reply. It is also the outbox of answers too slow for a passive
    reply (``bot.outbox``): ``late`` rows are owed a customer-service message, and whoever moves a
    row from ``late`` to ``sending`` is the one that sends it. Finished rows are purged after a
    few minutes, owed ones after WeChat's 48-hour window.
    """

    key = fields.CharField(max_length=64, primary_key=True)
    user = fields.CharField(max_length=64)
    # processing → done (answered passively) | late → sending → sent | failed | unknown | expired
    status = fields.CharField(max_length=16, default="processing")
    reply = fields.TextField(default="")  # the passive-reply XML before encryption, or "success"
    # The message as WeChat sent it (decrypted), kept only while an answer is owed: a worker that
    # dies before answering leaves enough for another to answer in its place.
    request = fields.TextField(default="", db_default="")
    # Until when the worker that holds the row may still be working on it; after that, any
    # worker may take it over (NULL: handed back, take it at once).
    lease_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "wechat_inbound"


class WechatUserState(Model):
    """Short-lived conversation state: the numbered suggestions last offered to a user.

    Also the topic of the last answer (``core.conversation``): the entry a follow-up such as
    "那在哪里办" is about. Suggestions are valid until ``expires_at``, the topic until
    ``topic_expires_at``."""

    user = fields.CharField(max_length=64, primary_key=True)
    suggestions: fields.JSONField[list[str]] = fields.JSONField(default=list)  # entry ids
    expires_at = fields.DatetimeField()
    topic_entry = fields.CharField(max_length=64, default="", db_default="")
    # The question that got the topic's answer, masked: a thumbs-down ("没用") right after it is
    # recorded for staff with the question it is about.
    topic_question = fields.CharField(max_length=200, default="", db_default="")
    topic_expires_at = fields.DatetimeField(null=True)

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
