"""Request ids and the access log: every request gets an id that its log lines and response carry."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

from core import sql
from core.logs import request_id_var

access_log = logging.getLogger("baoshan.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def install(app: Sanic[Any, Any]) -> None:
    async def assign_request_id(request: Request) -> None:
        incoming = request.headers.get("x-request-id", "")
        # A proxy's id is kept so one request can be followed across hosts; junk is replaced.
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.ctx.request_id = rid
        request.ctx.started = time.perf_counter()
        request_id_var.set(rid)

    async def bound_ids(request: Request) -> None:
        # /bookings/99999999999999999999 names no row; left to the database it overflows the
        # column type (500 on PostgreSQL, OverflowError on SQLite). Id 0 names no row either and
        # fits every column, so each handler gives its own "not found" (an HTML page for a
        # notice, the JSON error for the API) without one check per route.
        for name, value in request.match_info.items():
            if isinstance(value, int) and not sql.valid_row_id(value):
                request.match_info[name] = 0

    async def log_access(request: Request, response: BaseHTTPResponse) -> None:
        rid = getattr(request.ctx, "request_id", None) or uuid.uuid4().hex
        response.headers["X-Request-ID"] = rid
        harden(response)
        started = getattr(request.ctx, "started", None)
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        access_log.info(
            "%s %s %s", request.method, request.path, response.status,
            extra={"request_id": rid, "method": request.method, "path": request.path,
                   "status": response.status, "ms": round(elapsed, 2),
                   "client": request.remote_addr or request.ip},
        )

    # app.middleware(fn, at, priority=) is what @app.on_request/@app.on_response call, and is typed.
    app.middleware(assign_request_id, "request", priority=100)
    app.middleware(bound_ids, "request", priority=99)
    app.middleware(log_access, "response", priority=100)


# Every HTML page, whoever renders it (console, public pages, error pages, the API docs): no
# framing (clickjacking of the console), no <base> hijack, forms post only to us.
_PAGE_DIRECTIVES = ("frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'")


def harden(response: BaseHTTPResponse) -> None:
    # Browsers must not guess a type: /wechat echoes caller-chosen text, uploads are served back.
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if not (response.content_type or "").startswith("text/html"):
        return
    policy = response.headers.get("Content-Security-Policy", "")
    present = {part.strip().split(" ", 1)[0] for part in policy.split(";") if part.strip()}
    extra = [d for d in _PAGE_DIRECTIVES if d.split(" ", 1)[0] not in present]
    if extra:
        response.headers["Content-Security-Policy"] = "; ".join(
            [p for p in (policy.strip().rstrip(";"),) if p] + extra)


def add_head_routes(app: Sanic[Any, Any]) -> None:
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
