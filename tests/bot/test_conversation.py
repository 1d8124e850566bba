"""#12 Conversation: a follow-up keeps the topic (per user, 10 minutes, in the shared database),
voice goes through the same decision path, and a thumbs-down is recorded for staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sanic import Sanic

from bot import service
from core import catalogue
from core.answer_words import REPLIES
from core.models import AnswerReview, UrgentMessage, WechatUserState
from tests.support.wechat import FakeWechat, fixture

OFFICE = "mr-office-info"
START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)


class Clock:
    """The app's injected clock (``app.ctx.clock``); callbacks are signed at its time."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: Sanic) -> Clock:
    app.ctx.clock = Clock()
    return app.ctx.clock


@pytest.fixture
def wx(client: httpx.AsyncClient, app: Sanic) -> FakeWechat:
    return FakeWechat(client, app.ctx.settings.wechat_token)


async def say(wx: FakeWechat, clock: Clock, text: str, user: str = "oAsker", *,
              kind: str = "text") -> str:
    response = await wx.send(fixture(kind, content=text, user=user),
                             timestamp=int(clock.now.timestamp()))
    return wx.open(response)["Content"]


def entry_text(app: Sanic, entry_id: str) -> str:
    text = service.BotContext(app.ctx.kb, app.ctx.conversations, "", START).entry_text(entry_id)
    assert text
    return text


async def test_follow_ups_stay_on_marriage_registration(wx: FakeWechat, app: Sanic,
                                                        clock: Clock) -> None:
    office = entry_text(app, OFFICE)
    alone = await say(wx, clock, "那在哪里办", user="oNoTopic")
    assert alone != office  # without a topic it is about anything
    assert "身份证" in await say(wx, clock, "结婚登记要带什么")
    assert await say(wx, clock, "那在哪里办") == office
    clock.now += timedelta(minutes=3)
    assert await say(wx, clock, "周六上班吗") == office
    state = await WechatUserState.get(user="oAsker")
    assert state.topic_entry == OFFICE and state.topic_expires_at is not None


async def test_a_new_topic_in_the_message_wins(wx: FakeWechat, app: Sanic, clock: Clock) -> None:
    await say(wx, clock, "结婚登记要带什么")
    reply = await say(wx, clock, "那低保怎么申请")
    assert "低保" in reply and reply != entry_text(app, OFFICE)
    assert (await WechatUserState.get(user="oAsker")).topic_entry.startswith("sa-")


async def test_the_topic_expires_after_ten_minutes(wx: FakeWechat, app: Sanic,
                                                   clock: Clock) -> None:
    alone = await say(wx, clock, "那在哪里办", user="oNoTopic")
    await say(wx, clock, "结婚登记要带什么")
    clock.now += timedelta(minutes=9)
    assert await say(wx, clock, "那在哪里办") == entry_text(app, OFFICE)
    clock.now += timedelta(minutes=10, seconds=1)
    assert await say(wx, clock, "那在哪里办") == alone


async def test_one_residents_topic_does_not_reach_another(wx: FakeWechat, clock: Clock) -> None:
    alone = await say(wx, clock, "那在哪里办", user="oNoTopic")
    await say(wx, clock, "结婚登记要带什么", user="oFirst")
    assert await say(wx, clock, "那在哪里办", user="oSecond") == alone


async def test_voice_is_answered_like_text_topic_included(wx: FakeWechat, app: Sanic,
                                                          clock: Clock) -> None:
    typed = await say(wx, clock, "结婚登记要带什么", user="oTyping")
    assert await say(wx, clock, "结婚登记要带什么", kind="voice") == typed
    assert await say(wx, clock, "周六上班吗", kind="voice") == entry_text(app, OFFICE)
    # A crisis spoken is a crisis: help first, and staff are told.
    assert "12356" in await say(wx, clock, "我不想活了", kind="voice")
    assert [m.channel for m in await UrgentMessage.all()] == ["wechat"]


@pytest.mark.parametrize("name", ["voice", "msg_voice_no_recognition"])
async def test_voice_without_recognition_says_how_to_ask_by_text(wx: FakeWechat, clock: Clock,
                                                                 name: str) -> None:
    reply = await say(wx, clock, "", kind=name)
    assert reply == catalogue.text("residents", "bot_voice_unrecognised") and "打字" in reply


async def test_thumbs_down_after_an_answer_is_kept_for_staff(wx: FakeWechat, clock: Clock) -> None:
    await say(wx, clock, "结婚登记要带什么 我手机13812345678")
    reply = await say(wx, clock, "没用！")
    assert reply == REPLIES["thumbs_down"] and "人工" in reply
    rows = await AnswerReview.all()
    assert [(r.reason, r.entry_id, r.channel) for r in rows] == [
        ("thumbs_down", "mr-register-materials", "wechat")]
    assert "13812345678" not in rows[0].text and "结婚登记" in rows[0].text
    assert rows[0].user_hash and "oAsker" not in rows[0].user_hash
    await say(wx, clock, "答非所问")  # the same answer again: one row a day
    assert await AnswerReview.all().count() == 1


async def test_thumbs_down_words_without_an_answer_are_just_a_message(wx: FakeWechat,
                                                                      clock: Clock) -> None:
    assert await say(wx, clock, "没用", user="oFresh") != REPLIES["thumbs_down"]
    assert await AnswerReview.all().count() == 0
