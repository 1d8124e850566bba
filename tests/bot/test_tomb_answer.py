"""Residents asking whether 清明 tomb sweeping needs booking hear the coming campaign's real state
(issue #15), through the real signed callback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sanic import Sanic

from core.booking import campaign
from core.booking.bulk import parse_windows
from core.models import Slot
from core.tz import SHANGHAI
from tests.support.wechat import FakeWechat, fixture


async def _campaign(opens_in: timedelta) -> campaign.CampaignRequest:
    now = datetime.now(UTC)
    first = (now.astimezone(SHANGHAI) + timedelta(days=20)).date()
    req = campaign.CampaignRequest(
        name="2027年清明", days=(first, first + timedelta(days=1)),
        windows=parse_windows("07:00-08:30, 08:30-10:00"), places=("示例墓园甲",), capacity=2,
        opens_at=now + opens_in)
    await campaign.open_campaign(req, actor="registrar1", now=now)
    return req


async def test_the_answer_carries_the_campaign_state(client: httpx.AsyncClient, app: Sanic) -> None:
    wx = FakeWechat(client, app.ctx.settings.wechat_token)
    plain = wx.open(await wx.send(fixture("text", content="清明扫墓要预约吗")))["Content"]
    assert "高峰日要预约" in plain and "【" not in plain  # no campaign: the entry alone
    req = await _campaign(timedelta(days=3))
    before = wx.open(await wx.send(fixture("text", content="清明扫墓要预约吗", msgid=990001)))["Content"]
    opens = req.opens_at.astimezone(SHANGHAI)
    assert "【2027年清明】" in before and f"{opens.month}月{opens.day}日{opens:%H:%M}起" in before
    await Slot.filter(service="tomb_sweeping").update(opens_at=datetime.now(UTC) - timedelta(hours=1))
    first = req.days[0]
    await Slot.filter(service="tomb_sweeping",
                      starts_at__lt=datetime.combine(req.days[1], datetime.min.time(), SHANGHAI)
                      ).update(booked=2)
    during = wx.open(await wx.send(fixture("text", content="预约祭扫", msgid=990002)))["Content"]
    assert "正在预约" in during and f"其中{first.month}月{first.day}日已约满" in during
