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

from bot.messages import TEXT
from core import answering
from core.conversation import ConversationStore
from core.kb import SIMULATED_USER_PREFIX, SIMULATOR_CHANNEL
from knowledge.matcher import Result

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
    kb: answering.Knowledge

    def conversation(self, user: str) -> ConversationStore: ...
    async def latest_notice(self) -> dict[str, str] | None: ...
    async def ask(self, text: str, user: str) -> Result: ...
    def reply_text(self, result: Result) -> str: ...
    def entry_text(self, entry_id: str) -> str | None: ...
    async def record_follow(self, user: str, subscribed: bool, scene: str) -> None: ...
    async def forget_user(self, user: str) -> None: ...
    async def welcome_text(self) -> str: ...


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


def render_decision(decision: answering.Decision, ctx: Context) -> Reply:
    """The decision as a WeChat reply: only the channel's form is chosen here, never the words."""
    d = decision
    if d.intent == "transfer":
        return Reply("transfer", d.reply, {"intent": d.intent})
    if d.intent == "notice" and d.notice:
        # One article: the platform shows only the first of a news reply since 2018.
        return Reply("news", d.reply, {"intent": d.intent, "article": d.notice})
    if d.booking and ctx.miniapp_app_id and not ctx.miniapp_app_id.startswith("dev-placeholder"):
        link = (f'<a data-miniprogram-appid="{ctx.miniapp_app_id}" '
                f'data-miniprogram-path="{d.booking.path}" href="#">点击进入预约</a>')
        return Reply("text", answering.REPLIES["booking"].format(name=d.booking.name, link=link),
                     {"intent": d.intent})
    meta: dict[str, Any] = {"intent": d.intent, "entry": d.entry_id}
    if d.crisis:
        meta["crisis"] = d.crisis
    return Reply("text", d.reply, meta)


async def answer_text(text: str, user: str, ctx: Context) -> Reply:
    """Text (typed, recognised from speech, or from a menu) through the one decision path."""
    channel: answering.Channel = (SIMULATOR_CHANNEL if user.startswith(SIMULATED_USER_PREFIX)
                                  else "wechat")  # type: ignore[assignment]
    decision = await answering.decide(text, channel=channel, kb=ctx.kb, user=user,
                                      store=ctx.conversation(user), notices=ctx.latest_notice)
    return render_decision(decision, ctx)


@on("text")
async def on_text(message: Any, ctx: Context) -> Reply:
    return await answer_text(text_field(message, "content"), message.source, ctx)


@on("voice")
async def on_voice(message: Any, ctx: Context) -> Reply:
    recognition = text_field(message, "recognition").strip()
    if recognition:
        return await answer_text(recognition, message.source, ctx)
    # Speech recognition off, or nothing recognised: say how to ask instead.
    return Reply("text", TEXT["voice_unrecognised"])


@on("image", "video", "shortvideo", "link", "file", "miniprogrampage")
async def on_media(message: Any, ctx: Context) -> Reply:
    return Reply("text", TEXT["only_text"])


# Last, because bot.events registers its handlers through the helpers above (and needs them).
import bot.events  # noqa: E402, F401
