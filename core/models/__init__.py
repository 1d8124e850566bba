"""All ORM models, re-exported so Tortoise discovers them from one module."""

from core.models.booking import (
    Booking,
    BookingClaim,
    BookingLookup,
    IdempotencyKey,
    MiniappSession,
    MiniappUser,
    Notification,
    RateCounter,
    Slot,
    Subscription,
    WaitlistEntry,
)
from core.models.content import CharityCampaign, Notice
from core.models.flows import GuidedFlowState
from core.models.guide import Guide, GuideStep
from core.models.kb import KbEntry, UnansweredQuestion
from core.models.proxy import Place, ProxyOrder, SweepPackage
from core.models.referral import Referral, ReferralEvent, ReferralTally
from core.models.review import AnswerReview
from core.models.staff import StaffSession, StaffUser
from core.models.system import AuditLog, DailyCount, Setting
from core.models.urgent import UrgentMessage
from core.models.wechat import WechatAccessToken, WechatFollower, WechatInbound, WechatUserState

__all__ = [
    "AnswerReview",
    "AuditLog",
    "Booking",
    "BookingClaim",
    "BookingLookup",
    "CharityCampaign",
    "DailyCount",
    "Guide",
    "GuideStep",
    "GuidedFlowState",
    "IdempotencyKey",
    "KbEntry",
    "MiniappSession",
    "MiniappUser",
    "Notice",
    "Notification",
    "Place",
    "ProxyOrder",
    "RateCounter",
    "Referral",
    "ReferralEvent",
    "ReferralTally",
    "Setting",
    "Slot",
    "StaffSession",
    "StaffUser",
    "Subscription",
    "SweepPackage",
    "UnansweredQuestion",
    "UrgentMessage",
    "WaitlistEntry",
    "WechatAccessToken",
    "WechatFollower",
    "WechatInbound",
    "WechatUserState",
]
