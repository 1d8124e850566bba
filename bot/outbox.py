"""Answers too slow for a passive reply, kept until they are delivered (issue #11).

The callback says ``success`` after 4 s and owes the resident a customer-service message. That
debt lives in the message's ``wechat_inbound`` row, not in a worker's memory, so a restart or a
killed worker does not cancel it:

- ``processing``: claimed; the route settles it within its 4-second budget, as ``done`` (answered
  passively) or ``late`` (answer owed). Its lease is short: a row still ``processing`` after it
  belonged to a worker that died mid-message.
- ``late``: the worker holding the lease works on the answer. A lease that runs out (the worker
  died) or was handed back (SIGTERM) lets any worker take the row and answer it from ``request``.
- ``sending``: one worker won the ``late`` → ``sending`` UPDATE and is the only one that sends;
  a retry never answers such a row passively. Then ``sent`` or ``failed``, or ``unknown`` when
  the sender died during the call (never sent twice: it may have arrived).
- ``expired``: WeChat's 48-hour window for customer-service messages closed first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from core import sql
from core.batch import Batched, marks
from core.models import WechatInbound
from core.wechat import WechatApiError, WechatClient

log = logging.getLogger("baoshan.bot.outbox")

PROCESSING_LEASE = timedelta(seconds=10)  # the route settles a row within ~4 s of claiming it
LATE_LEASE = timedelta(seconds=30)  # database calls are bounded, so an answer takes far less
SEND_LEASE = timedelta(seconds=60)  # a customer-service call is bounded by the HTTP timeout
WINDOW = timedelta(hours=48) - timedelta(minutes=5)  # WeChat's limit, with a margin
FINISHED = ("done", "sent", "failed", "unknown", "expired")
SWEEP_BATCH = 50

# Builds the customer-service message (the API's JSON body without "touser") for one inbound
# message's fields; None when there is nothing to send. Provided by bot.late.
Answer = Callable[[dict[str, str]], Awaitable[dict[str, Any] | None]]


def now_utc() -> datetime:
    return datetime.now(UTC)


def request_text(raw: dict[str, str]) -> str:
    return json.dumps(raw, ensure_ascii=False)


_DONE = ("UPDATE wechat_inbound SET status = 'done', reply = CASE \"key\" {cases} END, "
         "request = '', lease_until = NULL WHERE status = 'processing' AND \"key\" IN ({keys}) "
         "RETURNING \"key\"")


async def _mark_done(items: Sequence[tuple[str, str]], conn: BaseDBAsyncClient) -> list[int]:
    # Every answered message settles its row: one UPDATE per event-loop turn (core.batch), each
    # row its own reply, instead of one ORM update per message.
    replies = dict(reversed(items))  # a key given twice keeps its first reply, like two UPDATEs
    cases = " ".join(["WHEN ? THEN ?"] * len(replies))
    done = await sql.fetch(_DONE.format(cases=cases, keys=marks(len(replies))),
                           [v for pair in replies.items() for v in pair] + list(replies), conn)
    settled = {row["key"] for row in done}
    counts = []
    for key, _ in items:  # the first of two copies settles the row; the second finds it done
        counts.append(int(key in settled))
        settled.discard(key)
    return counts


Done = Batched[tuple[str, str], int]  # key, passive reply → rows settled (0 or 1)


def done_batcher() -> Done:
    """A fresh batcher of settlements, one per app (``AppContext.bot_done``)."""
    return Batched("wechat_done", _mark_done, max_items=200)


async def mark_done(done: Done, key: str, reply: str) -> int:
    """The route answered passively: retries get the same reply, nobody sends another. Through
    the app's batcher ``done``."""
    return await done((key, reply))


async def mark_late(key: str, now: datetime) -> bool:
    """The route said ``success``: from now on only a customer-service message answers."""
    return bool(await WechatInbound.filter(key=key, status="processing").update(
        status="late", lease_until=now + LATE_LEASE))


async def _take_for_sending(key: str, now: datetime) -> bool:
    # The one decision on who delivers: exactly one UPDATE moves a row to sending. "processing"
    # too: the route's mark_late may still be on its way when the answer is ready.
    return bool(await WechatInbound.filter(key=key, status__in=["processing", "late"]).update(
        status="sending", lease_until=now + SEND_LEASE))


async def _finish(key: str, status: str) -> None:
    await WechatInbound.filter(key=key).update(status=status, request="", lease_until=None)


