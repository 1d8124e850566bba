"""Answers too slow for a passive reply: the callback said ``success`` and owes the resident a
customer-service message (allowed within 48 h of their message).

With the database the debt is a row (``bot.outbox``): any worker delivers it, once. Without it
(the claim fell back to this worker's memory), this worker delivers from memory, best effort;
those deliveries are held on ``app.ctx.bot_late`` until they finish, never in a module global.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import xmltodict
from sanic import Sanic

from bot import outbox
from bot.answer import answer, clock, context
from bot.replies import Reply, Text, fit
from core.context import of_app
from core.wechat import WechatApiError, WechatClient, protocol

log = logging.getLogger("baoshan.bot")

GRACE_SECONDS = 5.0  # at shutdown, for late answers in flight (Sanic's grace is 15 s)
SWEEP_SECONDS = 20.0

Work = asyncio.Task[tuple[str, Reply]]


def outbox_of(app: Sanic) -> outbox.Outbox:
    ctx = of_app(app)
    box: outbox.Outbox | None = ctx.bot_outbox
    if box is None:
        box = outbox.Outbox(ctx.wechat, lambda raw: recompute(app, raw),
                            clock=lambda: clock(app))
        ctx.bot_outbox = box
    return box


def owe(app: Sanic, key: str, user: str, work: Work) -> None:
    """The row says ``late`` (or is on its way to): deliver ``work``'s answer when it is ready."""
    outbox_of(app).follow(key, user, _late_payload(work))


def deliver_from_memory(app: Sanic, user: str, work: Work) -> None:
    """No row to keep the debt in: send ``work``'s text from this worker, best effort."""
    work.add_done_callback(lambda t: _schedule(app, t, user))


async def _late_payload(work: Work) -> dict[str, Any] | None:
    _, reply = await work
    return reply.late()


async def recompute(app: Sanic, raw: dict[str, str]) -> dict[str, Any] | None:
    """Answer a message again from its kept fields, for a worker taking over a late answer."""
    message, _ = protocol.parse(xmltodict.unparse({"xml": raw}))
    _, reply = await answer(message, "recovered", context(app, clock(app)))
    return reply.late()


def _schedule(app: Sanic, task: Work, user: str) -> None:
    if task.cancelled() or task.exception() is not None:
        return
    _, reply = task.result()
    if not isinstance(reply, Text) or not reply.content:
        return
    pending = _in_flight(app)
    sending = asyncio.get_running_loop().create_task(
        deliver_late(app.ctx.wechat, user, reply.content))
    pending.add(sending)
    sending.add_done_callback(pending.discard)


def _in_flight(app: Sanic) -> set[asyncio.Task[bool]]:
    """Deliveries from memory still running: held here so the loop (which keeps tasks only
    weakly) does not drop them, and so shutdown can wait for them."""
    return of_app(app).bot_late


async def deliver_late(api: WechatClient, user: str, content: str) -> bool:
    """Send a slow answer as a customer-service message; never retried (it may have arrived)."""
    try:
        await api.send_text(user, fit(content))
    except WechatApiError as exc:
        log.error("late answer not delivered", extra={"errcode": exc.errcode})
        return False
    return True


# --- lifecycle (listeners registered by bot.callback) -------------------------------------------

async def start(app: Sanic) -> None:
    # Background work is the settings' call (off in the tests, which sweep by hand with a fixed
    # clock: a background loop would race them).
    ctx = of_app(app)
    if not ctx.settings.background_jobs or ctx.bot_outbox_sweeper is not None:
        return
    ctx.bot_outbox_sweeper = asyncio.get_running_loop().create_task(_sweep_forever(app))


async def _sweep_forever(app: Sanic) -> None:
    """At start (answers a stopped worker left owed) and then every so often."""
    box = outbox_of(app)
    while True:
        try:
            await box.sweep()
        except Exception:  # the database may be away; the next round tries again
            log.warning("outbox sweep failed", exc_info=True)
        await asyncio.sleep(SWEEP_SECONDS)


async def stop(app: Sanic) -> None:
    ctx = of_app(app)
    sweeper = ctx.bot_outbox_sweeper
    if sweeper is not None:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        ctx.bot_outbox_sweeper = None
    box: outbox.Outbox | None = ctx.bot_outbox
    if box is not None:
        try:
            await box.drain(GRACE_SECONDS)
        except Exception:
            log.exception("late answers not handed back at shutdown")
    pending = _in_flight(app)
    if pending:  # already at WeChat or about to be: give them the same grace
        await asyncio.wait(list(pending), timeout=GRACE_SECONDS)
