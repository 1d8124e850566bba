"""Pure booking rules: services, booking windows, personal-data validation. No ORM, no clock.

Everything here is a function of its inputs (``now`` is passed in), so it is tested without a
database or a frozen clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from core import sql
from core.booking.errors import BookingError
from core.tz import SHANGHAI
from knowledge.facts import MARRIAGE_MATERIALS

MARRIAGE = "marriage_registration"
CEREMONY = "collective_ceremony"
ECO_BURIAL = "eco_burial_consultation"
CHARITY = "charity_event"
TOMB = "tomb_sweeping"
MAX_COMPANIONS = 4  # each booker brings at most four relatives (the cemeteries' peak-day rule)
YOUTH = "youth_event"
COUPLE_SERVICES = frozenset({MARRIAGE, CEREMONY})
BURIAL_TYPES = ("sea", "tree", "lawn", "flower", "scatter", "other")
MAX_ECO_ACTIVE = 2
MIN_AGE = {"M": 22, "F": 20}  # 《民法典》第一千零四十七条
# A youth event's age range when its slot sets none: 18 to 45 on the event's day (the contract).
YOUTH_AGES = (18, 45)


@dataclass(frozen=True)
class ServiceRule:
    code: str
    name: str
    description: str
    days_ahead: int  # slots can be booked at most this many days before their date
    close_minutes_before: int  # booking closes this long before the start
    cancel_cutoff_minutes: int  # cancel/reschedule allowed until this long before the start
    extra: Mapping[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "description": self.description,
                "days_ahead": self.days_ahead, "close_minutes_before": self.close_minutes_before,
                "cancel_cutoff_minutes": self.cancel_cutoff_minutes, **self.extra}


DEFAULT_RULES: dict[str, ServiceRule] = {
    MARRIAGE: ServiceRule(
        MARRIAGE, "结婚登记",
        f"宝山区婚姻登记处结婚登记预约，双方须本人到场，各自携带{MARRIAGE_MATERIALS}。",
        30, 60, 120),
    CEREMONY: ServiceRule(
        CEREMONY, "集体颁证", "宝山区婚姻登记处集体颁证仪式报名，每对新人每场限报一次。",
        60, 24 * 60, 24 * 60),
    ECO_BURIAL: ServiceRule(
        ECO_BURIAL, "节地生态安葬咨询",
        "海葬、树葬、草坪葬、花坛葬、撒散等节地生态安葬方式的政策咨询预约。",
        30, 60, 60, {"burial_types": list(BURIAL_TYPES)}),
    CHARITY: ServiceRule(
        CHARITY, "慈善超市活动", "宝山区慈善超市公益活动报名，每人每场限报一次，可携同行人员共五人以内。",
        14, 0, 60, {"max_party_size": 5}),
    TOMB: ServiceRule(
        TOMB, "清明冬至祭扫",
        "清明、冬至高峰日各墓园、骨灰堂分时段预约祭扫，每位预约人可携同行亲属四人以内，每人均须实名登记"
        "（姓名、身份证号），每人每天限约一次；非高峰日无需预约。",
        30, 0, 60, {"max_companions": MAX_COMPANIONS}),
    # "幸福加油站" is the bureau's brand for young people's meet-ups (2024 work points, 四·一).
    YOUTH: ServiceRule(
        YOUTH, "幸福加油站青年交友活动",
        "“幸福加油站”青年交友活动报名，搭建青年沟通交流、相识相恋平台。须本人报名并确认目前单身；"
        "年龄以活动当天计算，一般为18至45周岁，以每场活动公布的范围为准；每人每场限报一次；"
        "部分场次按男女各半分配名额（性别按身份证号码识别）。",
        30, 24 * 60, 24 * 60,
        {"age_range_default": list(YOUTH_AGES), "single_required": True}),
}

# --- guides: 社会组织登记咨询 (the registration office's consultation, offered at the end of the
# 社会组织 guides and the 远程导办 chat). One active consultation per resident (a claim per user,
# core.booking.service); ``topic`` says what it is about.
SOCIAL_ORG = "social_org_consultation"
SOCIAL_ORG_TOPICS = ("setup", "change", "annual_report", "other")
DEFAULT_RULES[SOCIAL_ORG] = ServiceRule(
    SOCIAL_ORG, "社会组织登记咨询",
    "社会团体、民办非企业单位（社会服务机构）成立、变更、年检年报等登记事项的咨询预约"
    "（可选：setup 成立、change 变更、annual_report 年检年报、other 其他）。",
    30, 60, 60, {"topics": list(SOCIAL_ORG_TOPICS)})


def merge_rules(overrides: Mapping[str, Mapping[str, Any]] | None) -> dict[str, ServiceRule]:
    """Staff overrides (stored as a setting) on top of the defaults; unknown keys are ignored."""
    rules = dict(DEFAULT_RULES)
    for code, values in (overrides or {}).items():
        if code in rules and isinstance(values, Mapping):
            allowed = {k: v for k, v in values.items()
                       if k in {"name", "description", "days_ahead", "close_minutes_before",
                                "cancel_cutoff_minutes"}}
            rules[code] = replace(rules[code], **allowed)
    return rules


def check_bookable(rule: ServiceRule, starts_at: datetime, opens_at: datetime | None,
                   now: datetime) -> None:
    """Raises not_open before the slot's opening moment or booking window, booking_closed after."""
    if opens_at is not None and now < opens_at:
        raise BookingError("not_open", opens_at=opens_at)
    local_today = now.astimezone(SHANGHAI).date()
    if starts_at.astimezone(SHANGHAI).date() > local_today + timedelta(days=rule.days_ahead):
        raise BookingError("not_open")
    if now >= starts_at - timedelta(minutes=rule.close_minutes_before):
        raise BookingError("booking_closed")


