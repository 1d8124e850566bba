"""JSON shapes of proxy sweeping (代客祭扫), published in ``/openapi.json`` like the others."""

from __future__ import annotations

from pydantic import BaseModel, Field

from miniapp_api.schemas import Out


class ChoiceOut(Out):
    code: str
    name: str
    kind: str | None = Field(default=None, description="地点类型：cemetery 墓园 / columbarium 骨灰堂")
    note: str | None = Field(default=None, description="地点说明（工作人员填写）")


class PackageOut(Out):
    code: str
    name: str
    description: str = Field(description="服务内容")
    photos: bool = Field(description="完成后是否回传照片")


class PackagesOut(Out):
    packages: list[PackageOut]
    places: list[ChoiceOut]


class ProxyOrderOut(Out):
    id: int
    ref: str = Field(description="订单号")
    status: str = Field(description="received 已受理 / scheduled 已安排 / done 已完成 / cancelled 已取消")
    place: ChoiceOut
    package: ChoiceOut
    day: str = Field(description="祭扫日期：已安排时为安排的日期，否则为希望的日期")
    scheduled: bool
    grave: str = Field(description="墓位位置（脱敏）")
    deceased_name: str = Field(description="逝者姓名（脱敏）")
    applicant: dict[str, str] = Field(description="下单人姓名与手机号（脱敏）")
    created_at: str | None
    done_at: str | None = Field(default=None, description="仅 done 时出现")
    photos: list[str] | None = Field(default=None,
                                     description="仅 done 时出现：照片链接，约1小时内有效")
    cancel_reason: str | None = Field(default=None, description="仅 cancelled 时出现：取消原因")
    cancelled_at: str | None = Field(default=None, description="仅 cancelled 时出现")


class ProxyOrdersOut(Out):
    orders: list[ProxyOrderOut]


class ProxyOrderIn(BaseModel):
    place: str = Field(description="地点的 code（或名称），见 /proxy-sweeping/packages")
    grave: str = Field(description="墓位位置，如 A区3排12号")
    deceased_name: str
    package: str = Field(description="套餐的 code（或名称）")
    name: str = Field(description="下单人姓名")
    phone: str = Field(description="下单人手机号")
    message: str | None = Field(default=None, description="留言（选填，不超过200字）")
    date: str | None = Field(default=None, description="希望的祭扫日期 YYYY-MM-DD（选填，默认尽快安排）")
