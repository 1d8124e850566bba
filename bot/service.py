"""The bot's state in the database: retries answered once, suggestions, followers.

WeChat re-sends a message it got no answer for (up to 3 times in ~15 s) and may reach any worker
on any host, so de-duplication lives in the shared database. Only while the database cannot be
reached in time does a worker fall back to its own memory (``LocalDedup``): the resident still
gets the answer from the in-memory index, and retries that reach this worker get it once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sanic import Sanic
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from bot import outbox
from bot.replies import say
from core import guide_match, site_settings, sql
from core.answering import find_entry, latest_notice
from core.batch import Batched, db_values, rows_of
from core.context import of_app
from core.conversation import Conversations, DbConversation
from core.flows import FlowStore, Guided
from core.guide_match import GuideAnswer
from core.guide_walk import GuideWalkFlow
from core.kb import KnowledgeService
from core.models import GuidedFlowState, WechatFollower, WechatInbound, WechatUserState
from core.policy_chat import PolicyCheckFlow
from knowledge.matcher import Result

log = logging.getLogger("baoshan.bot")

DEDUP_KEEP = timedelta(minutes=10)
POLL_SECONDS = 0.2
LOCAL_KEEP_SECONDS = 60.0  # WeChat's retries of one message come within ~15 s
LOCAL_LIMIT = 10_000


class Claim:
    """The outcome of claiming a message: first attempt (``fresh``) or a retry's stored reply.

    ``shared`` says whether the claim is in the database (seen by every worker) or only in this
    worker's memory because the database could not be reached in time.
    """

    def __init__(self, fresh: bool, reply: str | None = None, shared: bool = True) -> None:
        self.fresh = fresh
        self.reply = reply
        self.shared = shared

    async def wait(self) -> str | None:
        """A retry's reply: the first attempt's passive reply, or None (say ``success``)."""
        return self.reply


class LocalDedup:
    """Claims in this worker's memory, bounded in size and time, for when the database is out."""

    def __init__(self, keep_seconds: float = LOCAL_KEEP_SECONDS, limit: int = LOCAL_LIMIT) -> None:
        self.keep, self.limit = keep_seconds, limit
        self._items: OrderedDict[str, tuple[float, asyncio.Future[str]]] = OrderedDict()

    def claim(self, key: str) -> asyncio.Future[str] | None:
        """None for the first attempt (now claimed); for a retry, the first attempt's reply."""
        now = time.monotonic()
        held = self._items.get(key)
        if held is not None and held[0] >= now:
            return held[1]
        self._items.pop(key, None)
        while self._items and (len(self._items) >= self.limit
                               or next(iter(self._items.values()))[0] < now):
            self._items.popitem(last=False)
        self._items[key] = (now + self.keep, asyncio.get_running_loop().create_future())
        return None

    def settle(self, key: str, reply: str) -> None:
        held = self._items.get(key)
        if held is not None and not held[1].done():
            held[1].set_result(reply)


LOCAL = LocalDedup()
_BACKGROUND: set[asyncio.Future[Any]] = set()  # claims and settlements still on their way


_CLAIM = ('INSERT INTO wechat_inbound ("key", "user", status, reply, request, lease_until, '
          'created_at) VALUES {} ON CONFLICT ("key") DO NOTHING RETURNING "key"')


async def _insert_claims(items: Sequence[tuple[str, str, str, datetime]],
                         conn: BaseDBAsyncClient) -> list[bool]:
    """Inserts the claims of one event-loop turn as one statement (core.batch): one per message,
    and through the ORM it cost more than the rest of the answer. True: claimed here (the row
    is new); False: the key was there already (a retry), also for a second copy in the batch."""
    first: dict[str, int] = {}
    for i, (key, *_) in enumerate(items):
        first.setdefault(key, i)
    created = datetime.now(UTC)  # what the ORM's auto_now_add would store
    values: list[Any] = []
    for key, i in first.items():
        _, user, request, lease = items[i]
        values += db_values(WechatInbound, {"key": key, "user": user, "request": request,
                                            "lease_until": lease, "created_at": created})
    rows = await sql.fetch(_CLAIM.format(rows_of(len(first), "(?, ?, 'processing', '', ?, ?, ?)")),
                           values, conn)
    fresh = {row["key"] for row in rows}
    return [key in fresh and first[key] == i for i, (key, *_) in enumerate(items)]


Claims = Batched[tuple[str, str, str, datetime], bool]  # key, openid, request, lease → claimed


def claim_batcher() -> Claims:
    """A fresh batcher of claims, one per app (``AppContext.bot_claims``)."""
    return Batched("wechat_claim", _insert_claims, max_items=150)


async def open_batchers(app: Sanic) -> None:
    """``before_server_start`` (registered by bot.callback): the app's batchers of the bot's
    per-message writes, made once per app (sanic-testing runs the server events around every
    request) and held on its context, never by a module."""
    ctx = of_app(app)
    if not hasattr(ctx, "bot_claims"):
        ctx.bot_claims = claim_batcher()
    if not hasattr(ctx, "bot_done"):
        ctx.bot_done = outbox.done_batcher()


