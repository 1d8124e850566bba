"""``GET/POST /wechat``, WeChat's callback: verify → claim → dispatch → render → seal.

WeChat waits 5 s for a passive reply and retries a message up to three times, reaching any
worker on any host. So a message is claimed first (retries get the first attempt's reply), and
an answer not ready within 4 s is owed as a customer-service message (``bot.late``) after a
plain ``success``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, text
from sanic_ext import openapi

from bot import late, outbox, service
from bot.answer import answer, context
from bot.blueprint import bp
from bot.replies import SILENT
from core import catalogue
from core.context import app_context, of_app
from core.errors import error_response
from core.request_ctx import now as request_now
from core.settings import Settings
from core.wechat import protocol

log = logging.getLogger("baoshan.bot")

ANSWER_WITHIN_SECONDS = 4.0  # WeChat waits 5 s; leave a second for the network
ANSWER_RESERVE_SECONDS = 1.0  # of those 4 s, kept for answering when the claim is slow
SETTLE_SECONDS = 0.5  # of those 4 s, kept for recording the outcome (done or late)
_VERIFY_ARGS = ("signature", "timestamp", "nonce", "echostr")
_POST_ARGS = ("signature", "timestamp", "nonce", "encrypt_type", "msg_signature")

def _refuse(exc: protocol.ProtocolError) -> HTTPResponse:
    return error_response(exc.code, exc.status, catalogue.text("residents", exc.code))


@bp.get("/wechat")
@openapi.summary("微信服务器验证：校验签名后原样返回 echostr")
@openapi.exclude()
async def verify(request: Request) -> HTTPResponse:
    s: Settings = request.app.ctx.settings
    args = {k: request.args.get(k, "") for k in _VERIFY_ARGS}
    try:
        protocol.check_request(s.wechat_token, args, request_now(request).timestamp())
    except protocol.ProtocolError as exc:
        return _refuse(exc)
    # echostr is the caller's own string sent back: never let a browser sniff it into HTML.
    return text(args["echostr"], headers={"X-Content-Type-Options": "nosniff"})


class _Budget:
    """The 4-second promise, counted from the request's arrival, the claim included."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.deadline = self.loop.time() + ANSWER_WITHIN_SECONDS

    def left(self, keep: float) -> float:
        return max(self.deadline - keep - self.loop.time(), 0.0)


@bp.post("/wechat")
@openapi.exclude()
async def callback(request: Request) -> HTTPResponse:
    if int(request.headers.get("content-length") or 0) > protocol.MAX_BODY_BYTES:
        return _refuse(protocol.ProtocolError("payload_too_large", 413))
    budget, now = _Budget(), request_now(request)
    try:
        inbound = _read(request, now)
    except protocol.ProtocolError as exc:
        log.info("rejected callback", extra={"code": exc.code, "status": exc.status})
        return _refuse(exc)
    claim = await service.claim(
        app_context(request).bot_claims, inbound.dedup_key, inbound.user, now,
        outbox.request_text(inbound.raw),
        within=budget.left(ANSWER_RESERVE_SECONDS), retry_within=budget.left(SETTLE_SECONDS))
    if not claim.fresh:
        log.info("retry answered from store", extra={"key": inbound.dedup_key})
        return _seal(request, await claim.wait() or SILENT, inbound, now)
    body = await _dispatch_within(request, inbound, claim, now, budget)
    return _seal(request, body, inbound, now)


def _read(request: Request, now: datetime) -> protocol.Inbound:
    """Verify, decrypt and parse; raises ProtocolError for anything WeChat would not send."""
    s: Settings = request.app.ctx.settings
    return protocol.read(request.body or b"", {k: request.args.get(k, "") for k in _POST_ARGS},
                         token=s.wechat_token, aes_key=s.wechat_encoding_aes_key,
                         app_id=s.wechat_app_id, mode=s.wechat_message_mode, now=now.timestamp())


async def _dispatch_within(request: Request, inbound: protocol.Inbound, claim: service.Claim,
                           now: datetime, budget: _Budget) -> str:
    """The rendered reply if ready in time (recorded for retries), else ``success`` and a debt."""
    app, key = request.app, inbound.dedup_key
    work = asyncio.create_task(answer(inbound.message, key, context(app, now)))
    try:
        body, _ = await asyncio.wait_for(asyncio.shield(work), budget.left(SETTLE_SECONDS))
    except TimeoutError:
        log.warning("answer not ready in time", extra={"key": key})
        if claim.shared:
            # Recorded as owed before saying "success"; if the database is too slow for that,
            # the row stays "processing" and a sweep takes it over once its lease runs out.
            await _settle(outbox.mark_late(key, now))
            late.owe(app, key, inbound.user, work)
        else:
            service.LOCAL.settle(key, SILENT)
            late.deliver_from_memory(app, inbound.user, work)
        return SILENT
    if claim.shared:
        await _settle(outbox.mark_done(of_app(app).bot_done, key, body))
    else:
        service.LOCAL.settle(key, body)
    return body


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


def _seal(request: Request, body: str, inbound: protocol.Inbound, now: datetime) -> HTTPResponse:
    if body == SILENT:
        return text(SILENT)
    s: Settings = request.app.ctx.settings
    sealed = protocol.seal(body, inbound, token=s.wechat_token, aes_key=s.wechat_encoding_aes_key,
                           app_id=s.wechat_app_id, timestamp=str(int(now.timestamp())))
    return text(sealed, content_type="application/xml; charset=utf-8")
