"""``GET/POST /wechat``: verify → decrypt → parse → de-duplicate → dispatch → reply → encrypt."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import datetime
from typing import Any

from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, text
from sanic_ext import openapi
from wechatpy.replies import ArticlesReply, TextReply, TransferCustomerServiceReply

from bot import protocol, service
from bot.handlers import Reply, dispatch
from bot.messages import ERRORS, TEXT
from bot.wechat_api import WechatApi, WechatApiError
from core.errors import error_response
from core.request_ctx import now as request_now
from core.settings import Settings

log = logging.getLogger("baoshan.bot")
bp = Blueprint("bot")

ANSWER_WITHIN_SECONDS = 4.0  # WeChat waits 5 s; leave a second for the network
TEXT_LIMIT_BYTES = 2000  # WeChat shows about 2,048 bytes of a text reply
_SENTENCE_END = re.compile(r"(?<=[。！？；\n])")


def _fail(code: str, status: int) -> HTTPResponse:
    return error_response(code, status, ERRORS.get(code))


@bp.before_server_start
async def warn_unless_safe(app: Sanic) -> None:
    """Outside safe mode a callback's signature covers no part of its body: anyone who saw one
    signed URL could post any message as any resident for the next five minutes."""
    s: Settings = app.ctx.settings
    if s.is_production and s.wechat_message_mode != protocol.SAFE_MODE:
        log.warning("WeChat callback accepts plaintext messages in production; "
                    "set WECHAT_MESSAGE_MODE=safe (安全模式) so every message body is signed",
                    extra={"mode": s.wechat_message_mode})


@bp.get("/wechat")
@openapi.summary("微信服务器验证：校验签名后原样返回 echostr")
@openapi.exclude()
async def verify(request: Request) -> HTTPResponse:
    s: Settings = request.app.ctx.settings
    args = {k: request.args.get(k, "") for k in ("signature", "timestamp", "nonce", "echostr")}
    try:
        protocol.check_request(s.wechat_token, args, request_now(request).timestamp())
    except protocol.ProtocolError as exc:
        return _fail(exc.code, exc.status)
    # echostr is the caller's own string sent back: never let a browser sniff it into HTML.
    return text(args["echostr"], headers={"X-Content-Type-Options": "nosniff"})


def fit(body: str, read_more: str = "") -> str:
    """Cut a reply to WeChat's limit at a sentence boundary, pointing to the full text."""
    if len(body.encode()) <= TEXT_LIMIT_BYTES:
        return body
    tail = "\n" + (TEXT["read_more"].format(url=read_more) if read_more else TEXT["truncated"])
    budget = TEXT_LIMIT_BYTES - len(tail.encode())
    out = ""
    for piece in _SENTENCE_END.split(body):
        if len((out + piece).encode()) > budget:
            break
        out += piece
    if not out:  # one enormous sentence: cut by characters
        out = body.encode()[:budget].decode(errors="ignore")
    return out.rstrip() + tail


def render(reply: Reply, message: Any, read_more: str) -> str:
    if reply.kind == "text" and reply.text:
        return str(TextReply(content=fit(reply.text, read_more), message=message).render())
    if reply.kind == "news" and reply.meta.get("article"):
        return str(ArticlesReply(message=message, articles=[reply.meta["article"]]).render())
    if reply.kind == "transfer":
        return str(TransferCustomerServiceReply(message=message).render())
    return "success"


@bp.post("/wechat")
@openapi.exclude()
async def callback(request: Request) -> HTTPResponse:
    s: Settings = request.app.ctx.settings
    if int(request.headers.get("content-length") or 0) > protocol.MAX_BODY_BYTES:
        return _fail("payload_too_large", 413)
    args = {k: request.args.get(k, "") for k in
            ("signature", "timestamp", "nonce", "encrypt_type", "msg_signature")}
    now = request_now(request)
    try:
        inbound = protocol.read(request.body or b"", args, token=s.wechat_token,
                                aes_key=s.wechat_encoding_aes_key, app_id=s.wechat_app_id,
                                mode=s.wechat_message_mode, now=now.timestamp())
    except protocol.ProtocolError as exc:
        log.info("rejected callback", extra={"code": exc.code, "status": exc.status})
        return _fail(exc.code, exc.status)

    claim = await service.claim(inbound.dedup_key, inbound.user, now)
    if not claim.fresh:
        log.info("retry answered from store", extra={"key": inbound.dedup_key})
        return _respond(claim.reply or "success", inbound, s, now)

    ctx = service.BotContext(request.app.ctx.kb, s.miniapp_app_id, now, s.public_base_url)
    work = asyncio.create_task(_answer(inbound, ctx, s.public_base_url))
    try:
        body, _ = await asyncio.wait_for(asyncio.shield(work), ANSWER_WITHIN_SECONDS)
    except TimeoutError:
        # Too slow for a passive reply: say "success" now and deliver the answer as a
        # customer-service message when it is ready (allowed within 48 h of the message).
        api = WechatApi(request.app.ctx.http, s.wechat_api_base_url, s.wechat_app_id,
                        s.wechat_app_secret)
        work.add_done_callback(lambda t: _schedule_late(t, api, inbound.user))
        log.warning("answer not ready in time", extra={"key": inbound.dedup_key})
        return _respond("success", inbound, s, now)
    return _respond(body, inbound, s, now)


def _schedule_late(task: asyncio.Task[tuple[str, Reply | None]], api: WechatApi, user: str) -> None:
    if task.cancelled() or task.exception() is not None:
        return
    _, reply = task.result()
    if reply is not None and reply.kind == "text" and reply.text:
        pending = asyncio.get_running_loop().create_task(deliver_late(api, user, reply.text))
        _LATE.add(pending)
        pending.add_done_callback(_LATE.discard)


_LATE: set[asyncio.Task[bool]] = set()  # keeps late deliveries alive until they finish


async def deliver_late(api: WechatApi, user: str, content: str) -> bool:
    """Send a slow answer as a customer-service message; never retried (it may have arrived)."""
    try:
        await api.send_text(user, fit(content))
    except WechatApiError as exc:
        log.error("late answer not delivered", extra={"errcode": exc.errcode})
        return False
    return True


async def _answer(inbound: protocol.Inbound, ctx: service.BotContext,
                  base_url: str) -> tuple[str, Reply | None]:
    started = time.perf_counter()
    reply: Reply | None = None
    try:
        reply = await dispatch(inbound.message, ctx)
        entry = reply.meta.get("entry", "")
        body = render(reply, inbound.message, f"{base_url}/kb/{entry}" if base_url and entry else "")
    except Exception:
        log.exception("handler failed", extra={"key": inbound.dedup_key})
        body = "success"
    await service.finish(inbound.dedup_key, body)
    log.info("answered", extra={"key": inbound.dedup_key, "kind": inbound.message.type,
                                "ms": round((time.perf_counter() - started) * 1000, 1)})
    return body, reply


def _respond(body: str, inbound: protocol.Inbound, s: Settings, now: datetime) -> HTTPResponse:
    if body == "success":
        return text("success")
    sealed = protocol.seal(body, inbound, token=s.wechat_token, aes_key=s.wechat_encoding_aes_key,
                           app_id=s.wechat_app_id, timestamp=str(int(now.timestamp())))
    return text(sealed, content_type="application/xml; charset=utf-8")
