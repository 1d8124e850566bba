"""``GET/POST /wechat``: verify → decrypt → parse → de-duplicate → dispatch → reply → encrypt."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

import xmltodict
from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, text
from sanic_ext import openapi
from wechatpy.replies import ArticlesReply, TextReply, TransferCustomerServiceReply

from bot import outbox, service
from bot.handlers import Reply, dispatch
from bot.messages import ERRORS, TEXT
from core.errors import error_response
from core.request_ctx import now as request_now
from core.settings import Settings
from core.wechat import WechatApiError, WechatClient, protocol

log = logging.getLogger("baoshan.bot")
bp = Blueprint("bot")

ANSWER_WITHIN_SECONDS = 4.0  # WeChat waits 5 s; leave a second for the network
ANSWER_RESERVE_SECONDS = 1.0  # of those 4 s, kept for answering when the claim is slow
SETTLE_SECONDS = 0.5  # of those 4 s, kept for recording the outcome (done or late)
LATE_GRACE_SECONDS = 5.0  # at shutdown, for late answers in flight (Sanic's grace is 15 s)
SWEEP_SECONDS = 20.0
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
    # The 4-second promise covers everything below, the claim included, whatever the database does.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ANSWER_WITHIN_SECONDS
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

    key = inbound.dedup_key
    claim = await service.claim(
        key, inbound.user, now, outbox.request_text(inbound.raw),
        within=deadline - ANSWER_RESERVE_SECONDS - loop.time(),
        retry_within=deadline - SETTLE_SECONDS - loop.time())
    if not claim.fresh:
        log.info("retry answered from store", extra={"key": key})
        return _respond(await claim.wait() or "success", inbound, s, now)

    ctx = service.BotContext(request.app.ctx.kb, s.miniapp_app_id, now, s.public_base_url)
    work = asyncio.create_task(_answer(inbound.message, key, ctx, s.public_base_url))
    try:
        body, _ = await asyncio.wait_for(asyncio.shield(work),
                                         max(deadline - SETTLE_SECONDS - loop.time(), 0.0))
    except TimeoutError:
        # Too slow for a passive reply: say "success" now and deliver the answer as a
        # customer-service message when it is ready (allowed within 48 h of the message).
        log.warning("answer not ready in time", extra={"key": key})
        if claim.shared:
            # Recorded as owed before saying "success"; if the database is too slow for that,
            # the row stays "processing" and a sweep takes it over once its lease runs out.
            await _settle(outbox.mark_late(key, now))
            outbox_of(request.app).follow(key, inbound.user, _late_payload(work))
        else:
            # No row to keep the debt in: deliver from this worker's memory, best effort.
            service.LOCAL.settle(key, "success")
            work.add_done_callback(lambda t: _schedule_late(t, _api(request.app), inbound.user))
        return text("success")
    if claim.shared:
        await _settle(outbox.mark_done(key, body))
    else:
        service.LOCAL.settle(key, body)
    return _respond(body, inbound, s, now)


async def _settle(step: Awaitable[Any]) -> Any:
    """One settling write within what is left of the budget; None when the database is too slow
    (the write carries on in the background and lands when it can)."""
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.wait_for(asyncio.shield(task), SETTLE_SECONDS)
    except Exception as exc:
        service.keep(task)
        log.warning("reply not recorded: database unavailable", extra={"error": type(exc).__name__})
        return None


def _api(app: Sanic) -> WechatClient:
    wechat: WechatClient = app.ctx.wechat
    return wechat


def outbox_of(app: Sanic) -> outbox.Outbox:
    box: outbox.Outbox | None = getattr(app.ctx, "bot_outbox", None)
    if box is None:
        box = outbox.Outbox(_api(app), lambda raw: _recompute(app, raw))
        app.ctx.bot_outbox = box
    return box


def late_message(reply: Reply | None) -> dict[str, Any] | None:
    """A reply as a customer-service message body (without ``touser``); None: nothing to send."""
    if reply is None:
        return None
    if reply.kind == "text" and reply.text:
        return {"msgtype": "text", "text": {"content": fit(reply.text)}}
    article = reply.meta.get("article") if reply.kind == "news" else None
    if article:
        return {"msgtype": "news", "news": {"articles": [{
            "title": article.get("title", ""), "description": article.get("description", ""),
            "url": article.get("url", ""), "picurl": article.get("picurl", "")}]}}
    return None


async def _late_payload(work: asyncio.Task[tuple[str, Reply | None]]) -> dict[str, Any] | None:
    _, reply = await work
    return late_message(reply)


async def _recompute(app: Sanic, raw: dict[str, str]) -> dict[str, Any] | None:
    """Answer a message again from its kept fields, for a worker taking over a late answer."""
    s: Settings = app.ctx.settings
    message, _ = protocol.parse(xmltodict.unparse({"xml": raw}))
    ctx = service.BotContext(app.ctx.kb, s.miniapp_app_id, outbox.now_utc(), s.public_base_url)
    _, reply = await _answer(message, "recovered", ctx, s.public_base_url)
    return late_message(reply)


def _schedule_late(task: asyncio.Task[tuple[str, Reply | None]], api: WechatClient, user: str) -> None:
    if task.cancelled() or task.exception() is not None:
        return
    _, reply = task.result()
    if reply is not None and reply.kind == "text" and reply.text:
        pending = asyncio.get_running_loop().create_task(deliver_late(api, user, reply.text))
        _LATE.add(pending)
        pending.add_done_callback(_LATE.discard)


_LATE: set[asyncio.Task[bool]] = set()  # keeps late deliveries alive until they finish


async def deliver_late(api: WechatClient, user: str, content: str) -> bool:
    """Send a slow answer as a customer-service message; never retried (it may have arrived)."""
    try:
        await api.send_text(user, fit(content))
    except WechatApiError as exc:
        log.error("late answer not delivered", extra={"errcode": exc.errcode})
        return False
    return True


async def _answer(message: Any, key: str, ctx: service.BotContext,
                  base_url: str) -> tuple[str, Reply | None]:
    started = time.perf_counter()
    try:
        reply = await dispatch(message, ctx)
        entry = reply.meta.get("entry", "")
        body = render(reply, message, f"{base_url}/kb/{entry}" if base_url and entry else "")
    except Exception:
        # Almost always the database (a follow, a menu's notice): a short "busy" beats silence.
        log.exception("handler failed", extra={"key": key})
        reply = Reply("text", TEXT["busy"])
        body = render(reply, message, "")
    log.info("answered", extra={"key": key, "kind": message.type,
                                "ms": round((time.perf_counter() - started) * 1000, 1)})
    return body, reply


@bp.after_server_start
async def start_outbox(app: Sanic) -> None:
    # Tests sweep by hand with a fixed clock: a background loop would race them.
    if Sanic.test_mode or getattr(app.ctx, "bot_outbox_sweeper", None):
        return
    app.ctx.bot_outbox_sweeper = asyncio.get_running_loop().create_task(_sweep_forever(app))


async def _sweep_forever(app: Sanic) -> None:
    """At start (answers a stopped worker left owed) and then every so often."""
    box = outbox_of(app)
    while True:
        try:
            await box.sweep()
        except Exception:  # the database may be away; the next round tries again
            log.warning("outbox sweep failed", exc_info=True)
        await asyncio.sleep(SWEEP_SECONDS)


@bp.before_server_stop
async def stop_outbox(app: Sanic) -> None:
    sweeper = getattr(app.ctx, "bot_outbox_sweeper", None)
    if sweeper is not None:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        app.ctx.bot_outbox_sweeper = None
    box: outbox.Outbox | None = getattr(app.ctx, "bot_outbox", None)
    if box is not None:
        try:
            await box.drain(LATE_GRACE_SECONDS)
        except Exception:
            log.exception("late answers not handed back at shutdown")


def _respond(body: str, inbound: protocol.Inbound, s: Settings, now: datetime) -> HTTPResponse:
    if body == "success":
        return text("success")
    sealed = protocol.seal(body, inbound, token=s.wechat_token, aes_key=s.wechat_encoding_aes_key,
                           app_id=s.wechat_app_id, timestamp=str(int(now.timestamp())))
    return text(sealed, content_type="application/xml; charset=utf-8")
