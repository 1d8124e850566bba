"""Liveness/readiness endpoint used by the reverse proxy and by operators."""

from __future__ import annotations

import asyncio
import time

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from core import db
from core.errors import RETRY_AFTER_S, error_response

bp = Blueprint("health")

# A health check must answer even when the database does not (a frozen server keeps a query
# waiting for the whole statement timeout): 503 after this long.
PING_BUDGET_S = 0.8


class Pinger:
    """At most one database ping in flight per worker. A ping still running past the budget is
    left to finish on its own (cancelling it would wait on the frozen connection's cleanup);
    later checks answer 503 at once instead of piling more queries onto the stuck pool."""

    def __init__(self) -> None:
        self.task: asyncio.Task[bool] | None = None
        self.started = 0.0

    async def healthy(self) -> bool:
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(db.ping())
            self.started = time.monotonic()
        remaining = self.started + PING_BUDGET_S - time.monotonic()
        if remaining <= 0:
            return False
        done, _ = await asyncio.wait({self.task}, timeout=remaining)
        return bool(done) and self.task.result()


@bp.get("/healthz")
@openapi.summary("健康检查：数据库可用时返回 200")
@openapi.response(200, {"application/json": {"status": str}})
@openapi.response(503, {"application/json": {"error": dict}})
async def healthz(request: Request) -> HTTPResponse:
    if await request.app.ctx.db_pinger.healthy():  # per app: its task is its loop's
        return json({"status": "ok"})
    return error_response("database_unavailable", 503,
                          headers={"Retry-After": str(RETRY_AFTER_S)})
