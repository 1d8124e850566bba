"""One message answered: dispatch → render. The same whether the reply goes out passively, late
as a customer-service message, or is worked out again by a worker taking over an owed answer."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from sanic import Sanic

from bot import events, handlers  # noqa: F401  (importing them registers their handlers)
from bot.registry import dispatch
from bot.replies import Reply, Text, present, say
from bot.service import BotContext
from core.context import of_app
from core.errors import DomainError
from core.settings import Settings

log = logging.getLogger("baoshan.bot")


def clock(app: Sanic) -> datetime:
    """The app's clock (a test may inject ``app.ctx.clock``), for work outside a request."""
    return of_app(app).clock()


def context(app: Sanic, now: datetime) -> BotContext:
    ctx = of_app(app)
    s: Settings = ctx.settings
    return BotContext(ctx.kb, ctx.conversations, s.miniapp_app_id, now, s.public_base_url,
                      ctx.flows)


async def answer(message: Any, key: str, ctx: BotContext) -> tuple[str, Reply]:
    """The passive-reply XML (before sealing) and the reply it renders."""
    started = time.perf_counter()
    try:
        reply = await dispatch(message, ctx)
        body = reply.xml(message, ctx.public_base_url)
    except Exception as exc:
        if isinstance(exc, DomainError):  # a rule said no: its text, from the catalogue
            reply = present(exc)
        else:
            # Almost always the database (a follow, a menu's notice): "busy" beats silence.
            log.exception("handler failed", extra={"key": key})
            reply = Text(say("bot_busy"))
        body = reply.xml(message)
    log.info("answered", extra={"key": key, "kind": message.type,
                                "ms": round((time.perf_counter() - started) * 1000, 1)})
    return body, reply
