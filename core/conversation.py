"""Short-lived per-user conversation state, and how a follow-up borrows the topic.

A resident asks "结婚登记要带什么", then "那在哪里办", then "周六上班吗": the second and third name
no service, and matched alone they land anywhere (a low-income subsidy's office, the bureau's
contacts). The last answered entry is kept as the topic for ``TOPIC_KEEP``; a follow-up that
names no service is searched again with the topic's service (or, when it asks where or when, the
office of that service) in front, and that answer is taken when it is confident and stays in the
topic's category. A message that names a service of its own is a new topic and is matched alone.

The state is a row per openid in ``wechat_user_state`` (every worker and host sees it), with its
own expiry; ``core.retention`` removes rows once both the suggestions and the topic expired. Its
reads and writes go through the app's batchers (``Conversations``, on ``AppContext``), never
through a module's own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient

from core import pii, sql
from core.answer_words import CATEGORY_CONTEXT, FOLLOW_UP_WORDS, PLACE_TIME_WORDS
from core.batch import Batched, db_values, fetch_in, rows_of
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


# Every message reads its resident's row and most write it: hand-written and coalesced per
# event-loop turn (core.batch), as the ORM cost more per message than answering it.
_COLUMNS = ("user", "suggestions", "expires_at", "topic_entry", "topic_question",
            "topic_expires_at")
Write = tuple[str, datetime, dict[str, Any]]  # openid, the request's now, the columns to set
_UPSERT = ("INSERT INTO wechat_user_state (" + ", ".join(f'"{c}"' for c in _COLUMNS) + ") "
           'VALUES {rows} ON CONFLICT ("user") DO UPDATE SET {updates}')


@dataclass(frozen=True)
class _State:
    """A ``wechat_user_state`` row as read (building the model instance, which converts every
    column through the ORM, cost more than the read)."""

    suggestions: list[Any]
    expires_at: datetime
    topic_entry: str
    topic_question: str
    topic_expires_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> _State:
        ids = row["suggestions"]  # JSON text on SQLite
        expires = sql.aware(row["expires_at"])
        assert expires is not None
        return cls(json.loads(ids) if isinstance(ids, str | bytes) else list(ids or []), expires,
                   row["topic_entry"] or "", row["topic_question"] or "",
                   sql.aware(row["topic_expires_at"]))


async def _read_states(users: Sequence[str], conn: BaseDBAsyncClient) -> list[_State | None]:
    rows = await fetch_in('SELECT * FROM wechat_user_state WHERE "user" IN', users, conn)
    by_user = {row["user"]: _State.of(row) for row in rows}
    return [by_user.get(u) for u in users]


async def _write_states(writes: Sequence[Write], conn: BaseDBAsyncClient) -> list[None]:
    """Upserts: each write sets its own columns; a new row starts with no live suggestions and
    no topic. One resident's writes in one batch are applied in order (merged: a statement may
    touch a row once), and writes setting the same columns share one statement."""
    merged: dict[str, tuple[datetime, dict[str, Any]]] = {}
    for user, now, values in writes:
        first_now, before = merged.get(user, (now, {}))
        merged[user] = (first_now, {**before, **values})
    groups: dict[tuple[str, ...], list[Any]] = {}
    for user, (now, values) in merged.items():
        row = {"user": user, "suggestions": [], "expires_at": now, "topic_entry": "",
               "topic_question": "", "topic_expires_at": None, **values}
        groups.setdefault(tuple(sorted(values)), []).extend(
            db_values(WechatUserState, {c: row[c] for c in _COLUMNS}))
    for columns, params in groups.items():
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns)
        rows = rows_of(len(params) // len(_COLUMNS), "(?, ?, ?, ?, ?, ?)")
        await sql.execute(_UPSERT.format(rows=rows, updates=updates), params, conn)
    return [None] * len(writes)


class Conversations:
    """The conversation batchers of one app (``AppContext.conversations``, made in
    ``before_server_start`` by core.lifecycle): one queue per statement and event loop."""

    def __init__(self) -> None:
        self.read: Batched[str, _State | None] = Batched("conversation_read", _read_states)
        self.write: Batched[Write, None] = Batched("conversation_write", _write_states,
                                                   max_items=100)

    def of(self, user: str, now: datetime) -> DbConversation:
        """``user``'s conversation at ``now``, read and written through these batchers."""
        return DbConversation(user, now, self)


class DbConversation:
    """``ConversationStore`` in the database, for one openid at the request's ``now``.

    Every method swallows database errors and waits a bounded time: the answer comes from the
    in-memory index, and a database that is down or hangs costs the follow-ups, never the answer.
    """

    def __init__(self, user: str, now: datetime, batchers: Conversations) -> None:
        self.user, self.now = user, now
        self._batchers = batchers
        self._state: _State | None = None
        self._loaded = False

    async def _load(self) -> _State | None:
        if not self._loaded:
            # Shielded: cancelling a query on a hung connection can itself hang.
            read = asyncio.ensure_future(self._batchers.read(self.user))
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
        except Exception as exc:
            _unavailable("suggestions not read: database unavailable", exc)
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
        except Exception as exc:
            _unavailable("topic not read: database unavailable", exc)
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
            # No row yet: suggestions not offered are expired from the start (see _write_states).
            await self._batchers.write((self.user, self.now, values))
        except Exception:
            log.warning("conversation state not saved: database unavailable", exc_info=True)


def _unavailable(message: str, exc: Exception) -> None:
    # A read given up on says only that the database, or this worker's event loop, was slow: its
    # traceback adds nothing, and formatting one for every message of a busy minute took a fifth
    # of the worker's CPU (py-spy), which made the loop slower still and timed out more reads.
    if isinstance(exc, TimeoutError):
        log.warning(message, extra={"error": "TimeoutError", "seconds": READ_WITHIN})
    else:
        log.warning(message, exc_info=exc)


def _keep(task: asyncio.Future[Any]) -> None:
    """Hold a background write (the loop keeps tasks only weakly) until it lands."""
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    # Retrieved, so a failure in the background is not reported as never retrieved.
    task.add_done_callback(lambda t: t.cancelled() or t.exception())