class Outbox:
    """This worker's share of the outbox: the late answers it is working on."""

    def __init__(self, api: WechatClient, answer: Answer,
                 clock: Callable[[], datetime] = now_utc) -> None:
        self.api, self.answer, self.clock = api, answer, clock
        self.tasks: dict[str, asyncio.Task[str]] = {}
        self.sending: set[str] = set()

    def follow(self, key: str, user: str, payload: Awaitable[dict[str, Any] | None]) -> None:
        """Deliver ``payload`` once it is ready (the route's own answer, still being worked on)."""
        self._track(key, self._deliver(key, user, payload))

    def _track(self, key: str, work: Awaitable[str]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks[key] = task

        def done(t: asyncio.Task[str]) -> None:
            if self.tasks.get(key) is t:
                del self.tasks[key]
            if not t.cancelled() and t.exception() is not None:
                # The row keeps its lease: once it runs out, a sweep tries again.
                log.error("late answer failed", extra={"key": key},
                          exc_info=t.exception())
        task.add_done_callback(done)

    async def _deliver(self, key: str, user: str, payload: Awaitable[dict[str, Any] | None]) -> str:
        body = await payload
        if body is None:  # nothing to say (an event that needs no answer)
            await WechatInbound.filter(key=key, status="late").update(
                status="done", request="", lease_until=None)
            return "nothing"
        if not await _take_for_sending(key, self.clock()):
            log.info("late answer already taken", extra={"key": key})
            return "taken"
        self.sending.add(key)
        try:
            await self.api.send_custom(user, body)
        except WechatApiError as exc:
            log.error("late answer not delivered", extra={"key": key, "errcode": exc.errcode})
            await _finish(key, "failed")
            return "failed"
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(_finish(key, "unknown"))
            raise
        finally:
            self.sending.discard(key)
        await _finish(key, "sent")
        log.info("late answer delivered", extra={"key": key})
        return "sent"

    async def sweep(self, now: datetime | None = None) -> int:
        """Take over owed answers whose worker is gone; returns how many were taken."""
        now = now or self.clock()
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        stuck = await WechatInbound.filter(free, status="sending").update(status="unknown")
        if stuck:
            log.error("late answers may not have been delivered: their worker stopped while "
                      "sending", extra={"count": stuck})
        expired = await WechatInbound.filter(free, status__in=["processing", "late"],
                                             created_at__lt=now - WINDOW).update(status="expired",
                                                                                 request="")
        if expired:
            log.error("late answers expired undelivered (48-hour window)",
                      extra={"count": expired})
        rows = await WechatInbound.filter(free, status__in=["processing", "late"]).exclude(
            key__in=list(self.tasks)).order_by("created_at").limit(SWEEP_BATCH)
        taken = 0
        for row in rows:
            won = await WechatInbound.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now),
                                             key=row.key, status=row.status).update(
                status="late", lease_until=now + LATE_LEASE)
            if not won:
                continue  # another worker took it first
            taken += 1
            try:
                raw = json.loads(row.request) if row.request else None
            except ValueError:
                raw = None
            if not isinstance(raw, dict):
                log.error("late answer lost: its message was not kept", extra={"key": row.key})
                await _finish(row.key, "failed")
                continue
            log.warning("taking over a late answer", extra={"key": row.key, "was": row.status})
            self._track(row.key, self._deliver(row.key, row.user, self.answer(raw)))
        return taken

    async def drain(self, grace: float) -> None:
        """SIGTERM: finish what can be finished within ``grace``; hand the rest back (lease
        released) for the next worker, instead of leaving it until the lease runs out."""
        if self.tasks:
            await asyncio.wait(list(self.tasks.values()), timeout=grace)
        unfinished = {k: t for k, t in self.tasks.items() if not t.done() and k not in self.sending}
        for task in unfinished.values():
            task.cancel()
        if unfinished:
            await asyncio.wait(list(unfinished.values()), timeout=1)
            handed = await WechatInbound.filter(key__in=list(unfinished), status="late").update(
                lease_until=None)
            log.warning("late answers handed back at shutdown", extra={"count": handed})
        sending = [t for k, t in self.tasks.items() if k in self.sending]
        if sending:  # already at WeChat: cutting the call short could only lose the outcome
            await asyncio.wait(sending, timeout=grace)
