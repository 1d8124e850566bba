"""Typed replies cut themselves to WeChat's limits; a DomainError reads as its catalogue text;
message and event handlers meet only in the registry."""

from __future__ import annotations

import ast
from pathlib import Path

import xmltodict

from bot import registry
from bot.answer import answer
from bot.replies import SILENT, TEXT_LIMIT_BYTES, News, Silent, Text, Transfer, present
from core import catalogue
from core.errors import DomainError
from core.wechat import protocol
from tests.support.wechat import fixture

LONG = "结婚登记需要双方身份证和户口本。" * 300


def _message() -> object:
    message, _ = protocol.parse(fixture("text", content="你好"))
    return message


def test_text_cuts_itself_and_points_to_the_entry() -> None:
    reply = Text(LONG, entry="mr-register-materials")
    xml = xmltodict.parse(reply.xml(_message(), "https://b.example"))["xml"]
    assert len(xml["Content"].encode()) <= TEXT_LIMIT_BYTES
    assert xml["Content"].endswith("https://b.example/kb/mr-register-materials")
    late = reply.late()
    assert late is not None and len(late["text"]["content"].encode()) <= TEXT_LIMIT_BYTES
    assert late["text"]["content"].endswith(catalogue.text("residents", "bot_truncated"))


def test_replies_with_nothing_to_say_are_silent() -> None:
    message = _message()
    assert Silent().xml(message) == SILENT and Silent().late() is None
    assert Text("").xml(message) == SILENT and Text("").late() is None
    assert News().xml(message) == SILENT and News().late() is None
    assert Transfer().late() is None
    assert "transfer_customer_service" in Transfer().xml(message)


def test_news_is_one_article_in_both_forms() -> None:
    article = {"title": "通知", "description": "摘要", "url": "https://b.example/n/1", "picurl": ""}
    reply = News(article)
    assert "<ArticleCount>1</ArticleCount>" in reply.xml(_message())
    assert reply.late() == {"msgtype": "news", "news": {"articles": [article]}}


def test_a_domain_error_reads_as_its_catalogue_text() -> None:
    error = DomainError("payload_too_large")
    assert present(error) == Text(catalogue.text("residents", "payload_too_large"))


async def test_a_handler_raising_a_domain_error_answers_with_its_text() -> None:
    async def refuse(message: object, ctx: registry.Context) -> Text:
        raise DomainError("bad_xml")

    registry.on_message("test_refusal")(refuse)
    try:
        message = _message()
        message.type = "test_refusal"  # type: ignore[attr-defined]
        body, reply = await answer(message, "k", ctx=_NoContext())  # type: ignore[arg-type]
    finally:
        registry._MESSAGES.pop("test_refusal")
    assert reply == Text(catalogue.text("residents", "bad_xml"))
    assert catalogue.text("residents", "bad_xml") in body


class _NoContext:
    public_base_url = ""


def test_message_and_event_handlers_meet_only_in_the_registry() -> None:
    """bot.handlers never imports bot.events (the cycle there was), both import the registry."""
    imported = {}
    for name in ("handlers", "events"):
        tree = ast.parse((Path(__file__).parents[2] / "bot" / f"{name}.py").read_text())
        imported[name] = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "bot.registry" in imported["handlers"] and "bot.registry" in imported["events"]
    assert "bot.events" not in imported["handlers"]
