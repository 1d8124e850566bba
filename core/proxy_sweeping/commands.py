"""What the faces ask the proxy-sweeping service to do, as typed, frozen commands.

Parsing here is structural (each field a string of sane length); the rules (names, phone, grave
location, day) are checked by ``core.proxy_sweeping.orders``, which names the field at fault.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from core.booking.errors import BookingError

_TEXT_FIELDS = ("place", "grave", "deceased_name", "package", "name", "phone")
# Generous: the service applies the real limits with a worded message.
_RAW_MAX = 1000


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True)


class CreateOrder(Command):
    user_id: int
    place: str
    grave: str
    deceased_name: str
    package: str
    name: str
    phone: str
    message: str | None
    day: date | None = None  # the day the family asks for; None = as soon as staff can

    @classmethod
    def from_body(cls, body: object, *, user_id: int) -> CreateOrder:
        if not isinstance(body, dict):
            raise BookingError("invalid_input", field="body", detail="请求内容应为JSON对象")
        values: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            raw = body.get(name)
            if not isinstance(raw, str) or not raw.strip():
                raise BookingError("invalid_input", field=name, detail=_MISSING[name])
            values[name] = raw[:_RAW_MAX]
        message = body.get("message")
        if message is not None and not isinstance(message, str):
            raise BookingError("invalid_input", field="message", detail="留言应为文字")
        values["message"] = message[:_RAW_MAX] if message else None
        raw_day = body.get("date")
        day = None
        if raw_day is not None:
            try:
                day = date.fromisoformat(raw_day) if isinstance(raw_day, str) else None
            except ValueError:
                day = None
            if day is None:
                raise BookingError("invalid_input", field="date",
                                   detail="日期格式不对，请写成 2027-04-04 这样的格式")
        return cls(user_id=user_id, day=day, **values)


_MISSING = {
    "place": "请选择祭扫地点（墓园或骨灰堂）",
    "grave": "请填写墓位位置（如：A区3排12号）",
    "deceased_name": "请填写逝者姓名",
    "package": "请选择代祭扫服务套餐",
    "name": "请填写您的姓名",
    "phone": "请填写11位中国大陆手机号码",
}


class Schedule(Command):
    actor: str
    order_id: int
    day: date


class MarkDone(Command):
    actor: str
    order_id: int
    photos: tuple[bytes, ...]


class CancelOrder(Command):
    actor: str
    order_id: int
    reason: str


class SavePackage(Command):
    actor: str
    package_id: int | None  # None: a new package
    code: str
    name: str
    description: str
    photos: bool


class SavePlace(Command):
    actor: str
    place_id: int | None  # None: a new place
    code: str
    kind: str
    name: str
    note: str
