"""Public content for the mini-program and the bot: ``GET /api/v1/notices`` (see CONTRACT.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sanic import Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from content.routes import bp
from core.errors import ApiError
from core.models import Notice
from core.notices import published_notices

SHANGHAI = ZoneInfo("Asia/Shanghai")
_NOTICE = {"id": int, "title": str, "summary": str, "published_at": str, "url": str}


def notice_view(n: Notice, base_url: str) -> dict[str, object]:
    when = n.publish_at or n.created_at
    return {"id": n.id, "title": n.title, "summary": n.summary,
            "published_at": when.astimezone(SHANGHAI).isoformat(timespec="seconds"),
            "url": f"{base_url}/notices/{n.id}"}


@bp.get("/api/v1/notices")
@openapi.summary("已发布的通知，最新的在前")
@openapi.parameter("limit", int, "query", description="最多返回几条（1-50，默认 20）")
@openapi.response(200, {"application/json": {"notices": [_NOTICE]}})
@openapi.response(400, {"application/json": {"error": {"code": str, "message": str}}}, "invalid_limit")
async def list_notices(request: Request) -> HTTPResponse:
    raw = request.args.get("limit") or "20"
    if not raw.isdigit() or not 1 <= int(raw) <= 50:
        raise ApiError("invalid_limit", 400, "limit 必须是 1 到 50 之间的整数。", field="limit")
    notices = await published_notices(datetime.now(UTC), int(raw))
    base = request.app.ctx.settings.public_base_url
    return json({"notices": [notice_view(n, base) for n in notices]}, ensure_ascii=False)
