"""The bot's state in the database: retries answered once, suggestions, followers.

WeChat re-sends a message it got no answer for (up to 3 times in ~15 s) and may reach any worker
on any host, so de-duplication lives in the shared database, never in a worker's memory.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from core import site_settings
from core.kb import KnowledgeService
from core.models import WechatFollower, WechatInbound, WechatUserState
from core.notices import published_notices
from knowledge.matcher import Result

log = logging.getLogger("baoshan.bot")

DEDUP_KEEP = timedelta(minutes=10)
SUGGESTIONS_KEEP = timedelta(minutes=10)
RETRY_WAIT_SECONDS = 4.0


class Claim:
    """The outcome of claiming a message: first attempt (``fresh``) or a retry's stored reply."""

    def __init__(self, fresh: bool, reply: str | None = None) -> None:
        self.fresh = fresh
        self.reply = reply


async def claim(key: str, user: str, now: datetime) -> Claim:
    try:
        await WechatInbound.create(key=key, user=user, status="processing")
    except IntegrityError:
        return Claim(False, await _wait_for_reply(key))
    if random.random() < 0.02:
        await WechatInbound.filter(created_at__lt=now - DEDUP_KEEP).delete()
    return Claim(True)


async def _wait_for_reply(key: str) -> str | None:
    """A retry arrives while the first attempt may still be working: wait a little for it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RETRY_WAIT_SECONDS
    while True:
        row = await WechatInbound.get_or_none(key=key)
        if row and row.status == "done":
            return row.reply
        if loop.time() >= deadline:
            return None
        await asyncio.sleep(0.2)


async def finish(key: str, reply: str) -> None:
    await WechatInbound.filter(key=key).update(status="done", reply=reply)


class BotContext:
    """What handlers may use (see ``bot.handlers.Context``)."""

    def __init__(self, kb: KnowledgeService, miniapp_app_id: str, now: datetime,
                 public_base_url: str = "") -> None:
        self.kb = kb
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
        index = self.kb.index
        if index is None:
            return None
        for doc in index.docs:
            if doc.entry.id == entry_id:
                return self.kb.reply_for(doc.entry)
        return None

    async def remember_suggestions(self, user: str, entry_ids: list[str]) -> None:
        await WechatUserState.update_or_create(
            user=user, defaults={"suggestions": entry_ids, "expires_at": self.now + SUGGESTIONS_KEEP})

    async def recall_suggestion(self, user: str, number: int) -> str | None:
        state = await WechatUserState.get_or_none(user=user)
        if state is None or state.expires_at < self.now:
            return None
        ids: list[Any] = list(state.suggestions or [])
        return str(ids[number - 1]) if 0 < number <= len(ids) else None

    async def record_follow(self, user: str, subscribed: bool, scene: str) -> None:
        await WechatFollower.update_or_create(
            user=user, defaults={"subscribed": subscribed, "scene": scene[:64]})

    async def forget_user(self, user: str) -> None:
        """The resident withdrew their authorisation or closed their account: WeChat's rules ask
        that what we keep about them goes (follow record, pending suggestions)."""
        await WechatFollower.filter(user=user).delete()
        await WechatUserState.filter(user=user).delete()

    async def latest_notice(self) -> dict[str, str] | None:
        notices = await published_notices(self.now, 1)
        if not notices:
            return None
        n = notices[0]
        return {"title": n.title, "description": n.summary,
                "url": f"{self.public_base_url}/notices/{n.id}" if self.public_base_url else ""}

    async def welcome_text(self) -> str:
        from bot.messages import TEXT

        return await site_settings.load_welcome() or TEXT["welcome"]
