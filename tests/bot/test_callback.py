from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from sanic import Sanic

from bot.replies import TEXT_LIMIT_BYTES, fit
from core.app import create_app
from core.models import UnansweredQuestion, WechatFollower, WechatInbound
from core.settings import Settings
from tests.conftest import make_settings
from tests.support.asgi import client as asgi_client
from tests.support.asgi import lifespan
from tests.support.wechat import FakeWechat, fixture, sign

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.fixture
def wx(client: httpx.AsyncClient, app: Sanic) -> FakeWechat:
    return FakeWechat(client, app.ctx.settings.wechat_token)


async def test_server_verification_echoes_only_with_a_good_signature(
        client: httpx.AsyncClient, app: Sanic) -> None:
    token, now = app.ctx.settings.wechat_token, str(int(time.time()))
    good = {"timestamp": now, "nonce": "abc", "echostr": "hello123",
            "signature": sign(token, now, "abc")}
    r = await client.get("/wechat", params=good)
    assert r.status_code == 200 and r.text == "hello123"
    r = await client.get("/wechat", params={**good, "signature": "f" * 40})
    assert r.status_code == 403 and r.json()["error"]["code"] == "bad_signature"


async def test_text_gets_the_knowledge_answer(wx: FakeWechat) -> None:
    r = await wx.send(fixture("text", content="结婚登记要带什么"))
    assert r.status_code == 200
    reply = wx.open(r)
    assert reply["MsgType"] == "text" and "身份证" in reply["Content"]
    assert reply["ToUserName"] == "oUser0001" and reply["FromUserName"] == "gh_baoshan"


async def test_a_retry_gets_the_same_reply_and_side_effects_happen_once(wx: FakeWechat) -> None:
    xml = fixture("text", content="退休金每个月几号发", msgid=990001)
    first = await wx.send(xml)
    second = await wx.send(xml)
    third = await wx.send(xml)
    assert wx.open(first)["Content"] == wx.open(second)["Content"] == wx.open(third)["Content"]
    assert await WechatInbound.filter(key="msg:990001").count() == 1
    assert await UnansweredQuestion.filter(channel="wechat").count() == 1


async def test_concurrent_retries_are_answered_once(wx: FakeWechat) -> None:
    xml = fixture("text", content="低保怎么申请", msgid=990002)
    responses = await asyncio.gather(*(wx.send(xml) for _ in range(3)))
    bodies = {r.text for r in responses if r.text != "success"}
    contents = {wx.open(r)["Content"] for r in responses if r.text != "success"}
    assert bodies and len(contents) == 1
    assert await WechatInbound.filter(key="msg:990002").count() == 1


async def test_suggestions_can_be_picked_by_number(wx: FakeWechat) -> None:
    content = wx.open(await wx.send(fixture("text", content="补贴")))["Content"]
    assert "请回复序号" in content
    lines = content.splitlines()[1:]
    assert 2 <= len(lines) <= 3 and lines[0].startswith("1. ")
    picked = wx.open(await wx.send(fixture("text", content="1")))["Content"]
    assert "请回复序号" not in picked and len(picked) > 30
    # Another user's "1" means nothing: suggestions are per user.
    other = wx.open(await wx.send(fixture("text", content="1", user="oSomeoneElse")))["Content"]
    assert other != picked


async def test_human_request_is_transferred(wx: FakeWechat) -> None:
    reply = wx.open(await wx.send(fixture("text", content="转人工")))
    assert reply["MsgType"] == "transfer_customer_service"


async def test_booking_intent_points_to_the_mini_program(wx: FakeWechat) -> None:
    reply = wx.open(await wx.send(fixture("text", content="预约结婚登记")))
    assert "小程序" in reply["Content"] and "结婚登记" in reply["Content"]


async def test_voice_with_recognition_is_treated_as_text(wx: FakeWechat) -> None:
    reply = wx.open(await wx.send(fixture("voice", content="离婚冷静期多少天")))
    assert "冷静期" in reply["Content"]


