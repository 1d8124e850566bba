"""Liveness/readiness endpoint used by the reverse proxy and by operators."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from core import db
from core.errors import error_response

bp = Blueprint("health")


@bp.get("/healthz")
@openapi.summary("健康检查：数据库可用时返回 200")
@openapi.response(200, {"application/json": {"status": str}})
@openapi.response(503, {"application/json": {"error": dict}})
async def healthz(request: Request) -> HTTPResponse:
    if await db.ping():
        return json({"status": "ok"})
    return error_response("database_unavailable", 503)
