"""The chat simulator: WeChat-format messages built, signed and encrypted here, sent through the real
callback of a running `baoshan serve`, replies shown as bubbles."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sanic import Sanic
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import ArticlesReply, TextReply, TransferCustomerServiceReply

from content import sim_wechat
from content.sim_wechat import SimError
from content.simulator import load_history
from tests.content.conftest import Console
from tests.support.server import running_site

TOKEN, APP_ID = "sim-test-token", "wx00000000000000aa"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
PASSWORD = "simulator-pass-42"


# --- the WeChat side as plain functions -------------------------------------------------------

def test_text_messages_are_what_wechat_sends_even_with_cdata_breakers() -> None:
    xml = sim_wechat.message_xml("sim-zhang", 1_700_000_000, text="a]]>b<c>&", msg_id=42)
    message = parse_message(xml)
    assert (message.type, message.content, message.source, message.id) == ("text", "a]]>b<c>&",
                                                                            "sim-zhang", 42)
    click = parse_message(sim_wechat.message_xml("sim-zhang", 1, event="click", key="kb:x"))
    assert (click.type, click.event, click.key) == ("event", "click", "kb:x")
    assert parse_message(sim_wechat.message_xml("u", 1, event="subscribe")).event == "subscribe"


def test_plain_and_safe_mode_requests_are_signed_as_wechat_does() -> None:
    xml = sim_wechat.message_xml("sim-zhang", 1, text="你好")
    plain = sim_wechat.seal(xml, "sim-zhang", token=TOKEN, timestamp="1700000000")
    p = plain.params
    assert p["signature"] == sim_wechat.signature(TOKEN, p["timestamp"], p["nonce"]) and plain.body == xml
    sealed = sim_wechat.seal(xml, "sim-zhang", token=TOKEN, timestamp="1700000000", aes_key=AES_KEY,
                             app_id=APP_ID, encrypt=True)
    q = sealed.params
    assert q["encrypt_type"] == "aes" and "你好" not in sealed.body
    opened = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
        sealed.body, q["msg_signature"], q["timestamp"], q["nonce"])
    assert parse_message(opened).content == "你好"


def test_replies_become_bubbles() -> None:
    message = parse_message(sim_wechat.message_xml("sim-zhang", 1, text="x"))
    text = TextReply(content="您好\n第二行", message=message).render()
    assert sim_wechat.open_reply(text, encrypted=False, token=TOKEN).text == "您好\n第二行"
    news = ArticlesReply(message=message, articles=[
        {"title": "通知", "description": "摘要", "url": "https://example.org/n/1"}]).render()
    bubble = sim_wechat.open_reply(news, encrypted=False, token=TOKEN)
    assert (bubble.kind, bubble.title, bubble.url) == ("news", "通知", "https://example.org/n/1")
    transfer = TransferCustomerServiceReply(message=message).render()
    assert sim_wechat.open_reply(transfer, encrypted=False, token=TOKEN).kind == "transfer"
    assert sim_wechat.open_reply("success", encrypted=False, token=TOKEN).kind == "none"
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    sealed = crypto.encrypt_message(text, "n1", "1700000000")
    assert sim_wechat.open_reply(sealed, encrypted=True, token=TOKEN, aes_key=AES_KEY,
                                 app_id=APP_ID).text == "您好\n第二行"
    forged = WeChatCrypto("another-token", AES_KEY, APP_ID).encrypt_message(text, "n1", "1700000000")
    with pytest.raises(SimError):
        sim_wechat.open_reply(forged, encrypted=True, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID)
    with pytest.raises(SimError):
        sim_wechat.open_reply('<!DOCTYPE x [<!ENTITY a "b">]><xml/>', encrypted=False, token=TOKEN)


def test_menu_keys_come_from_the_bots_menu() -> None:
    keys = dict(sim_wechat.menu_keys())
    assert keys["结婚登记"] == "kb:mr-register-materials" and keys["人工客服"] == "ask:人工"


def test_posted_history_is_sanitised() -> None:
    assert load_history("not json") == [] and load_history('{"who": "bot"}') == []
    kept = load_history(json.dumps([{"who": "bot", "text": "x" * 5000}, {"who": "admin", "text": "y"}]))
    assert len(kept) == 1 and len(kept[0].text) == 2100


# --- the console page, in-process -------------------------------------------------------------

async def test_page_and_refusals_in_process(app: Sanic, console: Any) -> None:
    c: Console = await console("registrar")  # registrars may use it too
    page = await c.get("/console/simulator")
    assert page.status_code == 200 and "sim-registrar1" in page.text and "未配置" in page.text
    assert 'src="/console/static/simulator.js"' in page.text and "<script>" not in page.text
    r = await c.post("/console/simulator", data={"send": "text", "text": "  "},
                     headers={"Accept": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "请输入要发送的内容，或选择一个事件。"
    r = await c.post("/console/simulator", data={"send": "text", "text": "你好", "encrypt": "on"})
    assert r.status_code == 422 and "WECHAT_ENCODING_AES_KEY" in r.text
    r = await c.post("/console/simulator", data={"send": "event", "event": "click", "key": "nope"})
    assert r.status_code == 422 and "菜单按钮" in r.text
    # In-process (ASGI) there is no socket to call back to and no public address configured.
    r = await c.post("/console/simulator", data={"send": "text", "text": "你好"},
                     headers={"Accept": "application/json"})
    bubbles = r.json()["bubbles"]
    assert [b["who"] for b in bubbles] == ["staff", "note"] and "无法连接" in bubbles[1]["text"]
    denied = await (await console("editor")).client.post("/console/simulator", data={"text": "x"})
    assert denied.status_code == 403


# --- end to end against a real server ---------------------------------------------------------

@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`baoshan serve` with a token and an AES key; no public address, so the loopback call must
    find the server through the socket the console request came in on."""
    with running_site(database_url, tmp_path_factory.mktemp("sim"), "baoshan_sim", WECHAT_TOKEN=TOKEN,
                      WECHAT_APP_ID=APP_ID, WECHAT_ENCODING_AES_KEY=AES_KEY) as site:
        site.cli("staff", "add", "sim.editor", "--role", "editor", stdin=f"{PASSWORD}\n")
        yield site.base


