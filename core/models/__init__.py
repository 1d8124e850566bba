"""All ORM models, re-exported so Tortoise discovers them from one module."""

from core.models.kb import KbEntry, UnansweredQuestion
from core.models.staff import StaffSession, StaffUser
from core.models.system import AuditLog, Setting
from core.models.wechat import WechatAccessToken, WechatFollower, WechatInbound, WechatUserState

__all__ = ["AuditLog", "KbEntry", "Setting", "StaffSession", "StaffUser", "UnansweredQuestion",
           "WechatAccessToken", "WechatFollower", "WechatInbound", "WechatUserState"]
