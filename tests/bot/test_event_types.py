"""Every message and event type in WeChat's documentation, one fixture each, through POST /wechat.

Each fixture must have an expectation here (a new fixture without one fails), each gets a 200 with
the reply its type deserves, a retry gets the very same reply, and state changes happen once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sanic import Sanic

from bot import events, service
from core.app import create_app
from core.models import UnansweredQuestion, WechatFollower, WechatInbound, WechatUserState
from core.settings import Settings
from tests.conftest import make_settings
from tests.support.asgi import client as asgi_client
from tests.support.asgi import lifespan
from tests.support.wechat import FIXTURES, FakeWechat, fixture

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
BOOKING_QR = "BSMZ1:42:K7MNPQRS:3f9a0c1b2d4e5f60"
ONLY_TEXT = "目前只能识别文字"
WELCOME = "欢迎关注"


@dataclass(frozen=True)
class Expect:
    reply: str  # "text" (a passive text reply containing `phrase`) or "success"
    phrase: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # the fixture's placeholders
    follower: tuple[bool, str] | None = None  # (subscribed, scene) the event leaves behind


def quiet() -> Expect:
    return Expect("success")


def only_text() -> Expect:
    return Expect("text", ONLY_TEXT)


EXPECT: dict[str, Expect] = {
    # 普通消息
    "text": Expect("text", "身份证", {"content": "结婚登记要带什么"}),
    "msg_text_from_article": Expect("text", "身份证", {"content": "结婚登记要带什么"}),
    "voice": Expect("text", "冷静期", {"content": "离婚冷静期多少天"}),
    "msg_voice_no_recognition": only_text(),
    "image": only_text(),
    "msg_video": only_text(),
    "msg_shortvideo": only_text(),
    "location": Expect("text", "联系方式"),
    "msg_link": only_text(),
    "msg_file": only_text(),
    "msg_miniprogrampage": only_text(),
    "unknown": quiet(),
    # 关注、扫码
    "event_subscribe": Expect("text", WELCOME, follower=(True, "")),
    "event_subscribe_qrscene": Expect("text", WELCOME, {"key": "poster01"}, follower=(True, "poster01")),
    "event_subscribe_scan_product": Expect("text", WELCOME, follower=(True, "scanbarcode")),
    "event_unsubscribe": Expect("success", follower=(False, "")),
    "event_scan": Expect("text", "欢迎回来", {"key": "poster01"}),
    "event_location": quiet(),
    # 自定义菜单
    "event_click": Expect("text", "身份证", {"key": "kb:mr-register-materials"}),
    "event_view": quiet(),
    "event_view_miniprogram": quiet(),
    "event_scancode_push": quiet(),
    "event_scancode_waitmsg": Expect("text", "窗口出示", {"content": BOOKING_QR}),
    # The pictures and the location follow as ordinary messages, which get the reply.
    "event_pic_sysphoto": quiet(),
    "event_pic_photo_or_album": quiet(),
    "event_pic_weixin": quiet(),
    "event_location_select": quiet(),
    # 平台通知：不回复、不改状态
    "event_templatesendjobfinish": quiet(),
    "event_masssendjobfinish": quiet(),
    "event_publishjobfinish": quiet(),
    "event_subscribe_msg_popup_event": quiet(),
    "event_subscribe_msg_change_event": quiet(),
    "event_subscribe_msg_sent_event": quiet(),
    "event_kf_create_session": quiet(),
    "event_kf_close_session": quiet(),
    "event_kf_switch_session": quiet(),
    "event_user_info_modified": quiet(),
    "event_user_authorization_revoke": quiet(),
    "event_user_authorization_cancellation": quiet(),
    "event_qualification_verify_success": quiet(),
    "event_user_get_card": quiet(),
    "event_unknown": quiet(),
}
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.xml"))
SAFE_MODE_SAMPLE = ["text", "msg_video", "event_subscribe_qrscene", "event_scancode_waitmsg",
                    "event_location_select", "event_templatesendjobfinish",
                    "event_subscribe_msg_popup_event", "event_user_authorization_revoke"]


@pytest.fixture
def wx(client: httpx.AsyncClient, app: Sanic) -> FakeWechat:
    return FakeWechat(client, app.ctx.settings.wechat_token)


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage() == "handler failed"]


def check_reply(wx: FakeWechat, response: httpx.Response, expect: Expect, *,
                encrypted: bool = False) -> str:
    assert response.status_code == 200, response.text
    if expect.reply == "success":
        assert response.text == "success"
        return "success"
    if encrypted:
        assert "<Encrypt>" in response.text
    reply = wx.open(response, encrypted=encrypted)
    assert reply["MsgType"] == "text"
    assert expect.phrase in reply["Content"], reply["Content"]
    return reply["Content"]


def test_every_fixture_has_an_expectation() -> None:
    assert set(FIXTURE_NAMES) == set(EXPECT)
    assert len(FIXTURE_NAMES) >= 40


@pytest.mark.parametrize("name", FIXTURE_NAMES)
async def test_each_type_gets_its_reply_and_a_retry_gets_the_same(
        wx: FakeWechat, name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="baoshan.bot")
    expect = EXPECT[name]
    xml = fixture(name, **{"user": "oResident01", **expect.values})
    first = await wx.send(xml)
    check_reply(wx, first, expect)
    retry = await wx.send(xml)
    assert retry.status_code == 200 and retry.text == first.text
    assert await WechatInbound.all().count() == 1
    assert failures(caplog) == []
    followers = await WechatFollower.all()
    if expect.follower is None:
        assert followers == []
    else:
        assert [(f.user, f.subscribed, f.scene) for f in followers] == [("oResident01", *expect.follower)]
    # No numbered suggestions are left behind (an answer may leave its topic, #12).
    assert [s.suggestions for s in await WechatUserState.all() if s.suggestions] == []
    assert await UnansweredQuestion.all().count() == 0


@pytest_asyncio.fixture
async def safe_wx(migrated: Settings, tmp_path: Path) -> AsyncIterator[FakeWechat]:
    settings = make_settings(migrated.database_url, tmp_path, WECHAT_TOKEN="tok-safe",
                             WECHAT_APP_ID="wx1234567890", WECHAT_ENCODING_AES_KEY=AES_KEY)
    app = create_app(settings)
    async with lifespan(app), asgi_client(app) as c:
        try:
            yield FakeWechat(c, "tok-safe", AES_KEY, "wx1234567890")
        finally:
            # Not the suite's `app` fixture, so clean what these callbacks may have written.
            for model in (WechatInbound, WechatFollower, WechatUserState, UnansweredQuestion):
                await model.all().delete()


@pytest.mark.parametrize("name", SAFE_MODE_SAMPLE)
async def test_safe_mode_gives_the_same_replies_encrypted(
        safe_wx: FakeWechat, name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="baoshan.bot")
    expect = EXPECT[name]
    xml = fixture(name, **expect.values)
    first = check_reply(safe_wx, await safe_wx.send(xml, encrypt=True), expect, encrypted=True)
    # WeChat's retry is encrypted afresh (new nonce and padding) around the same message.
    again = check_reply(safe_wx, await safe_wx.send(xml, encrypt=True), expect, encrypted=True)
    assert again == first
    assert await WechatInbound.all().count() == 1
    assert failures(caplog) == []


async def test_a_retried_follow_does_not_undo_a_later_unfollow(wx: FakeWechat) -> None:
    now = int(time.time())
    follow = fixture("event_subscribe_qrscene", user="oFan", key="poster01", time=now)
    assert WELCOME in wx.open(await wx.send(follow))["Content"]
    assert (await wx.send(fixture("event_unsubscribe", user="oFan", time=now + 1))).text == "success"
    late_retry = await wx.send(follow)
    assert WELCOME in wx.open(late_retry)["Content"]
    row = await WechatFollower.get(user="oFan")
    assert not row.subscribed


async def test_a_retried_unfollow_does_not_undo_a_later_follow(wx: FakeWechat) -> None:
    now = int(time.time())
    unfollow = fixture("event_unsubscribe", user="oFan", time=now)
    await wx.send(unfollow)
    await wx.send(fixture("event_subscribe", user="oFan", time=now + 1))
    assert (await wx.send(unfollow)).text == "success"
    assert (await WechatFollower.get(user="oFan")).subscribed


async def test_scan_does_not_overwrite_the_scene_a_follower_came_with(wx: FakeWechat) -> None:
    await wx.send(fixture("event_subscribe_qrscene", user="oFan", key="poster01"))
    reply = wx.open(await wx.send(fixture("event_scan", user="oFan", key="hall02")))
    assert "欢迎回来" in reply["Content"]
    row = await WechatFollower.get(user="oFan")
    assert row.subscribed and row.scene == "poster01"


@pytest.mark.parametrize(("scanned", "phrase"), [
    (BOOKING_QR, "窗口出示"),
    (f"  {BOOKING_QR}\n", "窗口出示"),
    ("https://example.invalid/page?from=poster", "已收到扫码结果"),
    ("6901234567892", "已收到扫码结果"),
    ("BSMZ1-not-a-booking", "已收到扫码结果"),
])
async def test_scancode_waitmsg_tells_booking_codes_apart(wx: FakeWechat, scanned: str,
                                                          phrase: str) -> None:
    reply = wx.open(await wx.send(fixture("event_scancode_waitmsg", content=scanned)))
    assert phrase in reply["Content"]
    assert BOOKING_QR not in reply["Content"]  # the code itself is never echoed


async def test_a_shared_location_gets_the_contacts_entry_never_an_invented_address(
        wx: FakeWechat, app: Sanic) -> None:
    ctx = service.BotContext(app.ctx.kb, app.ctx.conversations, "", datetime.now(UTC))
    contacts = ctx.entry_text(events.CONTACT_ENTRY)
    assert contacts and "地址" in contacts
    reply = wx.open(await wx.send(fixture("location")))
    assert reply["Content"].endswith(contacts)
    assert "位置" in reply["Content"]


async def test_contacts_fall_back_to_the_knowledge_answer_without_the_entry() -> None:
    asked: list[str] = []
    result = SimpleNamespace(intent="answer", hits=[], other=None, top=None)

    async def ask(text: str, user: str) -> Any:
        asked.append(text)
        return result

    ctx = SimpleNamespace(miniapp_app_id="", entry_text=lambda entry_id: None, ask=ask,
                          reply_text=lambda r: "知识库给出的联系方式" if r is result else "")
    assert await events.contacts_reply(ctx, "oUser") == "知识库给出的联系方式"  # type: ignore[arg-type]
    assert asked == [events.CONTACT_QUESTION]


async def test_distinct_events_in_one_second_are_not_taken_for_retries(wx: FakeWechat) -> None:
    now = int(time.time())
    # Two template reports to one resident in the same second: only MsgID differs.
    for msgid in (5001, 5002):
        await wx.send(fixture("event_templatesendjobfinish", user="oFan", time=now, msgid=msgid))
    # Authorization events come from the platform's account; only OpenID tells residents apart.
    for user in ("oFan", "oOther"):
        await wx.send(fixture("event_user_authorization_revoke", user=user, time=now))
    # Following, then the location report WeChat sends on entering the chat, in one second.
    hello = await wx.send(fixture("event_subscribe", user="oNew", time=now))
    assert WELCOME in wx.open(hello)["Content"]
    assert (await wx.send(fixture("event_location", user="oNew", time=now))).text == "success"
    assert await WechatInbound.all().count() == 6
    assert (await WechatFollower.get(user="oNew")).subscribed


def _event(body: str, *, user: str = "oOdd", created: int | None = None) -> str:
    return ("<xml><ToUserName><![CDATA[gh_baoshan]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{created or int(time.time())}</CreateTime>{body}</xml>")


@pytest.mark.parametrize(("body", "expect"), [
    # Shapes WeChat does not send but a parser must survive: nested where text belongs, empty
    # nested blocks, missing children.
    ("<MsgType>text</MsgType><Content><b>低保</b></Content><MsgId>881</MsgId>", "text"),
    ("<MsgType>voice</MsgType><Recognition><x>1</x></Recognition><MsgId>882</MsgId>", "text"),
    ("<MsgType>event</MsgType><Event>CLICK</Event><EventKey><k>kb:x</k></EventKey>", "text"),
    ("<MsgType>event</MsgType><Event>scancode_waitmsg</Event><ScanCodeInfo>plain</ScanCodeInfo>",
     "text"),
    ("<MsgType>event</MsgType><Event>scancode_waitmsg</Event><ScanCodeInfo><ScanType>qrcode"
     "</ScanType></ScanCodeInfo>", "text"),
    ("<MsgType>event</MsgType><Event>location_select</Event><SendLocationInfo/>", "success"),
    ("<MsgType>event</MsgType><Event>pic_weixin</Event><SendPicsInfo><Count>x</Count></SendPicsInfo>",
     "success"),
    ("<MsgType>location</MsgType><Location_X>abc</Location_X><MsgId>884</MsgId>", "text"),
    ("<MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><MsgID>not-a-number</MsgID>",
     "success"),
    ("<MsgType>event</MsgType>", "success"),
    ("<MsgType>file</MsgType><MsgId>883</MsgId>", "text"),
])
async def test_odd_shapes_are_answered_without_a_handler_failure(
        wx: FakeWechat, body: str, expect: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="baoshan.bot")
    r = await wx.send(_event(body))
    assert r.status_code == 200
    assert (r.text == "success") == (expect == "success")
    assert failures(caplog) == []


@pytest.mark.parametrize("body", [
    # wechatpy itself cannot read a subscribe whose key is not text: refused as bad XML.
    _event("<MsgType>event</MsgType><Event>subscribe</Event><EventKey><a>qrscene_1</a></EventKey>"),
    _event("<MsgType>text</MsgType><Content>低保</Content><MsgId>884</MsgId>", user="o" * 200),
    _event("<MsgType>text</MsgType><Content>低保</Content><MsgId>" + "9" * 200 + "</MsgId>"),
    _event("<MsgType>text</MsgType><Content>低保</Content><MsgId>abc</MsgId>"),
])
async def test_oversized_identifiers_are_refused_or_answered_never_a_500(wx: FakeWechat,
                                                                          body: str) -> None:
    r = await wx.send(body)
    assert r.status_code in {200, 400}, r.text


async def test_withdrawn_authorisation_forgets_the_resident(wx: FakeWechat) -> None:
    await wx.send(fixture("event_subscribe", user="oGone"))
    await WechatUserState.create(user="oGone", suggestions=["a"], expires_at=datetime.now(UTC))
    await wx.send(fixture("event_subscribe", user="oStays"))
    r = await wx.send(fixture("event_user_authorization_revoke", user="oGone"))
    assert r.text == "success"
    assert not await WechatFollower.filter(user="oGone").exists()
    assert not await WechatUserState.filter(user="oGone").exists()
    assert await WechatFollower.filter(user="oStays").exists()
