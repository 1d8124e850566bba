"""De-duplication across real worker processes sharing the database."""

from __future__ import annotations

import asyncio
import signal

import httpx
import pytest

from tests.support.server import stop, wait_healthy
from tests.support.wechat import FakeWechat, fixture

pytestmark = pytest.mark.slow
DEV_TOKEN = "dev-placeholder-wechat_token"


def test_retries_spread_over_two_workers_are_answered_once(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(workers=2)
    wait_healthy(server)

    async def fire() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.base, timeout=10) as c:
            wx = FakeWechat(c, DEV_TOKEN)
            xml = fixture("text", content="结婚登记要带什么", msgid=770001)
            # Several connections at once, as WeChat's retries land on whichever worker.
            return list(await asyncio.gather(*(wx.send(xml) for _ in range(6))))

    responses = asyncio.run(fire())
    assert all(r.status_code == 200 for r in responses)
    answers = {r.text.split("<CreateTime>")[0] + r.text.split("</CreateTime>")[1]
               for r in responses if r.text != "success"}
    assert len(answers) == 1  # every attempt that got an answer got the same one
    out = stop(server, signal.SIGTERM)
    assert out.count('"msg": "answered"') == 1, out
