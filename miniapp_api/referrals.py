"""Referral endpoints (community assistance adviser, 社区救助顾问) and the list of 街镇.

``GET /api/v1/streets`` (no login) lists Baoshan's towns and sub-districts, each with its
adviser station, and the consent sentence to show; the three ``/api/v1/miniapp/referrals``
operations submit, list and withdraw the caller's requests. The rules are core.referrals'.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from core import referrals
from core.models import Referral
from core.request_ctx import now
from core.streets import streets
from miniapp_api.blueprint import bp
from miniapp_api.common import cipher, current_user, json_body, limit_address
from miniapp_api.referral_schemas import (
    ConsentOut,
    ReferralCreatedOut,
    ReferralIn,
    ReferralOut,
    ReferralsOut,
    StreetOut,
    StreetsOut,
)
from miniapp_api.schemas import content, errors
from miniapp_api.views import local

streets_bp = Blueprint("streets", url_prefix="/api/v1")


@streets_bp.get("/streets")
@openapi.summary("宝山区各街镇及其社区救助顾问工作站，以及提交求助前需居民同意的说明")
@openapi.response(200, content(StreetsOut), "街镇列表")
@errors("rate_limited")
async def list_streets(request: Request) -> HTTPResponse:
    await limit_address(request)
    data = streets()
    out = StreetsOut(streets=[StreetOut(code=s.code, name=s.name, station=s.station, hours=s.hours)
                              for s in data.items],
                     consent=ConsentOut(version=referrals.CONSENT_VERSION,
                                        text=referrals.consent_text()),
                     sample=data.sample)
    return json(out.body(), ensure_ascii=False)


def _view(referral: Referral) -> ReferralOut:
    return ReferralOut(id=referral.id, street=referral.street,
                       street_name=streets().name_of(referral.street), status=referral.status,
                       urgent=referral.urgent, created_at=local(referral.created_at) or "",
                       closed_at=local(referral.closed_at))


@bp.post("/referrals")
@openapi.summary("向所在街镇的社区救助顾问提交求助（须居民明确同意；信息加密保存）")
@openapi.body(content(ReferralIn))
@openapi.response(201, content(ReferralCreatedOut), "已提交")
@errors("consent_required", "invalid_input", "referral_limit", "unauthorized", "rate_limited")
async def submit_referral(request: Request) -> HTTPResponse:
    user = await current_user(request)
    cmd = referrals.SubmitReferral.from_body(json_body(request), user_id=user.id)
    referral = await referrals.submit(cipher(request), cmd, now=now(request))
    return json(ReferralCreatedOut(id=referral.id, status="submitted").body(), status=201)


@bp.get("/referrals")
@openapi.summary("我的求助及其状态（submitted 已提交、contacted 已联系、closed 已办结）")
@openapi.response(200, content(ReferralsOut), "求助列表")
@errors("unauthorized", "rate_limited")
async def my_referrals(request: Request) -> HTTPResponse:
    user = await current_user(request)
    out = ReferralsOut(referrals=[_view(r) for r in await referrals.mine(user.id)])
    return json(out.body(), ensure_ascii=False)


@bp.delete("/referrals/<referral_id:int>")
@openapi.summary("撤回同意：这条求助及其个人信息立即删除")
@openapi.response(204, None, "已撤回并删除")
@errors("referral_not_found", "unauthorized", "rate_limited")
async def withdraw_referral(request: Request, referral_id: int) -> HTTPResponse:
    user = await current_user(request)
    await referrals.withdraw(user.id, referral_id, now=now(request))
    return HTTPResponse(status=204)
