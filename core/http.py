"""Request ids and the access log: every request gets an id that its log lines and response carry."""

from __future__ import annotations

import logging
import re
import time
import uuid

from sanic import Request, Sanic
from sanic.exceptions import NotFound
from sanic.response import HTTPResponse

from core import sql
from core.logs import request_id_var

access_log = logging.getLogger("baoshan.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def install(app: Sanic) -> None:
    @app.on_request(priority=100)
    async def assign_request_id(request: Request) -> None:
        incoming = request.headers.get("x-request-id", "")
        # A proxy's id is kept so one request can be followed across hosts; junk is replaced.
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.ctx.request_id = rid
        request.ctx.started = time.perf_counter()
        request_id_var.set(rid)

    @app.on_request(priority=99)
    async def bound_ids(request: Request) -> None:
        # /bookings/99999999999999999999 names no row; left to the database it overflows the
        # column type (500 on PostgreSQL, OverflowError on SQLite).
        for value in request.match_info.values():
            if isinstance(value, int) and not sql.valid_row_id(value):
                raise NotFound("no such id")

    @app.on_response(priority=100)
    async def log_access(request: Request, response: HTTPResponse) -> None:
        rid = getattr(request.ctx, "request_id", None) or uuid.uuid4().hex
        response.headers["X-Request-ID"] = rid
        started = getattr(request.ctx, "started", None)
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        access_log.info(
            "%s %s %s", request.method, request.path, response.status,
            extra={"request_id": rid, "method": request.method, "path": request.path,
                   "status": response.status, "ms": round(elapsed, 2),
                   "client": request.remote_addr or request.ip},
        )


def add_head_routes(app: Sanic) -> None:
    """Answer HEAD wherever GET is answered (health checks and link checkers use it).

    Registered while the app is built rather than by sanic-ext's automatic handlers: those add one
    route at a time after the router is finalised, re-finalising it each time — 1.2 s of every
    worker's start-up (and of every test's app) for about a hundred routes.
    """
    for route in list(app.router.routes):
        if "GET" not in route.methods or "HEAD" in route.methods:
            continue
        name = route.name.split(".", 1)[-1] if route.name.startswith(f"{app.name}.") else route.name
        app.add_route(
            route.handler,
            "/" + route.path.lstrip("/"),
            methods=["HEAD"],
            name=f"{name}_head",
            strict_slashes=route.strict,
            unquote=route.unquote,
        )
