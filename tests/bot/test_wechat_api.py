"""The outbound WeChat API against a fake WeChat server (httpx.MockTransport serving JSON)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sanic import Sanic

from bot.routes import deliver_late
from bot.wechat_api import WechatApi, WechatApiError
from core.models import WechatAccessToken


class FakeWechatServer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.tokens = 0
        self.reject_next_send_with: int | None = None
        self.fail_sends = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        self.calls.append((request.url.path, body))
        if request.url.path == "/cgi-bin/stable_token":
            assert body["force_refresh"] is False
            self.tokens += 1
            return httpx.Response(200, json={"access_token": f"TOKEN{self.tokens}", "expires_in": 7200})
        if request.url.path == "/cgi-bin/message/custom/send":
            if self.fail_sends:
                raise httpx.ConnectError("down")
            if self.reject_next_send_with:
                code, self.reject_next_send_with = self.reject_next_send_with, None
                return httpx.Response(200, json={"errcode": code, "errmsg": "invalid credential"})
            return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})
        return httpx.Response(404, json={"errcode": 404})


@pytest.fixture
async def wechat(app: Sanic):  # type: ignore[no-untyped-def]
    server = FakeWechatServer()
    async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as http:
        yield server, WechatApi(http, "http://wechat.test", "wxapp", "secret")


async def test_token_is_fetched_once_and_shared(wechat) -> None:  # type: ignore[no-untyped-def]
    server, api = wechat
    tokens = await asyncio.gather(*(api.access_token() for _ in range(10)))
    assert set(tokens) == {"TOKEN1"} and server.tokens == 1
    assert await api.access_token() == "TOKEN1" and server.tokens == 1
    row = await WechatAccessToken.get(app_id="wxapp")
    assert row.token == "TOKEN1" and row.lease_until is None


async def test_token_is_refreshed_early_before_it_expires(wechat) -> None:  # type: ignore[no-untyped-def]
    server, api = wechat
    await api.access_token()
    later = datetime.now(UTC) + timedelta(seconds=7200 - 60)
    assert await api.access_token(now=later) == "TOKEN2" and server.tokens == 2


async def test_rejected_token_is_reread_then_replaced_once(wechat) -> None:  # type: ignore[no-untyped-def]
    server, api = wechat
    await api.access_token()
    server.reject_next_send_with = 40001
    await api.send_text("oUser", "你好")
    sends = [c for c in server.calls if c[0] == "/cgi-bin/message/custom/send"]
    assert len(sends) == 2 and server.tokens == 2


async def test_customer_service_messages_are_never_retried(wechat) -> None:  # type: ignore[no-untyped-def]
    server, api = wechat
    server.fail_sends = True
    with pytest.raises(WechatApiError):
        await api.send_text("oUser", "你好")
    assert sum(1 for c in server.calls if c[0] == "/cgi-bin/message/custom/send") == 1
    assert await deliver_late(api, "oUser", "迟到的答案") is False


async def test_late_answers_go_out_as_customer_service_text(wechat) -> None:  # type: ignore[no-untyped-def]
    server, api = wechat
    assert await deliver_late(api, "oUser", "结婚登记只需双方身份证。") is True
    path, body = server.calls[-1]
    assert path == "/cgi-bin/message/custom/send"
    assert body == {"touser": "oUser", "msgtype": "text", "text": {"content": "结婚登记只需双方身份证。"}}


async def test_the_placeholder_row_of_a_refresh_in_flight_is_never_returned(wechat) -> None:  # type: ignore[no-untyped-def]
    """Seen on PostgreSQL in CI: a waiter whose clock read was earlier than the lease holder's got
    "" — the empty row _take_lease creates looked unexpired to it."""
    server, api = wechat
    now = datetime.now(UTC)
    # Another worker has just created the row and holds the lease; its refresh has not landed.
    await WechatAccessToken.create(app_id="wxapp", token="", expires_at=now + timedelta(seconds=2),
                                   lease_until=now + timedelta(milliseconds=500))
    token = await api.access_token()
    assert token == "TOKEN1" and server.tokens == 1
