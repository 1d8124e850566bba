"""Staff console pages (server-rendered, no CDN) and the login flow."""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, Request
from sanic.exceptions import PayloadTooLarge
from sanic.response import HTTPResponse, html, redirect
from sanic_ext import openapi
from tortoise.exceptions import OperationalError

from content import auth
from content.messages import DONE, ERRORS, ROLE_NAMES
from core.catalogue import text
from core.errors import (
    UNAVAILABLE_ERRORS,
    database_unavailable,
    error_response,
    unavailable_headers,
)
from core.request_ctx import client_address

bp = Blueprint("content")
HERE = Path(__file__).parent
SESSION_COOKIE = "bs_session"
CSRF_COOKIE = "bs_login_csrf"
LOGIN_URL = "/console/login"
bp.static("/console/static", HERE / "static", name="console_static")

Handler = Callable[..., Awaitable[HTTPResponse]]


@lru_cache(maxsize=1)
def templates() -> Environment:
    """Built on first use (not at import); autoescaping on for every page."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"]), enable_async=False)
    # Jinja's own tojson escapes every Chinese character to \uXXXX; staff read these.
    env.filters["readable_json"] = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)
    return env


# (url, label, roles that see it; admin sees everything). The nav only hides links: every handler
# still checks its own roles through staff_required.
NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/console/", "概览", ("*",)),
    ("/console/urgent", "紧急求助", ("*",)),
    ("/console/notices", "通知公告", ("editor",)),
    ("/console/charity", "慈善周", ("editor",)),
    ("/console/kb", "知识库", ("editor",)),
    ("/console/simulator", "对话模拟", ("editor", "registrar")),
    ("/console/slots", "号源与预约", ("registrar",)),
    ("/console/checkin", "签到", ("registrar",)),
    ("/console/settings", "设置", ("editor", "registrar")),
    ("/console/staff", "账号", ("admin",)),
    ("/console/audit", "操作日志", ("admin",)),
)


def nav_for(staff: auth.Staff | None) -> list[tuple[str, str]]:
    if staff is None:
        return []
    return [(url, label) for url, label, roles in NAV
            if "*" in roles or staff.role == "admin" or staff.role in roles]


def page(name: str, status: int = 200, **context: Any) -> HTTPResponse:
    context.setdefault("staff", None)
    body = templates().get_template(name).render(role_names=ROLE_NAMES, nav=nav_for(context["staff"]),
                                                 **context)
    return html(body, status=status, headers={"Cache-Control": "no-store",
                                              "X-Frame-Options": "DENY",
                                              "Content-Security-Policy": "default-src 'self'"})


@bp.exception(PayloadTooLarge)
async def too_large(request: Request, exception: PayloadTooLarge) -> HTTPResponse:
    """A form over the request size limit never reaches its handler (the body is refused while it
    is read): staff get a page saying what happened; the public API keeps the JSON error."""
    if not request.path.startswith("/console"):
        return error_response("payload_too_large", 413)
    return page("error.html", 413, message=ERRORS["upload_too_large"])


@bp.exception(*UNAVAILABLE_ERRORS, OSError, OperationalError)
async def unavailable(request: Request, exception: Exception) -> HTTPResponse:
    """The database is away (down, frozen, locked): staff get a page saying to try again shortly,
    with 503 + Retry-After like the JSON API, instead of a JSON 500 in the browser. Anything else
    these types cover goes to the app's one error handler."""
    if not database_unavailable(exception):
        return request.app.error_handler.default(request, exception)
    if not request.path.startswith("/console"):
        return request.app.error_handler.default(request, exception)  # JSON 503
    response = page("error.html", 503, message=text("residents", "service_unavailable"))
    response.headers.update(unavailable_headers())
    return response


def done_redirect(url: str, code: str) -> HTTPResponse:
    """Post/redirect/get: the next page shows DONE[code] as a one-line confirmation."""
    sep = "&" if "?" in url else "?"
    return redirect(f"{url}{sep}done={code}")


def flash(request: Request) -> str:
    return DONE.get(request.args.get("done") or "", "")


def _secure(request: Request) -> bool:
    return request.app.ctx.settings.is_production or request.scheme == "https"


def staff_required(*roles: str) -> Callable[[Handler], Handler]:
    """Every console page but login: anonymous → login page, wrong role → 403.

    POSTs also need the session's CSRF token. The access test walks the route table, so a new
    console route without this decorator fails the suite.
    """

    def wrap(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            staff = await auth.session_staff(request.cookies.get(SESSION_COOKIE), datetime.now(UTC))
            if staff is None:
                return redirect(LOGIN_URL)
            if roles and staff.role not in roles and staff.role != "admin":
                return page("error.html", 403, staff=staff, message=ERRORS["forbidden"])
            if request.method == "POST" and not auth.csrf_ok(staff.csrf, request.form.get("csrf")):
                return page("error.html", 403, staff=staff, message=ERRORS["csrf"])
            request.ctx.staff = staff
            return await handler(request, *args, **kwargs)

        guarded.__dict__["staff_roles"] = roles or ("*",)
        return guarded

    return wrap


@bp.get(LOGIN_URL)
@openapi.exclude()
async def login_form(request: Request) -> HTTPResponse:
    return _login_page(request)


def _login_page(request: Request, error: str = "", username: str = "",
                status: int = 200) -> HTTPResponse:
    # Double-submit token: the form field must match a cookie only this site can set.
    token = secrets.token_urlsafe(24)
    response = page("login.html", status, csrf=token, error=error, username=username, staff=None)
    response.add_cookie(CSRF_COOKIE, token, path=LOGIN_URL, httponly=True, samesite="Strict",
                        secure=_secure(request), max_age=3600)
    return response


@bp.post(LOGIN_URL)
@openapi.exclude()
async def login_submit(request: Request) -> HTTPResponse:
    form = request.form
    username = (form.get("username") or "").strip()
    if not auth.csrf_ok(request.cookies.get(CSRF_COOKIE) or "", form.get("csrf")):
        return _login_page(request, ERRORS["csrf"], username, 403)
    settings = request.app.ctx.settings
    try:
        token, _ = await auth.login(username, form.get("password") or "", datetime.now(UTC),
                                    address=client_address(request),
                                    per_address=settings.rate_limit_login_per_address,
                                    per_username=settings.rate_limit_login_per_username)
    except auth.LoginRateLimited as exc:
        response = _login_page(request, ERRORS[exc.code], username, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except auth.AuthError as exc:
        # One status for every refusal: a different one for locked accounts would tell an
        # outsider that the name exists.
        return _login_page(request, ERRORS[exc.code], username, 401)
    response = redirect("/console/")
    response.add_cookie(SESSION_COOKIE, token, path="/", httponly=True, samesite="Lax",
                        secure=_secure(request), max_age=int(auth.SESSION_TTL.total_seconds()))
    response.delete_cookie(CSRF_COOKIE, path=LOGIN_URL)
    return response


@bp.post("/console/logout")
@openapi.exclude()
@staff_required()
async def logout(request: Request) -> HTTPResponse:
    await auth.logout(request.cookies.get(SESSION_COOKIE))
    response = redirect(LOGIN_URL)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