@pytest.mark.parametrize("name", ["image", "msg_video"])
async def test_media_gets_a_text_only_hint(wx: FakeWechat, name: str) -> None:
    reply = wx.open(await wx.send(fixture(name)))
    assert "文字" in reply["Content"]


@pytest.mark.parametrize("name", ["unknown", "event_view"])
async def test_unknown_types_and_quiet_events_get_success(wx: FakeWechat, name: str) -> None:
    r = await wx.send(fixture(name))
    assert r.status_code == 200 and r.text == "success"


async def test_follow_and_unfollow_are_recorded(wx: FakeWechat) -> None:
    hello = wx.open(await wx.send(fixture("event_subscribe", user="oFan", key="qrscene_poster01")))
    assert "欢迎" in hello["Content"]
    row = await WechatFollower.get(user="oFan")
    assert row.subscribed and row.scene == "poster01"
    bye = await wx.send(fixture("event_unsubscribe", user="oFan"))
    assert bye.text == "success"
    assert not (await WechatFollower.get(user="oFan")).subscribed


async def test_menu_click_maps_to_an_entry(wx: FakeWechat) -> None:
    reply = wx.open(await wx.send(fixture("event_click", key="kb:mr-register-materials")))
    assert "身份证" in reply["Content"]


@pytest.mark.parametrize(("body", "status", "code"), [
    ("<xml><a>", 400, "bad_xml"),
    ("not xml at all", 400, "bad_xml"),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
     400, "bad_xml"),
    ("<xml><MsgType>text</MsgType></xml>", 400, "missing_fields"),
])
async def test_hostile_or_broken_bodies_are_4xx(wx: FakeWechat, body: str, status: int,
                                                code: str) -> None:
    r = await wx.send(body)
    assert r.status_code == status and r.json()["error"]["code"] == code


async def test_bad_signature_is_403_and_big_bodies_413(wx: FakeWechat) -> None:
    r = await wx.send(fixture("text", content="低保"), bad_signature=True)
    assert r.status_code == 403
    r = await wx.send(fixture("text", content="低" * 30000))
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_long_replies_are_cut_at_a_sentence_with_a_link() -> None:
    body = "第一句话说明要点。" * 200
    out = fit(body, "https://example.invalid/kb/x")
    assert len(out.encode()) <= TEXT_LIMIT_BYTES
    assert out.endswith("https://example.invalid/kb/x") and "。\n" in out
    assert fit("短答案。") == "短答案。"


async def test_safe_mode_decrypts_and_encrypts(migrated: Settings, tmp_path: Path) -> None:
    settings = make_settings(migrated.database_url, tmp_path, WECHAT_TOKEN="tok-safe",
                             WECHAT_APP_ID="wx1234567890", WECHAT_ENCODING_AES_KEY=AES_KEY)
    app = create_app(settings)
    async with lifespan(app), asgi_client(app) as c:
        wx = FakeWechat(c, "tok-safe", AES_KEY, "wx1234567890")
        r = await wx.send(fixture("text", content="结婚登记要带什么"), encrypt=True)
        assert r.status_code == 200 and "<Encrypt>" in r.text
        assert "身份证" in wx.open(r, encrypted=True)["Content"]
        tampered = await wx.send(fixture("text", content="低保"), encrypt=True, bad_signature=True)
        assert tampered.status_code == 403
        await WechatInbound.all().delete()


async def test_latest_notice_is_one_news_article(wx: FakeWechat) -> None:
    from datetime import UTC, datetime, timedelta

    from core.models import Notice

    empty = wx.open(await wx.send(fixture("text", content="最新通知")))
    assert empty["MsgType"] == "text" and "没有新的通知" in empty["Content"]
    now = datetime.now(UTC)
    await Notice.create(title="旧通知", status="published", publish_at=now - timedelta(days=3))
    await Notice.create(title="5月20日结婚登记安排", summary="当日开放预约", status="published",
                        publish_at=now - timedelta(hours=1))
    reply = await wx.send(fixture("text", content="最新通知"))
    assert "<ArticleCount>1</ArticleCount>" in reply.text
    assert "5月20日结婚登记安排" in reply.text and "旧通知" not in reply.text
