"""The public knowledge search: ``GET /api/v1/knowledge/search`` (see CONTRACT.md).

Part of the public JSON API face (it was ``knowledge/http.py``: ``knowledge`` is the matcher, with
no web framework in it). Its own blueprint and prefix, and not the mini-program's per-address
limit: it counts its own (``rate_limit_search_per_address``).
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from core import answering, guide_match
from core.context import app_context
from core.errors import DomainError
from core.kb import KnowledgeService
from core.request_ctx import client_address, now
from knowledge.matcher import Hit
from knowledge.normalise import MAX_INPUT_CHARS

log = logging.getLogger("baoshan.knowledge")

bp = Blueprint("knowledge", url_prefix="/api/v1/knowledge")

_HIT_SCHEMA = {"id": str, "title": str, "category": str, "score": float, "answer": str,
               "source": str, "updated": str}


@bp.get("/search")
@openapi.summary("知识库查询：居民的问题 → 最匹配的答案")
@openapi.parameter("q", str, "query", required=True, description="居民的问题（最多 500 字，超出部分截断）")
@openapi.parameter("limit", int, "query", description="最多返回几条（1-10，默认 3）")
@openapi.response(200, {"application/json": {
    "query": str, "answered": bool, "intent": str, "reply": str, "hits": [_HIT_SCHEMA]}},
    "answered=false 表示没有足够把握（含其他部门业务、寒暄），hits 可能带建议")
@openapi.response(400, {"application/json": {"error": {"code": str, "message": str}}},
                  "empty_query / invalid_limit")
@openapi.response(429, {"application/json": {"error": {"code": str, "message": str}}},
                  "rate_limited：同一地址每分钟查询次数超过上限（响应头 Retry-After 给出秒数）")
async def search(request: Request) -> HTTPResponse:
    address = client_address(request)
    await limit_address(request, address)
    q = (request.args.get("q") or "").strip()
    if not q:
        raise DomainError("empty_query", field="q")
    raw_limit = request.args.get("limit") or "3"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 10:
        raise DomainError("invalid_limit", field="limit", params={"max": 10})
    kb = request.app.ctx.kb
    if not await kb.wait_ready():
        raise DomainError("kb_unavailable")
    q = q[:MAX_INPUT_CHARS]
    # The bot's decision path: "人工", "最新通知", a booking intent or a crisis message get here
    # what they get in WeChat. No conversation: the API has no resident to keep one for.
    decision = await answering.decide(
        q, channel="api", kb=kb, user=address, limit=int(raw_limit),
        notices=lambda: answering.latest_notice(now(request), request.app.ctx.settings.public_base_url),
        guides=lambda text: guide_match.answer(text, kb.contacts,
                                               request.app.ctx.settings.public_base_url))
    return json({"query": q, "answered": decision.answered, "intent": decision.intent,
                 "reply": decision.reply, "hits": [hit_json(kb, h) for h in decision.hits]},
                ensure_ascii=False)


def hit_json(kb: KnowledgeService, hit: Hit) -> dict[str, Any]:
    entry = hit.entry
    return {
        "id": entry.id, "title": entry.title, "category": entry.category,
        "score": round(hit.score, 4), "answer": kb.reply_for(entry),
        # Where the answer comes from and when it was last checked (issue #12).
        "source": entry.source, "updated": entry.updated.isoformat() if entry.updated else "",
        **({"action": entry.action} if entry.action else {}),
        **({"link": entry.link} if entry.link else {}),
    }


async def limit_address(request: Request, address: str) -> None:
    """The search is public and each unanswered question costs a write: count every request,
    good or bad, against the address (``rate_limit_search_per_address`` a minute, 0 = off)."""
    per_minute = request.app.ctx.settings.rate_limit_search_per_address
    try:
        retry = await app_context(request).rate_limits.hit("search", address, per_minute,
                                                           now(request).timestamp())
    except Exception as exc:
        # The counters live in the database; the index does not. With the database down the
        # search still answers (from the bundled entries) and nothing can be recorded anyway.
        # Only the error's type is logged: the bucket it failed on names the address.
        log.warning("search rate limit unavailable; request let through",
                    extra={"error": type(exc).__name__})
        return
    if retry is not None:
        raise DomainError("rate_limited", params={"retry_after": retry})
