"""Login: exchange a wx.login code for our own token via WeChat's /sns/jscode2session."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi
from tortoise.exceptions import IntegrityError

from core.crypto import sha256_hex
from core.field_binding import SESSION_KEY, session_row_key
from core.models import MiniappSession, MiniappUser
from core.wechat import WechatApiError, WechatClient, WechatUnavailable
from miniapp_api.blueprint import bp
from miniapp_api.common import api_error, cipher, current_user, json_body, now
from miniapp_api.schemas import SessionIn, SessionOut, content, errors

log = logging.getLogger("baoshan.miniapp.session")
TOKEN_TTL = timedelta(days=1)


async def _jscode2session(request: Request, code: str) -> dict[str, Any]:
    wechat: WechatClient = request.app.ctx.wechat
    try:
        data = await wechat.jscode2session(code)
    except WechatUnavailable as exc:
        log.warning("jscode2session unreachable", extra={"error": exc.errmsg})
        raise api_error("wechat_unavailable") from None
    except WechatApiError as exc:
        if exc.errcode in (40029, 40163):  # invalid code / code already used
            raise api_error("invalid_code") from None
        if exc.errcode == 45011:  # WeChat says this user logs in too often
            raise api_error("rate_limited", retry_after=60) from None
        log.warning("jscode2session failed", extra={"errcode": exc.errcode})
        raise api_error("wechat_unavailable") from None
    if not data.get("openid") or not data.get("session_key"):
        log.warning("jscode2session failed", extra={"errcode": 0})
        raise api_error("wechat_unavailable")
    return data


async def _user(openid: str) -> MiniappUser:
    user = await MiniappUser.get_or_none(openid=openid)
    if user is not None:
        return user
    try:
        return await MiniappUser.create(openid=openid)
    except IntegrityError:  # the same resident logging in twice at once
        return await MiniappUser.get(openid=openid)


@bp.post("/session")
@openapi.summary("小程序登录：用 wx.login 的 code 换取令牌")
@openapi.body(content(SessionIn))
@openapi.response(200, content(SessionOut), "登录成功")
@errors("invalid_input", "invalid_code", "rate_limited", "wechat_unavailable")
async def login(request: Request) -> HTTPResponse:
    body = json_body(request)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not 1 <= len(code.strip()) <= 128:
        raise api_error("invalid_input", field="code", detail="缺少登录凭证 code")
    data = await _jscode2session(request, code.strip())
    user = await _user(str(data["openid"]))
    token = secrets.token_urlsafe(32)
    token_hash = sha256_hex(token)
    session_key_enc = SESSION_KEY.encrypt(cipher(request), str(data["session_key"]),
                                          row_key=session_row_key(token_hash))
    await MiniappSession.create(user_id=user.id, token_hash=token_hash,
                                session_key_enc=session_key_enc,
                                expires_at=now(request) + TOKEN_TTL)
    return json(SessionOut(token=token, expires_in=int(TOKEN_TTL.total_seconds())).body())


@bp.delete("/session")
@openapi.summary("退出登录：吊销当前令牌")
@openapi.response(204, None, "已退出")
@errors("unauthorized", "rate_limited")
async def logout(request: Request) -> HTTPResponse:
    await current_user(request)
    await MiniappSession.filter(id=request.ctx.session_id).update(revoked=True)
    return HTTPResponse(status=204)