class Chat:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=20, trust_env=False)
        form = self.http.get("/console/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        r = self.http.post("/console/login", data={"username": "sim.editor", "password": PASSWORD,
                                                   "csrf": csrf})
        assert r.status_code == 302, r.text
        page = self.http.get("/console/simulator").text
        self.csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        self.history = ""

    def __enter__(self) -> Chat:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def send(self, text: str = "", *, event: str = "", key: str = "", encrypt: bool = False) -> list[dict]:
        data = {"csrf": self.csrf, "history": self.history, "send": "event" if event else "text",
                "text": text, "event": event, "key": key, **({"encrypt": "on"} if encrypt else {})}
        r = self.http.post("/console/simulator", data=data, headers={"Accept": "application/json"})
        assert r.status_code == 200, r.text
        body = r.json()
        self.history = body["history"]
        staff, reply = body["bubbles"]
        assert staff["who"] == "staff"
        return [reply]

    def reply(self, text: str = "", **kw: Any) -> dict[str, str]:
        return self.send(text, **kw)[0]


@pytest.mark.slow
@pytest.mark.parametrize("encrypt", [False, True], ids=["plaintext", "safe-mode"])
def test_conversation_through_the_real_callback(server: str, encrypt: bool) -> None:
    with Chat(server) as chat:
        converse(chat, server, encrypt)


def converse(chat: Chat, server: str, encrypt: bool) -> None:
    welcome = chat.reply(event="subscribe", encrypt=encrypt)
    assert welcome["who"] == "bot" and "欢迎关注" in welcome["text"]
    answer = chat.reply("结婚登记要带什么", encrypt=encrypt)
    assert "结婚登记" in answer["text"] and "身份证" in answer["text"]
    suggestions = chat.reply("补贴", encrypt=encrypt)["text"]
    assert "请回复序号" in suggestions
    first_title = suggestions.splitlines()[1].removeprefix("1. ")
    api = httpx.get(f"{server}/api/v1/knowledge/search", params={"q": "补贴"}, trust_env=False).json()
    assert api["hits"][0]["title"] == first_title
    picked = chat.reply("1", encrypt=encrypt)["text"]
    assert picked == api["hits"][0]["answer"]
    handover = chat.reply("社保怎么交", encrypt=encrypt)["text"]
    assert "不属于民政业务" in handover and "12345" in handover
    transfer = chat.reply("人工", encrypt=encrypt)
    assert transfer["kind"] == "transfer" and "人工客服" in transfer["text"]
    click = chat.reply(event="click", key="kb:mr-register-materials", encrypt=encrypt)
    assert "身份证" in click["text"]
    assert chat.reply(event="unsubscribe", encrypt=encrypt)["kind"] == "none"
    history = json.loads(chat.history)
    assert len(history) == 16 and history[0]["who"] == "staff" and history[-1]["kind"] == "none"
    # The page without JavaScript shows the same conversation from the posted history.
    r = chat.http.post("/console/simulator", data={"csrf": chat.csrf, "history": chat.history,
                                                   "send": "text", "text": "你好"})
    assert r.status_code == 200 and r.text.count('class="bubble') == 18 and "欢迎关注" in r.text


@pytest.mark.slow
def test_simulated_questions_are_kept_apart_from_residents(server: str) -> None:
    with Chat(server) as chat:
        assert "没有完全理解" in chat.reply("我想养一只乌龟")["text"]
        residents = chat.http.get("/console/kb/unanswered").text
        simulated = chat.http.get("/console/kb/unanswered", params={"channel": "simulator"}).text
    assert "我想养一只乌龟" not in re.findall(r'<p class="question">(.*?)</p>', residents)
    assert "我想养一只乌龟" in re.findall(r'<p class="question">(.*?)</p>', simulated)
