"""The mini-program API's JSON shapes as pydantic models: the handlers build their responses from
them (``views``) and ``/openapi.json`` is generated from the same models, so the published schema
is the one the responses are checked against (tests/miniapp_api/test_openapi.py).

Times are ISO 8601 text in Asia/Shanghai (+08:00). A field that a response may leave out has a
default; one that is always present but may be null is ``X | None`` without a default.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sanic_ext import openapi

from core.errors import status_of


class Out(BaseModel):
    # Responses are dumped with exclude_unset: a field not set (qr_payload of a cancelled booking)
    # is absent, as the contract has it, rather than null.
    model_config = ConfigDict(extra="forbid")

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


# --- responses ---

class ServiceOut(Out):
    model_config = ConfigDict(extra="allow")  # staff may add a service's own public rules
    code: str
    name: str
    description: str
    days_ahead: int
    close_minutes_before: int
    cancel_cutoff_minutes: int


class ServicesOut(Out):
    services: list[ServiceOut]


class SlotOut(Out):
    id: int
    service: str
    title: str
    theme: str = Field(default="", description="主题（如 520、七夕），没有时为空字符串")
    place: str | None = Field(default=None, description="地点；仅在设置了地点时出现")
    starts_at: str
    ends_at: str
    capacity: int
    remaining: int
    opens_at: str | None
    # --- youth --- (幸福加油站: present on youth_event slots only)
    age_min: int | None = Field(default=None, description="youth_event：报名年龄下限（活动当天，周岁）")
    age_max: int | None = Field(default=None, description="youth_event：报名年龄上限（活动当天，周岁）")
    gender_split: bool | None = Field(default=None, description="youth_event：是否按男女各半分配名额")
    remaining_men: int | None = Field(default=None, description="按男女各半时：男士剩余名额")
    remaining_women: int | None = Field(default=None, description="按男女各半时：女士剩余名额")


class SlotsOut(Out):
    slots: list[SlotOut]


class MaskedPersonOut(Out):
    name: str
    id_number: str


class BookingOut(Out):
    id: int
    status: str = Field(description="confirmed / cancelled / closed")
    code: str = Field(description="预约码")
    service: str
    service_name: str
    slot: SlotOut
    slot_id: int
    starts_at: str
    ends_at: str
    party_size: int
    applicant: dict[str, Any] = Field(description="脱敏后的申请人信息，字段随服务而定")
    created_at: str | None
    cancelled_at: str | None
    checked_in_at: str | None
    qr_payload: str | None = Field(default=None, description="仅 confirmed 时出现：签到二维码内容")
    ics_url: str | None = Field(default=None, description="仅 confirmed 时出现")
    closed_reason: str | None = Field(default=None, description="仅 closed 时出现：工作人员填写的关闭原因")
    closed_at: str | None = Field(default=None, description="仅 closed 时出现")
    companions: list[MaskedPersonOut] | None = Field(
        default=None, description="仅 tomb_sweeping：脱敏后的同行亲属，已计入 party_size")
    cancel_reason: str | None = Field(default=None,
                                      description="仅工作人员取消时出现：工作人员填写的取消原因")
    cancel_notice: str | None = Field(default=None, description="仅工作人员取消时出现：给群众的说明")


class BookingsOut(Out):
    bookings: list[BookingOut]


class WaitlistOut(Out):
    id: int
    status: str = Field(description="waiting / promoted / skipped / left")
    slot: SlotOut
    position: int = Field(description="排在第几位；不在等待中时为 0")
    applicant: dict[str, Any]
    booking_id: int | None = Field(description="递补成功后的预约编号")
    created_at: str | None


class WaitlistsOut(Out):
    waitlist: list[WaitlistOut]


class SessionOut(Out):
    token: str
    expires_in: int


class SubscriptionOut(Out):
    id: int
    template_id: str
    status: str
    created_at: str | None


class ErrorDetail(Out):
    model_config = ConfigDict(extra="allow")  # further params of a code ride along
    code: str
    message: str
    field: str | None = Field(default=None, description="出错的输入项（如 party_a.id_number）")
    booking_id: int | None = Field(default=None,
                                   description="duplicate_booking：该时段已有的本人有效预约编号")
    opens_at: str | None = Field(default=None, description="not_open：该时段开放预约的时间")


class ErrorOut(Out):
    error: ErrorDetail


# --- request bodies (documentation of what the commands are parsed from) ---

class PersonIn(BaseModel):
    name: str
    id_number: str


class BookingIn(BaseModel):
    """Per service: marriage_registration / collective_ceremony take party_a, party_b and phone;
    eco_burial_consultation takes name, phone and burial_type; charity_event takes name, phone
    and party_size (1-5); tomb_sweeping takes name, id_number, phone, companions (0-4 people,
    each with name and id_number) and an optional plate; youth_event takes name, id_number, phone
    and single (must be true); social_org_consultation takes name, phone and an optional topic
    (setup, change, annual_report, other)."""

    slot_id: int
    party_a: PersonIn | None = None
    party_b: PersonIn | None = None
    phone: str | None = None
    name: str | None = None
    burial_type: str | None = None
    party_size: int | None = None
    id_number: str | None = None
    companions: list[PersonIn] | None = Field(default=None, description="同行亲属，0至4人")
    plate: str | None = Field(default=None, description="车牌号（可选），如 沪A12345")
    single: bool | None = Field(default=None, description="youth_event：本人确认目前单身，须为 true")
    topic: str | None = None


class RescheduleIn(BaseModel):
    slot_id: int


class SessionIn(BaseModel):
    code: str = Field(description="wx.login 返回的 code")


class SubscriptionIn(BaseModel):
    template_id: str


# --- OpenAPI ---

def content(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI content naming ``model``'s own JSON schema, registered once as a component
    (handed a pydantic class directly, sanic-ext would describe its Python attributes)."""
    openapi.component(model)
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


def errors(*codes: str, notes: dict[str, str] | None = None) -> Any:
    """OpenAPI responses for the error codes an endpoint can answer, grouped by the status the
    one table (``core.errors.STATUS``) gives them; ``notes`` add a word about a code's params."""
    def wrap(handler: Any) -> Any:
        by_status: dict[int, list[str]] = {}
        for code in codes:
            by_status.setdefault(status_of(code), []).append(code)
        for status, names in by_status.items():
            described = " / ".join(names) + "".join(
                (notes or {}).get(name, "") for name in names)
            handler = openapi.response(status, content(ErrorOut), described)(handler)
        return handler
    return wrap
