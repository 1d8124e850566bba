"""The one WeChat client and its token authority against the fake WeChat (httpx.MockTransport
serving the fixture JSON)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sanic import Sanic

from bot.late import deliver_late
from core.models import WechatAccessToken
from core.wechat import WechatApiError, WechatClient
from tests.support.wechat import CUSTOM_SEND, FakeWechatApi

Wx = tuple[FakeWechatApi, WechatClient]


@pytest.fixture
async def wechat(app: Sanic) -> AsyncIterator[Wx]:
    server = FakeWechatApi(numbered=True)
    api = server.client()
    try:
        yield server, api
    finally:
        await api.http.aclose()


async def test_token_is_fetched_once_and_shared(wechat: Wx) -> None:
    server, api = wechat
    tokens = await asyncio.gather(*(api.access_token() for _ in range(10)))
    assert set(tokens) == {"TOKEN1"} and server.tokens == 1
    assert await api.access_token() == "TOKEN1" and server.tokens == 1
    row = await WechatAccessToken.get(app_id="wxapp")
    assert row.token == "TOKEN1" and row.lease_until is None


async def test_token_is_refreshed_early_before_it_expires(wechat: Wx) -> None:
    server, api = wechat
    await api.access_token()
    later = datetime.now(UTC) + timedelta(seconds=7200 - 60)
    assert await api.access_token(now=later) == "TOKEN2" and server.tokens == 2


async def test_rejected_token_is_reread_then_replaced_once(wechat: Wx) -> None:
    server, api = wechat
    await api.access_token()
    server.script[CUSTOM_SEND] = [{"errcode": 40001, "errmsg": "invalid credential"}]
    await api.send_text("oUser", "你好")
    sends = server.to(CUSTOM_SEND)
    assert len(sends) == 2 and server.tokens == 2


async def test_customer_service_messages_are_never_retried(wechat: Wx) -> None:
    server, api = wechat
    server.routes[CUSTOM_SEND] = lambda request: httpx.ConnectError("down")
    with pytest.raises(WechatApiError):
        await api.send_text("oUser", "你好")
    assert len(server.to(CUSTOM_SEND)) == 1
    assert await deliver_late(api, "oUser", "迟到的答案") is False


async def test_late_answers_go_out_as_customer_service_text(wechat: Wx) -> None:
    server, api = wechat
    assert await deliver_late(api, "oUser", "结婚登记只需双方身份证。") is True
    call = server.calls[-1]
    assert call.path == CUSTOM_SEND
    assert call.body == {"touser": "oUser", "msgtype": "text",
                         "text": {"content": "结婚登记只需双方身份证。"}}


async def test_the_placeholder_row_of_a_refresh_in_flight_is_never_returned(wechat: Wx) -> None:
    """Seen on PostgreSQL in CI: a waiter whose clock read was earlier than the lease holder's got
    "" — the empty row _take_lease creates looked unexpired to it."""
    server, api = wechat
    now = datetime.now(UTC)
    # Another worker has just created the row and holds the lease; its refresh has not landed.
    await WechatAccessToken.create(app_id="wxapp", token="", expires_at=now + timedelta(seconds=2),
                                   lease_until=now + timedelta(milliseconds=500))
    token = await api.access_token()
    assert token == "TOKEN1" and server.tokens == 1


async def test_both_app_ids_take_their_token_from_the_one_authority(wechat: Wx) -> None:
    """The mini-program's token (reminders) is leased in the database like the account's: no
    worker keeps a token of its own."""
    server, api = wechat
    account, miniapp = await asyncio.gather(api.access_token("account"),
                                            api.access_token("miniapp"))
    assert {account, miniapp} == {"TOKEN1", "TOKEN2"} and server.tokens == 2
    assert [c.body["appid"] for c in server.to("/cgi-bin/stable_token")] in (
        ["wxapp", "wxmini"], ["wxmini", "wxapp"])
    rows = {r.app_id: r.token for r in await WechatAccessToken.all()}
    assert rows == {"wxapp": account, "wxmini": miniapp}
    other_worker = server.client()  # another worker (or host) reads the same rows
    try:
        assert await other_worker.access_token("miniapp") == miniapp and server.tokens == 2
    finally:
        await other_worker.http.aclose()