def check_cancellable(rule: ServiceRule, starts_at: datetime, now: datetime) -> None:
    if now >= starts_at - timedelta(minutes=rule.cancel_cutoff_minutes):
        raise BookingError("cancel_closed")


# --- personal data -------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# ASCII digits only: Python's \d also matches full-width and other scripts' digits, which once let
# one person hold two marriage bookings under two spellings of one ID number.
_ID_RE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
_PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")
# Chinese names, minority names with the middle dot, and Latin names of foreign spouses.
_NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z·•.\- ]{0,29}$")


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth: date
    sex: str  # "M" or "F"


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def parse_id_number(raw: Any, field_name: str, today: date) -> IdInfo:
    """GB 11643-1999 resident ID: 17 digits + check digit, with a real birth date not in the future."""
    if not isinstance(raw, str):
        raise BookingError("invalid_input", field=field_name, detail="请填写18位居民身份证号码")
    number = normalise(raw).replace(" ", "").upper()
    if not _ID_RE.match(number):
        raise BookingError("invalid_input", field=field_name, detail="身份证号码应为18位")
    if id_check_digit(number[:17]) != number[17]:
        raise BookingError("invalid_input", field=field_name, detail="身份证号码校验位不正确，请核对")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise BookingError("invalid_input", field=field_name,
                           detail="身份证号码中的出生日期无效") from None
    if birth.year < 1900 or birth > today:
        raise BookingError("invalid_input", field=field_name, detail="身份证号码中的出生日期无效")
    return IdInfo(number, birth, "M" if int(number[16]) % 2 else "F")


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def normalise(text: str) -> str:
    """NFKC first, so ０-９, Ｘ and full-width spaces become their ASCII forms before any check,
    hash or comparison; what is still not ASCII is then refused by the patterns above."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_phone(raw: Any, field_name: str = "phone") -> str:
    phone = normalise(raw).replace(" ", "").replace("-", "") if isinstance(raw, str) else ""
    if phone.startswith("+86"):
        phone = phone[3:]
    if not _PHONE_RE.match(phone):
        raise BookingError("invalid_input", field=field_name, detail="请填写11位中国大陆手机号码")
    return phone


def parse_name(raw: Any, field_name: str) -> str:
    name = " ".join(normalise(raw).split()) if isinstance(raw, str) else ""
    if not name or not _NAME_RE.match(name):
        raise BookingError("invalid_input", field=field_name, detail="请填写真实姓名（1至30个字）")
    return name


# Mainland plates: province abbreviation, a letter, then five characters (ordinary) or six (new
# energy, GA 36-2018); the last may be 学/警/港/澳/挂/领 on special plates.
_PLATE_RE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳领]|[A-HJ-NP-Z0-9]{6})$")


def parse_plate(raw: Any, field_name: str = "plate") -> str | None:
    """A mainland car plate, upper-cased without spaces or the middle dot; None when not given."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    plate = normalise(raw).upper().replace(" ", "").replace("·", "").replace("-", "") \
        if isinstance(raw, str) else ""
    if not _PLATE_RE.match(plate):
        raise BookingError("invalid_input", field=field_name,
                           detail="请填写正确的车牌号，例如 沪A12345 或 沪AD12345")
    return plate


def parse_slot_id(raw: Any) -> int:
    if not sql.valid_row_id(raw):
        raise BookingError("invalid_input", field="slot_id", detail="请选择预约时段")
    return raw
