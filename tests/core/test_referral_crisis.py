"""A crisis answer offers the referral to the community assistance adviser (issue #16), after the
hotlines and on every face (the bot over the signed callback, the public search)."""

from __future__ import annotations

import httpx
from sanic import Sanic

from core import catalogue
from tests.support.wechat import FakeWechat, fixture


async def test_crisis_reply_offers_the_urgent_referral(client: httpx.AsyncClient, app: Sanic) -> None:
    offer = catalogue.text("residents", "referral_crisis_offer")
    assert "社区救助顾问" in offer and "小程序" in offer
    assert await app.ctx.kb.wait_ready()
    api = (await client.get("/api/v1/knowledge/search", params={"q": "我不想活了"})).json()
    assert api["intent"] == "crisis" and api["reply"].endswith(offer)
    # The hotlines come first: the offer never pushes them out.
    assert api["reply"].index("12356") < api["reply"].index(offer)
    wx = FakeWechat(client, app.ctx.settings.wechat_token)
    bot = wx.open(await wx.send(fixture("text", content="今晚没地方住，也没饭吃")))["Content"]
    assert bot.endswith(offer)
    # Not on an ordinary answer.
    plain = (await client.get("/api/v1/knowledge/search", params={"q": "结婚登记要带什么"})).json()
    assert offer not in plain["reply"]
