"""What the bot says: one handler per message type or event, found through a registry.

Message handlers live here, event handlers in ``bot.events``.

Handlers take the parsed message and a ``Context`` (knowledge base, per-user state, settings) and
return a ``Reply``; they know nothing about HTTP, signatures or retries.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.messages import BOOKING_INTENTS, HUMAN_WORDS, NOTICE_WORDS, TEXT
from knowledge import crisis
from knowledge.matcher import Result
from knowledge.normalise import clean

log = logging.getLogger("baoshan.bot")


@dataclass(frozen=True)
class Reply:
    kind: str  # text | news | transfer | success
    text: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def success(cls) -> Reply:
        return cls("success")


class Context(Protocol):
    """What handlers may use; the route provides it."""

    miniapp_app_id: str

    async def ask(self, text: str, user: str) -> Result: ...
    def reply_text(self, result: Result) -> str: ...
    def entry_text(self, entry_id: str) -> str | None: ...
    async def remember_suggestions(self, user: str, entry_ids: list[str]) -> None: ...
    async def recall_suggestion(self, user: str, number: int) -> str | None: ...
    async def record_follow(self, user: str, subscribed: bool, scene: str) -> None: ...
    async def forget_user(self, user: str) -> None: ...
    async def latest_notice(self) -> dict[str, str] | None: ...
    async def welcome_text(self) -> str: ...
    async def record_crisis(self, kind: str, text: str) -> None: ...


Handler = Callable[[Any, Context], Awaitable[Reply]]
_MESSAGES: dict[str, Handler] = {}
_EVENTS: dict[str, Handler] = {}


def on(*types: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for t in types:
            _MESSAGES[t] = fn
        return fn
    return register


def on_event(*events: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for e in events:
            _EVENTS[e.lower()] = fn
        return fn
    return register


async def dispatch(message: Any, ctx: Context) -> Reply:
    if message.type == "event":
        handler = _EVENTS.get(str(getattr(message, "event", "")).lower())
    else:
        handler = _MESSAGES.get(message.type)
    return await handler(message, ctx) if handler else Reply.success()


def text_field(message: Any, name: str) -> str:
    """A field as text, or "" when missing or not text (a nested element where text belongs)."""
    value = getattr(message, name, None)
    return value if isinstance(value, str) else ""


def nested_field(message: Any, name: str, key: str) -> str:
    """A value inside a nested element (ScanCodeInfo and the like), or "" when the shape is off:
    wechatpy's own accessors raise KeyError on a missing child."""
    block = getattr(message, name, None)
    value = block.get(key) if isinstance(block, dict) else None
    return value if isinstance(value, str) else ""


def _booking_reply(text: str, ctx: Context) -> Reply | None:
    compact = clean(text).replace(" ", "")
    for words, name, path in BOOKING_INTENTS:
        if any(w in compact for w in words):
            if ctx.miniapp_app_id and not ctx.miniapp_app_id.startswith("dev-placeholder"):
                link = (f'<a data-miniprogram-appid="{ctx.miniapp_app_id}" '
                        f'data-miniprogram-path="{path}" href="#">点击进入预约</a>')
                return Reply("text", TEXT["booking"].format(name=name, link=link))
            return Reply("text", TEXT["booking_no_link"].format(name=name))
    return None


async def answer_text(text: str, user: str, ctx: Context) -> Reply:
    stripped = text.strip()
    # Before everything else, matching included: a person in crisis gets help, never a list.
    try:
        danger = crisis.detect(stripped)
    except Exception:  # a broken rule file must not cost the resident their answer
        log.exception("crisis recognition failed")
        danger = None
    if danger:
        # Earlier suggestions are dropped, so a "1" that follows cannot send an unrelated entry.
        await ctx.remember_suggestions(user, [])
        await ctx.record_crisis(danger.kind, stripped)
        return Reply("text", danger.reply, {"intent": "crisis", "crisis": danger.kind})
    if stripped in HUMAN_WORDS:
        return Reply("transfer", TEXT["transfer"])
    if stripped in {"1", "2", "3"}:
        entry_id = await ctx.recall_suggestion(user, int(stripped))
        text_for = ctx.entry_text(entry_id) if entry_id else None
        if text_for:
            return Reply("text", text_for, {"entry": entry_id})
    booking = _booking_reply(stripped, ctx)
    if booking:
        return booking
    if clean(stripped).replace(" ", "") in NOTICE_WORDS:
        notice = await ctx.latest_notice()
        # One article: the platform shows only the first of a news reply since 2018.
        return Reply("news", meta={"article": notice}) if notice else Reply("text", TEXT["no_notice"])
    result = await ctx.ask(stripped, user)
    if result.intent == "suggest":
        await ctx.remember_suggestions(user, [h.entry.id for h in result.hits[:3]])
    top = result.other or result.top
    return Reply("text", ctx.reply_text(result),
                 {"intent": result.intent, "entry": top.entry.id if top else ""})


@on("text")
async def on_text(message: Any, ctx: Context) -> Reply:
    return await answer_text(text_field(message, "content"), message.source, ctx)


@on("voice")
async def on_voice(message: Any, ctx: Context) -> Reply:
    recognition = text_field(message, "recognition").strip()
    if recognition:
        return await answer_text(recognition, message.source, ctx)
    return Reply("text", TEXT["only_text"])


@on("image", "video", "shortvideo", "link", "file", "miniprogrampage")
async def on_media(message: Any, ctx: Context) -> Reply:
    return Reply("text", TEXT["only_text"])


# Last, because bot.events registers its handlers through the helpers above (and needs them).
import bot.events  # noqa: E402, F401
