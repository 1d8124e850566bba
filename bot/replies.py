"""What the bot answers with, typed: ``Text``, ``News``, ``Transfer``, ``Silent``.

Each reply renders itself as the passive-reply XML and, when it came too late for that, as a
customer-service message; text cuts itself to WeChat's limit on the way. Handlers build replies
and never see XML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wechatpy.replies import ArticlesReply, TextReply, TransferCustomerServiceReply

from core import catalogue
from core.errors import DomainError

TEXT_LIMIT_BYTES = 2000  # WeChat shows about 2,048 bytes of a text reply
SILENT = "success"  # what WeChat expects when there is nothing to say
_SENTENCE_END = re.compile(r"(?<=[。！？；\n])")


def say(code: str, **params: Any) -> str:
    """A text of the residents' catalogue (its BOT section)."""
    return catalogue.text("residents", code, params)


def fit(body: str, read_more: str = "") -> str:
    """Cut a text to WeChat's limit at a sentence boundary, pointing to the full text."""
    if len(body.encode()) <= TEXT_LIMIT_BYTES:
        return body
    tail = "\n" + (say("bot_read_more", url=read_more) if read_more else say("bot_truncated"))
    budget = TEXT_LIMIT_BYTES - len(tail.encode())
    out = ""
    for piece in _SENTENCE_END.split(body):
        if len((out + piece).encode()) > budget:
            break
        out += piece
    if not out:  # one enormous sentence: cut by characters
        out = body.encode()[:budget].decode(errors="ignore")
    return out.rstrip() + tail


@dataclass(frozen=True)
class Text:
    content: str
    entry: str = ""  # the knowledge entry answered: where "read more" points when cut
    intent: str = ""
    crisis: str = ""  # the crisis kind, when the message was one (knowledge.crisis)

    def xml(self, message: Any, base_url: str = "") -> str:
        if not self.content:
            return SILENT
        read_more = f"{base_url}/kb/{self.entry}" if base_url and self.entry else ""
        return str(TextReply(content=fit(self.content, read_more), message=message).render())

    def late(self) -> dict[str, Any] | None:
        if not self.content:
            return None
        return {"msgtype": "text", "text": {"content": fit(self.content)}}


@dataclass(frozen=True)
class News:
    """One article: the platform shows only the first of a news reply since 2018."""

    article: dict[str, str] = field(default_factory=dict)  # title, description, url, picurl
    intent: str = ""

    def xml(self, message: Any, base_url: str = "") -> str:
        if not self.article:
            return SILENT
        return str(ArticlesReply(message=message, articles=[self.article]).render())

    def late(self) -> dict[str, Any] | None:
        if not self.article:
            return None
        a = self.article
        return {"msgtype": "news", "news": {"articles": [{
            "title": a.get("title", ""), "description": a.get("description", ""),
            "url": a.get("url", ""), "picurl": a.get("picurl", "")}]}}


@dataclass(frozen=True)
class Transfer:
    """Hand the conversation to the customer-service staff (客服); nothing to send late."""

    intent: str = "transfer"

    def xml(self, message: Any, base_url: str = "") -> str:
        return str(TransferCustomerServiceReply(message=message).render())

    def late(self) -> dict[str, Any] | None:
        return None


@dataclass(frozen=True)
class Silent:
    """Nothing to say (most events): WeChat gets ``success``."""

    def xml(self, message: Any, base_url: str = "") -> str:
        return SILENT

    def late(self) -> dict[str, Any] | None:
        return None


Reply = Text | News | Transfer | Silent


def present(error: DomainError) -> Text:
    """A rule said no: the resident reads the catalogue's text for its code."""
    return Text(catalogue.text("residents", error.code, error.params))
