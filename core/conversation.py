"""Short-lived per-user conversation state, and how a follow-up borrows the topic.

A resident asks "结婚登记要带什么", then "那在哪里办", then "周六上班吗": the second and third name
no service, and matched alone they land anywhere (a low-income subsidy's office, the bureau's
contacts). The last answered entry is kept as the topic for ``TOPIC_KEEP``; a follow-up that
names no service is searched again with the topic's service (or, when it asks where or when, the
office of that service) in front, and that answer is taken when it is confident and stays in the
topic's category. A message that names a service of its own is a new topic and is matched alone.

The state is a row per openid in ``wechat_user_state`` (every worker and host sees it), with its
own expiry; ``core.retention`` removes rows once both the suggestions and the topic expired.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError

from core import pii
from core.answer_words import CATEGORY_CONTEXT, FOLLOW_UP_WORDS, PLACE_TIME_WORDS
from core.models import WechatUserState
from knowledge.entries import Entry

log = logging.getLogger("baoshan.conversation")

SUGGESTIONS_KEEP = timedelta(minutes=10)
TOPIC_KEEP = timedelta(minutes=10)
QUESTION_CHARS = 200
# The state is a nicety next to the answer, which WeChat wants within 5 s: a database that hangs
# (rather than refusing) may take this long per read or write before the answer goes without it.
# A write given up on carries on in the background and lands when it can.
READ_WITHIN = WRITE_WITHIN = 0.15
_BACKGROUND: set[asyncio.Future[object]] = set()
_CJK = re.compile(r"[\u3400-\u9fff]")
_REMOVE = re.compile("|".join(re.escape(w) for w in FOLLOW_UP_WORDS))


@dataclass(frozen=True)
class Topic:
    entry_id: str
    question: str  # what the resident asked, masked (core.pii); "" after a numbered pick


class ConversationStore(Protocol):
    """One resident's conversation, as ``core.answering.decide`` uses it."""

    async def suggestion(self, number: int) -> str | None: ...
    async def remember_suggestions(self, entry_ids: list[str]) -> None: ...
    async def topic(self) -> Topic | None: ...
    async def remember_topic(self, entry_id: str, question: str) -> None: ...
    async def forget_topic(self) -> None: ...


def names_service(text: str) -> bool:
    """Whether the message names something of its own once cues ("那", "还"), question words and
    aspects of any service ("在哪里", "周六", "上班", "材料") are taken out: "那低保呢" does,
    "那在哪里办" and "周六上班吗" do not."""
    return len(_CJK.findall(_REMOVE.sub("", text))) >= 2


def asks_place_or_time(text: str) -> bool:
    return any(w in text for w in PLACE_TIME_WORDS)


def context_queries(text: str, topic: Entry) -> list[str]:
    """What a follow-up is searched as, best first: with the office of the topic's service when
    it asks where or when, then with the service's name."""
    service, office = CATEGORY_CONTEXT.get(topic.category, (topic.title, ""))
    queries = [f"{office} {text}"] if office and asks_place_or_time(text) else []
    queries.append(f"{service} {text}")
    return queries


class DbConversation:
    """``ConversationStore`` in the database, for one openid at the request's ``now``.

    Every method swallows database errors and waits a bounded time: the answer comes from the
    in-memory index, and a database that is down or hangs costs the follow-ups, never the answer.
    """

    def __init__(self, user: str, now: datetime) -> None:
        self.user, self.now = user, now
        self._state: WechatUserState | None = None
        self._loaded = False

    async def _load(self) -> WechatUserState | None:
        if not self._loaded:
            # Shielded: cancelling a query on a hung connection can itself hang.
            read = asyncio.ensure_future(WechatUserState.get_or_none(user=self.user))
            try:
                self._state = await asyncio.wait_for(asyncio.shield(read), READ_WITHIN)
            except TimeoutError:
                _keep(read)
                raise
            self._loaded = True
        return self._state

    async def suggestion(self, number: int) -> str | None:
        try:
            state = await self._load()
        except Exception:
            log.warning("suggestions not read: database unavailable", exc_info=True)
            return None
        if state is None or state.expires_at < self.now:
            return None
        ids: list[Any] = list(state.suggestions or [])
        return str(ids[number - 1]) if 0 < number <= len(ids) else None

    async def remember_suggestions(self, entry_ids: list[str]) -> None:
        await self._write(suggestions=entry_ids, expires_at=self.now + SUGGESTIONS_KEEP)

    async def topic(self) -> Topic | None:
        try:
            state = await self._load()
        except Exception:
            log.warning("topic not read: database unavailable", exc_info=True)
            return None
        if (state is None or not state.topic_entry or state.topic_expires_at is None
                or state.topic_expires_at < self.now):
            return None
        return Topic(state.topic_entry, state.topic_question)

    async def remember_topic(self, entry_id: str, question: str) -> None:
        await self._write(topic_entry=entry_id[:64],
                          topic_question=pii.mask_free_text(question)[:QUESTION_CHARS],
                          topic_expires_at=self.now + TOPIC_KEEP)

    async def forget_topic(self) -> None:
        await self._write(topic_entry="", topic_question="", topic_expires_at=None)

    async def _write(self, **values: Any) -> None:
        self._loaded = False  # read again next time: another worker may write in between
        task = asyncio.ensure_future(self._upsert(values))
        try:
            await asyncio.wait_for(asyncio.shield(task), WRITE_WITHIN)
        except Exception:
            if not task.done():
                _keep(task)
                log.warning("conversation state saved late: database slow")

    async def _upsert(self, values: dict[str, Any]) -> None:
        try:
            if await WechatUserState.filter(user=self.user).update(**values):
                return
            # No row yet: suggestions not offered are expired from the start.
            create = {"suggestions": [], "expires_at": self.now, **values}
            try:
                await WechatUserState.create(user=self.user, **create)
            except IntegrityError:  # created by a concurrent message of the same resident
                await WechatUserState.filter(user=self.user).update(**values)
        except Exception:
            log.warning("conversation state not saved: database unavailable", exc_info=True)


def _keep(task: asyncio.Future[Any]) -> None:
    """Hold a background write (the loop keeps tasks only weakly) until it lands."""
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    # Retrieved, so a failure in the background is not reported as never retrieved.
    task.add_done_callback(lambda t: t.cancelled() or t.exception())

