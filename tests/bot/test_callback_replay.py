"""#19 item 5: a signed callback is honoured only near its own timestamp, safe mode refuses
plaintext, and production says so at start-up when it still accepts plaintext.

A plaintext-mode signature covers token, timestamp and nonce but no body: without these checks a
signed URL seen once (a proxy's access log) would carry any message from any resident, forever.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sanic import Sanic

from content import auth
from content.messages import SIM_TEXT
from core.settings import Settings
from tests.conftest import AppFactory, make_settings
from tests.content.conftest import PASSWORD, login
from tests.support.asgi import client as asgi_client
from tests.support.wechat import FakeWechat, fixture

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TOKEN, APP_ID = "tok-replay", "wx1234567890"
QUESTION, ANSWER_WORD = "结婚登记要带什么", "身份证"
# Production refuses placeholders: values shaped like the real ones.
PRODUCTION_ENV = {
    "BAOSHAN_ENV": "production",
    "BAOSHAN_SECRET_KEY": "Zr8-qW2vN5xK1pT7mJ4hB9cF6dL3sG0yU_aE",
    "WECHAT_TOKEN": "Bs2024callbackTok",
    "WECHAT_APP_ID": "wx5f3c9a1b2d4e6f80",
    "WECHAT_APP_SECRET": "8d1f0b7c2e9a4f6b3c5d7e9f1a2b4c6d",
    "MINIAPP_APP_ID": "wx0a1b2c3d4e5f6a7b",
    "MINIAPP_APP_SECRET": "f1e2d3c4b5a6978877665544332211aa",
}


@pytest.fixture
def wx(client: httpx.AsyncClient, app: Sanic) -> FakeWechat:
    return FakeWechat(client, app.ctx.settings.wechat_token)


async def _wechat_app(app_with: AppFactory, mode: str) -> tuple[Sanic, FakeWechat]:
    app = await app_with(wechat_token=TOKEN, wechat_app_id=APP_ID,
                         wechat_encoding_aes_key=AES_KEY, wechat_message_mode=mode)
    return app, FakeWechat(asgi_client(app), TOKEN, AES_KEY, APP_ID)


def _answered(wx: FakeWechat, r: httpx.Response, *, encrypted: bool = False) -> bool:
    return r.status_code == 200 and ANSWER_WORD in wx.open(r, encrypted=encrypted)["Content"]


def _refused(r: httpx.Response, code: str) -> bool:
    return r.status_code == 403 and r.json()["error"]["code"] == code


@pytest.mark.parametrize("offset", [-360, 360], ids=["6-min-old", "6-min-ahead"])
async def test_a_signed_message_outside_five_minutes_is_refused(wx: FakeWechat, offset: int) -> None:
    r = await wx.send(fixture("text", content=QUESTION), timestamp=int(time.time()) + offset)
    assert _refused(r, "bad_timestamp")
    assert "时间戳" in r.json()["error"]["message"]


@pytest.mark.parametrize("offset", [-240, 240], ids=["4-min-old", "4-min-ahead"])
async def test_a_signed_message_within_five_minutes_is_answered(wx: FakeWechat, offset: int) -> None:
    r = await wx.send(fixture("text", content=QUESTION), timestamp=int(time.time()) + offset)
    assert _answered(wx, r)


@pytest.mark.parametrize("timestamp", ["", "abc", "+1700000000", "1.7e9", "١٧٠٠٠٠٠٠٠٠",
                                       "9" * 40])
async def test_a_signed_message_with_a_malformed_timestamp_is_refused(
        wx: FakeWechat, timestamp: str) -> None:
    r = await wx.send(fixture("text", content=QUESTION), timestamp=timestamp)
    assert _refused(r, "bad_timestamp")


async def test_server_verification_checks_the_timestamp_and_sends_nosniff(wx: FakeWechat) -> None:
    now = int(time.time())
    for stale in (now - 360, now + 360, "abc"):
        assert _refused(await wx.verify("<script>x</script>", timestamp=stale), "bad_timestamp")
    r = await wx.verify("<script>x</script>", timestamp=now - 240)
    assert r.status_code == 200 and r.text == "<script>x</script>"
    # echostr is whatever the caller put in the URL: a browser must not sniff it into HTML.
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_the_injected_request_clock_decides(app: Sanic, wx: FakeWechat) -> None:
    fixed = datetime(2031, 5, 20, 9, 30, tzinfo=UTC)
    app.ctx.clock = lambda: fixed
    # Signed at the wall clock's now, which is years from the service's now.
    assert _refused(await wx.send(fixture("text", content=QUESTION)), "bad_timestamp")
    stamp = int((fixed - timedelta(minutes=4)).timestamp())
    assert _answered(wx, await wx.send(fixture("text", content=QUESTION), timestamp=stamp))
    assert (await wx.verify("ok", timestamp=stamp)).text == "ok"


async def test_safe_mode_refuses_plaintext_and_answers_encrypted(app_with: AppFactory) -> None:
    _, wx = await _wechat_app(app_with, "safe")
    async with wx.client:
        plain = await wx.send(fixture("text", content=QUESTION))
        assert _refused(plain, "plaintext_refused")
        r = await wx.send(fixture("text", content=QUESTION), encrypt=True)
        assert _answered(wx, r, encrypted=True)
        # The encrypted envelope's own signature does not stretch the window either.
        stale = await wx.send(fixture("text", content=QUESTION), encrypt=True,
                              timestamp=int(time.time()) - 360)
        assert _refused(stale, "bad_timestamp")
        # WeChat verifies the server URL with a plain GET in every mode.
        assert (await wx.verify("hello")).text == "hello"


async def test_compatible_mode_answers_plaintext_and_encrypted(app_with: AppFactory) -> None:
    _, wx = await _wechat_app(app_with, "compatible")
    async with wx.client:
        assert _answered(wx, await wx.send(fixture("text", content=QUESTION)))
        assert _answered(wx, await wx.send(fixture("text", content=QUESTION), encrypt=True),
                         encrypted=True)
        stale = await wx.send(fixture("text", content=QUESTION), encrypt=True,
                              timestamp=int(time.time()) + 360)
        assert _refused(stale, "bad_timestamp")


def _production(migrated: Settings, tmp_path: Path, **env: str) -> dict[str, object]:
    """Production settings as load_settings builds them, as changes for ``app_with``."""
    settings = make_settings(migrated.database_url, tmp_path, **PRODUCTION_ENV, **env)
    assert settings.is_production
    return {f.name: getattr(settings, f.name) for f in dataclasses.fields(Settings)}


def _mode_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "baoshan.bot" and r.levelno == logging.WARNING
            and "WECHAT_MESSAGE_MODE" in r.getMessage()]


@pytest.mark.parametrize("env", [{}, {"WECHAT_ENCODING_AES_KEY": AES_KEY}],
                         ids=["plain-by-default", "compatible-by-default"])
async def test_production_warns_at_start_unless_safe(
        app_with: AppFactory, migrated: Settings, tmp_path: Path,
        caplog: pytest.LogCaptureFixture, env: dict[str, str]) -> None:
    changes = _production(migrated, tmp_path, **env)
    caplog.set_level(logging.WARNING, logger="baoshan.bot")
    await app_with(**changes)
    [record] = _mode_warnings(caplog)
    assert record.__dict__.get("mode") == changes["wechat_message_mode"]
    logged = record.getMessage() + repr(record.__dict__)
    for secret in (*PRODUCTION_ENV.values(), AES_KEY):
        if secret != "production":
            assert secret not in logged


async def test_production_in_safe_mode_starts_quietly(
        app_with: AppFactory, migrated: Settings, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    changes = _production(migrated, tmp_path, WECHAT_ENCODING_AES_KEY=AES_KEY,
                          WECHAT_MESSAGE_MODE="safe")
    caplog.set_level(logging.WARNING, logger="baoshan.bot")
    await app_with(**changes)
    assert _mode_warnings(caplog) == []


async def test_the_console_simulator_encrypts_in_safe_mode(app_with: AppFactory) -> None:
    """Safe mode refuses plaintext, so the chat simulator must not send any (content.simulator)."""
    app = await app_with(wechat_token=TOKEN, wechat_app_id=APP_ID,
                         wechat_encoding_aes_key=AES_KEY, wechat_message_mode="safe")
    await auth.add_staff("sim.safe", "editor", PASSWORD)
    async with asgi_client(app) as client:
        console = await login(client, "sim.safe")
        r = await console.post("/console/simulator", data={"send": "text", "text": "你好"},
                               headers={"Accept": "application/json"})
    # In-process there is no socket to call back to; the staff side shows how it was sent.
    staff = r.json()["bubbles"][0]
    assert staff["who"] == "staff" and staff["text"] == f"你好（{SIM_TEXT['encrypted']}）"
