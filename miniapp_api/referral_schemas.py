"""JSON shapes of the referral endpoints (community assistance adviser) and of ``/api/v1/streets``,
as pydantic models: the handlers build their responses from them and ``/openapi.json`` publishes
them (tests/miniapp_api/test_openapi.py validates live responses against it)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from miniapp_api.schemas import Out


class StreetOut(Out):
    code: str
    name: str
    station: str = Field(description="该街镇的社区救助顾问工作站（示例名称，待街镇确认）")
    hours: str = Field(description="服务时间；未确认时为“以街镇社区事务受理服务中心公布为准”")


class ConsentOut(Out):
    version: str
    text: str = Field(description="提交求助前向居民展示的同意书原文")


class StreetsOut(Out):
    streets: list[StreetOut]
    consent: ConsentOut
    sample: bool = Field(description="true：工作站名称与服务时间为示例，待各街镇确认")


class ReferralCreatedOut(Out):
    id: int
    status: Literal["submitted"]


class ReferralOut(Out):
    id: int
    street: str
    street_name: str
    status: str = Field(description="submitted 已提交、contacted 已联系、closed 已办结")
    urgent: bool
    created_at: str
    closed_at: str | None


class ReferralsOut(Out):
    referrals: list[ReferralOut]


class ReferralIn(BaseModel):
    """``consent`` must be true (else 422 consent_required); ``urgent`` true when the request
    comes from a crisis answer's offer."""

    street: str
    name: str
    phone: str
    consent: bool
    answers: dict[str, Any] = Field(default_factory=dict)
    note: str | None = None
    urgent: bool = False
