"""The 政策找人 self-check (see CONTRACT.md, "Policy check"): ``GET /api/v1/policy-check/questions``
and ``POST /api/v1/policy-check``.

Public (no login) and limited per address like the knowledge search (its own counter, at the
search's rate). The answers are evaluated in memory (``core.policy_check``) and neither stored
nor logged: nothing here writes them anywhere, and errors name the question, never the value.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from core import policy_check, policy_standards
from core.context import app_context
from core.errors import DomainError
from core.request_ctx import client_address, now
from knowledge.policy_rules import load as load_rules
from miniapp_api.common import json_body
from miniapp_api.schemas import Out, content, errors

log = logging.getLogger("baoshan.policy")

bp = Blueprint("policy_check", url_prefix="/api/v1/policy-check")


class PolicyOptionOut(Out):
    value: str
    label: str


class PolicyQuestionOut(Out):
    id: str
    text: str
    type: str = Field(description="choice / number / boolean")
    options: list[PolicyOptionOut] = Field(description="choice 的选项；其他类型为空")
    min: int | None = Field(default=None, description="number：最小值")
    max: int | None = Field(default=None, description="number：最大值")


class PolicyQuestionsOut(Out):
    questions: list[PolicyQuestionOut]
    notice: str = Field(description="说明：每题都可以不答，回答不会被保存")


class PolicyOut(Out):
    code: str
    title: str
    why: str = Field(description="为什么可能适合")
    next_step: str = Field(description="下一步：到哪里办、带什么、看哪条说明")
    entry: str = Field(description="知识库条目编号")
    url: str = Field(description="该条目公开页面的地址（未配置公网地址时为相对路径）")


class PolicyResultsOut(Out):
    policies: list[PolicyOut]
    notice: str = Field(description="结果仅供参考，以受理中心审核为准")


class PolicyCheckIn(BaseModel):
    answers: dict[str, str | int | bool | None] = Field(
        description="问题编号 → 回答：choice 为选项 value，number 为整数，boolean 为 true/false；"
                    "不答的题省略或为 null")


NOTICE = "每题都可以不答。回答只用于当场计算结果，不会被保存。"


async def _limit(request: Request) -> None:
    per_minute = request.app.ctx.settings.rate_limit_search_per_address
    try:
        retry = await app_context(request).rate_limits.hit(
            "policy", client_address(request), per_minute, now(request).timestamp())
    except Exception as exc:
        # The counters live in the database; the check does not need it. Only the error's type
        # is logged: the bucket it failed on names the address.
        log.warning("policy-check rate limit unavailable; request let through",
                    extra={"error": type(exc).__name__})
        return
    if retry is not None:
        raise DomainError("rate_limited", params={"retry_after": retry})


@bp.get("/questions")
@openapi.summary("政策找人：自测问题（无需登录）")
@openapi.response(200, content(PolicyQuestionsOut), "问题列表")
@errors("rate_limited")
async def questions(request: Request) -> HTTPResponse:
    await _limit(request)
    standards = await policy_standards.load(now(request))
    out = PolicyQuestionsOut(notice=NOTICE, questions=[
        PolicyQuestionOut(id=q.id, text=q.text, type=q.type,
                          options=[PolicyOptionOut(value=v, label=lbl) for v, lbl in q.options],
                          **({"min": q.min, "max": q.max} if q.type == "number" else {}))
        for q in policy_check.questions(load_rules(), standards)])
    return json(out.body(), ensure_ascii=False)


@bp.post("")
@openapi.summary("政策找人：按回答列出可能适合的政策（回答不保存）")
@openapi.body(content(PolicyCheckIn))
@openapi.response(200, content(PolicyResultsOut), "可能适合的政策，仅供参考")
@errors("invalid_input", "rate_limited")
async def check(request: Request) -> HTTPResponse:
    await _limit(request)
    body = json_body(request)
    if not isinstance(body, dict) or set(body) - {"answers"}:
        raise DomainError("invalid_input", field="body",
                          params={"detail": "请求内容应为 {\"answers\": {...}}"})
    book = load_rules()
    answers = policy_check.parse_answers(book, body.get("answers", {}))
    kb = request.app.ctx.kb
    base = request.app.ctx.settings.public_base_url

    def read_more(entry_id: str) -> str:
        return f"详见：{base}/kb/{entry_id}" if base else ""

    results = policy_check.evaluate(book, answers, await policy_standards.load(now(request)),
                                    contacts=kb.contacts, read_more=read_more)
    notice = policy_check.DISCLAIMER if results else \
        f"{policy_check.NOTHING_FOUND}{policy_check.DISCLAIMER}"
    out = PolicyResultsOut(notice=notice, policies=[
        PolicyOut(code=r.code, title=r.title, why=r.why, next_step=r.next_step, entry=r.entry,
                  url=f"{base}/kb/{r.entry}") for r in results])
    return json(out.body(), ensure_ascii=False)
