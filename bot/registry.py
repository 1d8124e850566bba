"""The registry of what the bot does per message type and event: handlers register with
``@on_message("text")`` or ``@on_event("subscribe")``; anything unregistered is answered with
silence (``success``, what WeChat expects for reports it does not show the resident).

Message handlers (``bot.handlers``) and event handlers (``bot.events``) both import this module
and never each other's registrations; adding a type touches one place.

Handlers take the parsed message and a ``Context`` and return a typed reply (``bot.replies``);
they know nothing about HTTP, signatures, retries or XML.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot.replies import Reply, Silent
from core import answering
from core.conversation import ConversationStore
from core.flows import Guided
from core.guide_match import GuideAnswer
from knowledge.matcher import Result


class Context(Protocol):
    """What handlers may use; the callback provides it (``bot.service.BotContext``)."""

    @property
    def miniapp_app_id(self) -> str: ...
    @property
    def kb(self) -> answering.Knowledge: ...
    def conversation(self, user: str) -> ConversationStore: ...
    def guided(self, user: str) -> Guided | None: ...
    async def latest_notice(self) -> dict[str, str] | None: ...
    async def guide_answer(self, text: str) -> GuideAnswer | None: ...
    async def ask(self, text: str, user: str) -> Result: ...
    def reply_text(self, result: Result) -> str: ...
    def entry_text(self, entry_id: str) -> str | None: ...
    async def record_follow(self, user: str, subscribed: bool, scene: str) -> None: ...
    async def forget_user(self, user: str) -> None: ...
    async def welcome_text(self) -> str: ...


Handler = Callable[[Any, Context], Awaitable[Reply]]
_MESSAGES: dict[str, Handler] = {}
_EVENTS: dict[str, Handler] = {}


def on_message(*types: str) -> Callable[[Handler], Handler]:
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
    return await handler(message, ctx) if handler else Silent()


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
