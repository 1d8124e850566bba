"""The console's sign-in and sign-out pages (the rules are ``content.auth``'s)."""

from __future__ import annotations

import secrets

from sanic import Request
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi

import content.auth as auth
from content.blueprint import CSRF_COOKIE, LOGIN_URL, SESSION_COOKIE, bp, staff_required, status_for
from content.pages import done_redirect, flash, page, posted, say
from core import request_ctx
from core.accounts import AuthError, LoginRateLimited
from core.request_ctx import client_address


def _secure(request: Request) -> bool:
    return request.app.ctx.settings.is_production or request.scheme == "https"


@bp.get(LOGIN_URL)
@openapi.exclude()
async def login_form(request: Request) -> HTTPResponse:
    # "您已退出登录" after a sign-out: the person at a shared counter PC sees it really happened.
    return _login_page(request, done=flash(request))


def _login_page(request: Request, error: str = "", username: str = "",
                status: int = 200, done: str = "") -> HTTPResponse:
    # Double-submit token: the form field must match a cookie only this site can set.
    token = secrets.token_urlsafe(24)
    response = page("login.html", status, csrf=token, error=error, username=username, staff=None,
                    done=done)
    response.add_cookie(CSRF_COOKIE, token, path=LOGIN_URL, httponly=True, samesite="Strict",
                        secure=_secure(request), max_age=3600)
    return response


@bp.post(LOGIN_URL)
@openapi.exclude()
async def login_submit(request: Request) -> HTTPResponse:
    form = posted(request)
    username = (form.get("username") or "").strip()
    if not auth.csrf_ok(request.cookies.get(CSRF_COOKIE) or "", form.get("csrf")):
        return _login_page(request, say("csrf"), username, 403)
    settings = request.app.ctx.settings
    try:
        token, _ = await auth.login(username, form.get("password") or "", request_ctx.now(request),
                                    address=client_address(request),
                                    per_address=settings.rate_limit_login_per_address,
                                    per_username=settings.rate_limit_login_per_username)
    except AuthError as exc:
        # One status for every refusal but the rate limit: a different one for locked accounts
        # would tell an outsider that the name exists. The form stays, with the text beside it.
        response = _login_page(request, say(exc.code, exc.params), username, status_for(exc.code))
        if isinstance(exc, LoginRateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
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
    response = done_redirect(LOGIN_URL, "logged_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
