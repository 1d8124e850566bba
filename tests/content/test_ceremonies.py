"""Themed collective ceremonies and named charity sessions as residents see them: the public
集体颁证 page, the charity-week page, the bot's booking entry (through the real callback), and a
closed slot's bookings reporting no places left in the mini-program API as in the console."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import httpx
from sanic import Sanic

from core.booking import staff
from core.booking.rules import SHANGHAI
from core.booking.slots import open_slot
from core.models import CharityCampaign, Slot
from tests.content.conftest import ConsoleFactory
from tests.miniapp_api.conftest import couple, login, make_id, wechat  # noqa: F401 - fixtures
from tests.support.wechat import FakeWechat, fixture

API = "/api/v1/miniapp"


def _day(days: int) -> date:
    return (datetime.now(UTC) + timedelta(days=days)).astimezone(SHANGHAI).date()


async def _ceremony(days: int, *, title: str = "", theme: str = "", place: str = "", capacity: int = 20,
                    booked: int = 0, closed: bool = False) -> Slot:
    starts = datetime.combine(_day(days), time(9, 30), SHANGHAI)
    slot = await open_slot("collective_ceremony", starts, starts + timedelta(hours=2), capacity,
                           title=title)
    await Slot.filter(id=slot.id).update(theme=theme, place=place, booked=booked,
                                         closed_at=datetime.now(UTC) if closed else None)
    return await Slot.get(id=slot.id)


async def test_the_public_ceremony_page_lists_coming_ceremonies_with_places_left(
        client: httpx.AsyncClient) -> None:
    empty = await client.get("/ceremonies")
    assert empty.status_code == 200 and "近期暂无已开放报名的集体颁证活动" in empty.text
    await _ceremony(-2, title="已经办过")
    await _ceremony(5, title="不再举办", closed=True)
    await _ceremony(9, title="七夕集体颁证", theme="七夕", place="宝山区婚姻登记处（示例）",
                    capacity=30, booked=12)
    await _ceremony(4, title="“520”集体颁证", theme="520", capacity=10, booked=10)
    page = await client.get("/ceremonies")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["Content-Security-Policy"]
    text = page.text
    assert "已经办过" not in text and "不再举办" not in text
    assert text.index("“520”集体颁证") < text.index("七夕集体颁证")  # soonest first
    assert "主题：七夕" in text and "地点：宝山区婚姻登记处（示例）" in text
    assert "剩余名额 18/30" in text and "名额已满" in text
    assert f"{_day(9):%Y年%m月%d日}" in text and "09:30–11:30" in text
    # Linked from every public page's footer.
    assert 'href="/ceremonies"' in (await client.get("/charity-week")).text


async def test_charity_sessions_show_their_own_name_place_and_theme(
        client: httpx.AsyncClient, console: ConsoleFactory) -> None:
    first = _day(1)
    await CharityCampaign.create(title="上海慈善周", starts_on=first, ends_on=first + timedelta(days=2),
                                 published=True)
    starts = datetime.combine(first, time(14), SHANGHAI)
    named = await open_slot("charity_event", starts, starts + timedelta(hours=1), 10)
    other = await open_slot("charity_event", starts + timedelta(hours=2), starts + timedelta(hours=3), 10)
    registrar = await console("registrar")
    for slot, title, place in ((named, "慈善义卖", "友谊路慈善超市（示例）"), (other, "旧衣回收", "")):
        r = await registrar.post(f"/console/slots/{slot.id}/edit", data={
            "title": title, "theme": "敬老" if place else "", "place": place,
            "day": first.isoformat(), "start": f"{slot.starts_at.astimezone(SHANGHAI):%H:%M}",
            "end": f"{slot.ends_at.astimezone(SHANGHAI):%H:%M}"})
        assert r.status_code == 302 and r.headers["location"].endswith("done=slot_edited")
    page = (await client.get("/charity-week")).text
    assert "慈善义卖（敬老）" in page and "地点：友谊路慈善超市（示例）" in page and "旧衣回收" in page
    assert "慈善超市活动" not in page
    # The mini-program's charity-week API keeps its contract fields (no new keys).
    events = (await client.get("/api/v1/charity-week")).json()["campaign"]["events"]
    assert [e["title"] for e in events] == ["慈善义卖", "旧衣回收"] and "place" not in events[0]


async def test_the_bot_names_the_coming_ceremonies_when_asked_about_signing_up(
        client: httpx.AsyncClient, app: Sanic) -> None:
    wx = FakeWechat(client, app.ctx.settings.wechat_token)
    before = wx.open(await wx.send(fixture("text", content="集体颁证报名")))["Content"]
    assert "集体颁证" in before and "小程序" in before and "近期集体颁证" not in before
    await _ceremony(6, title="七夕集体颁证", theme="七夕", booked=5)
    await _ceremony(3, title="“520”集体颁证", theme="520", capacity=10, booked=10)
    await _ceremony(2, title="关闭的场次", closed=True)
    reply = wx.open(await wx.send(fixture("text", content="集体颁证报名", msgid=880001)))["Content"]
    assert "近期集体颁证" in reply
    assert f"{_day(3):%m月%d日} 09:30 “520”集体颁证（520），名额已满" in reply
    assert "七夕集体颁证（七夕），剩余 15 个名额" in reply and "关闭的场次" not in reply
    assert reply.index("“520”") < reply.index("七夕集体颁证")
    other = wx.open(await wx.send(fixture("text", content="预约结婚登记", msgid=880002)))["Content"]
    assert "近期集体颁证" not in other


async def test_a_closed_slots_booking_reports_no_places_left_in_the_api(
        client: httpx.AsyncClient, login, console: ConsoleFactory) -> None:  # noqa: F811
    auth = await login("closed-remaining")
    slot = await _ceremony(8, capacity=5)
    booking = (await client.post(f"{API}/bookings", json=couple(slot.id), headers=auth)).json()
    assert booking["slot"]["remaining"] == 4
    await staff.close_slot(slot.id, "场地调整", now=datetime.now(UTC))
    seen = (await client.get(f"{API}/bookings/{booking['id']}", headers=auth)).json()
    assert seen["status"] == "closed" and seen["slot"]["remaining"] == 0  # not capacity - booked = 5
    registrar = await console("registrar")
    page = (await registrar.get(f"/console/slots/{slot.id}")).text
    assert "<dt>剩余</dt><dd>0</dd>" in page