async def claim(claims: Claims, key: str, user: str, now: datetime, request: str, *,
                within: float, retry_within: float) -> Claim:
    """Claim ``key`` through the app's ``claims`` within ``within`` seconds or fall back to this
    worker's memory; a retry waits at most ``retry_within`` seconds for the first attempt's
    reply."""
    insert = asyncio.ensure_future(
        claims((key, user, request, now + outbox.PROCESSING_LEASE)))
    try:
        claimed = await asyncio.wait_for(asyncio.shield(insert), max(within, 0.0))
    except Exception as exc:  # refused, reset, timed out: whatever keeps the database away
        if not insert.done():
            keep(insert)
            insert.add_done_callback(lambda t: _settle_late_claim(t, key))
        log.warning("database unavailable: message claimed in this worker's memory only, "
                    "retries reaching other workers may be answered again",
                    extra={"key": key, "error": type(exc).__name__})
        return _claim_locally(key, retry_within)
    if not claimed:  # the key was there already: a retry
        return Claim(False, await _wait_for_reply(key, retry_within))
    if random.random() < 0.02:
        keep(asyncio.ensure_future(purge(now)))
    return Claim(True)


async def purge(now: datetime) -> int:
    """Settled rows go after the retry window; owed answers only once WeChat's window closed."""
    return await WechatInbound.filter(
        Q(status__in=list(outbox.FINISHED), created_at__lt=now - DEDUP_KEEP)
        | Q(created_at__lt=now - outbox.WINDOW - timedelta(days=1))).delete()


def keep(task: asyncio.Future[Any]) -> None:
    """Keep a background write alive (the loop holds tasks only weakly) until it lands."""
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    # Retrieved here so that a failure in the background is not reported as never retrieved.
    task.add_done_callback(lambda t: t.cancelled() or t.exception())


def _settle_late_claim(task: asyncio.Future[Any], key: str) -> None:
    """The claim given up on reached the database after all: this worker answered from memory,
    so mark the row settled, or a sweep would take it for an answer still owed."""
    if task.cancelled() or task.exception() is not None or not task.result():
        return
    keep(asyncio.ensure_future(WechatInbound.filter(key=key, status="processing").update(
        status="done", request="", lease_until=None)))


def _claim_locally(key: str, retry_within: float) -> Claim:
    first = LOCAL.claim(key)
    return Claim(True, shared=False) if first is None else _LocalRetry(first, retry_within)


class _LocalRetry(Claim):
    """A retry of a message claimed in this worker's memory: ``wait`` gives the first reply."""

    def __init__(self, first: asyncio.Future[str], within: float) -> None:
        super().__init__(False, None, shared=False)
        self.first, self.within = first, within

    async def wait(self) -> str | None:
        try:
            return await asyncio.wait_for(asyncio.shield(self.first), max(self.within, 0.0))
        except TimeoutError:
            return None


async def _wait_for_reply(key: str, within: float) -> str | None:
    """A retry arrives while the first attempt may still be working: wait a little for it.

    Only a passive reply (``done``) is repeated. Once the first attempt has said ``success``
    (``late`` and after), the answer comes as a customer-service message and nothing else: a
    passive reply as well would deliver it twice.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            row = await asyncio.wait_for(WechatInbound.get_or_none(key=key),
                                         max(deadline - loop.time(), 0.0))
        except Exception:
            return None
        if row and row.status == "done":
            return row.reply
        if row is None or row.status != "processing" or loop.time() + POLL_SECONDS >= deadline:
            return None
        await asyncio.sleep(POLL_SECONDS)


class BotContext:
    """What handlers may use (see ``bot.registry.Context``)."""

    def __init__(self, kb: KnowledgeService, conversations: Conversations, miniapp_app_id: str,
                 now: datetime, public_base_url: str = "", flows: FlowStore | None = None) -> None:
        self.kb = kb
        self.flows = flows  # guided flows' state (AppContext.flows); None: no flows here
        self.conversations = conversations  # the app's batchers (AppContext.conversations)
        self.miniapp_app_id = miniapp_app_id
        self.now = now
        self.public_base_url = public_base_url

    async def ask(self, text: str, user: str) -> Result:
        result = await self.kb.asearch(text)
        await self.kb.record_unanswered(result, channel="wechat", user=user)
        return result

    def reply_text(self, result: Result) -> str:
        return self.kb.reply(result)

    def entry_text(self, entry_id: str) -> str | None:
        entry = find_entry(self.kb, entry_id)
        return self.kb.reply_for(entry) if entry else None

    def conversation(self, user: str) -> DbConversation:
        """The resident's conversation (suggestions, topic) in the shared database."""
        return self.conversations.of(user, self.now)

    def guided(self, user: str) -> Guided | None:
        """The resident's guided flows (the 政策找人 self-check), in the shared database."""
        if self.flows is None:
            return None
        return Guided(self.flows, user, self.now,
                      [PolicyCheckFlow(self.kb, self.now, self.public_base_url),
                       GuideWalkFlow(self.kb, self.now, self.public_base_url)])

    async def record_follow(self, user: str, subscribed: bool, scene: str) -> None:
        await WechatFollower.update_or_create(
            user=user, defaults={"subscribed": subscribed, "scene": scene[:64]})

    async def forget_user(self, user: str) -> None:
        """The resident withdrew their authorisation or closed their account: WeChat's rules ask
        that what we keep about them goes (follow record, pending suggestions and topic)."""
        await WechatFollower.filter(user=user).delete()
        await WechatUserState.filter(user=user).delete()
        await GuidedFlowState.filter(user=user).delete()

    async def latest_notice(self) -> dict[str, str] | None:
        return await latest_notice(self.now, self.public_base_url)

    async def guide_answer(self, text: str) -> GuideAnswer | None:
        """The 社会组织 guide (or step) ``text`` asks about, linked on the public origin."""
        return await guide_match.answer(text, self.kb.contacts, self.public_base_url)

    async def welcome_text(self) -> str:
        return await site_settings.load_welcome() or say("bot_welcome")
