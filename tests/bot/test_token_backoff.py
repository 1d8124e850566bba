"""Issue #11: while /cgi-bin/stable_token fails, ten waiting messages made 24–27 serial token calls
in 5.5 s. Now: one attempt per lease holder and backoff window (exponential, capped), its result
shared by everyone waiting, for the official account (bot) and the mini-program (reminders),
both through the one WechatClient and its token authority."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from sanic import Sanic

from core.wechat import WechatApiError
from tests.support.wechat import FakeWechatApi

STABLE_TOKEN = "/cgi-bin/stable_token"


class FailingTokenEndpoint:
    """The fake WeChat's stable_token answers HTTP 500 (a body that is not JSON) until
    ``healthy`` is set."""

    def __init__(self, fake: FakeWechatApi) -> None:
        self.fake = fake
        self.healthy = False
        fake.routes[STABLE_TOKEN] = self.answer

    @property
    def token_calls(self) -> int:
        return len(self.fake.to(STABLE_TOKEN))

    async def answer(self, request: httpx.Request) -> httpx.Response | dict[str, Any]:
        await asyncio.sleep(0.05)  # a real round trip: the waiters overlap it
        if not self.healthy:
            return httpx.Response(500, text="Internal Server Error")
        return self.fake.default(request)  # type: ignore[return-value]


async def _ten(call):  # type: ignore[no-untyped-def]
    began = time.monotonic()
    results = await asyncio.gather(*(call() for _ in range(10)), return_exceptions=True)
    return results, time.monotonic() - began


async def test_official_account_token_backs_off_and_shares_the_attempt(app: Sanic) -> None:
    fake = FakeWechatApi("GOOD")
    endpoint = FailingTokenEndpoint(fake)
    api = fake.client()  # one per worker: every late answer and the menu use it
    try:
        results, took = await _ten(lambda: api.send_text("oUser", "迟到的答案"))
        assert all(isinstance(r, WechatApiError) for r in results), results
        assert endpoint.token_calls == 1, endpoint.token_calls  # before: 24–27
        assert took < 3, took  # before: about 5.5 s
        # Within the backoff window nobody calls the endpoint; callers fail fast.
        results, took = await _ten(lambda: api.access_token())
        assert all(isinstance(r, WechatApiError) for r in results)
        assert endpoint.token_calls == 1 and took < 1
        # After the first window (1 s): one more attempt, then a longer window (2 s).
        await asyncio.sleep(1.3)
        await _ten(lambda: api.access_token())
        assert endpoint.token_calls == 2
        await asyncio.sleep(1.3)
        await _ten(lambda: api.access_token())
        assert endpoint.token_calls == 2  # still inside the doubled window
        # The endpoint recovers: the next attempt after the window serves everyone.
        endpoint.healthy = True
        await asyncio.sleep(1.0)
        results, _ = await _ten(lambda: api.access_token())
        assert results == ["GOOD"] * 10 and endpoint.token_calls == 3
    finally:
        await api.http.aclose()


async def test_mini_program_token_backs_off_and_shares_the_attempt(app: Sanic) -> None:
    fake = FakeWechatApi("GOOD")
    endpoint = FailingTokenEndpoint(fake)
    api = fake.client()
    try:
        results, took = await _ten(lambda: api.access_token("miniapp"))
        assert all(isinstance(r, Exception) for r in results)
        assert endpoint.token_calls == 1 and took < 3
        results, _ = await _ten(lambda: api.access_token("miniapp"))
        assert all(isinstance(r, Exception) for r in results) and endpoint.token_calls == 1
        assert api.backing_off("miniapp")  # the reminders leave the rest pending meanwhile
        endpoint.healthy = True
        await asyncio.sleep(1.3)
        results, _ = await _ten(lambda: api.access_token("miniapp"))
        assert results == ["GOOD"] * 10 and endpoint.token_calls == 2
    finally:
        await api.http.aclose()


def test_backoff_is_exponential_and_capped() -> None:
    from core.backoff import Backoff

    now = [0.0]
    b = Backoff(first=1, cap=60, clock=lambda: now[0])
    delays = [b.failed() for _ in range(10)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    assert b.waiting() == 60
    b.succeeded()
    assert b.waiting() == 0
