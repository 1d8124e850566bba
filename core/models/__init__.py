"""All ORM models, re-exported so Tortoise discovers them from one module."""

from core.models.kb import KbEntry, UnansweredQuestion
from core.models.system import AuditLog, Setting
from core.models.wechat import WechatAccessToken, WechatFollower, WechatInbound, WechatUserState

__all__ = ["AuditLog", "KbEntry", "Setting", "UnansweredQuestion", "WechatAccessToken", "WechatFollower",
           "WechatInbound", "WechatUserState"]
