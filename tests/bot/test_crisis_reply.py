"""#12: a resident in crisis gets help first — before matching, never a numbered list — and staff
see the message as urgent, masked and without the resident's other data."""

from __future__ import annotations

import httpx
import pytest
from sanic import Sanic

from core.models import UnansweredQuestion, UrgentMessage
from tests.content.conftest import ConsoleFactory
from tests.support.wechat import FakeWechat, fixture


@pytest.fixture
def wx(client: httpx.AsyncClient, app: Sanic) -> FakeWechat:
    return FakeWechat(client, app.ctx.settings.wechat_token)


async def test_i_do_not_want_to_live_gets_help_not_burial_suggestions(wx: FakeWechat) -> None:
    # The reproduced case: suggestions shown earlier, then the crisis message, then "1".
    wx.open(await wx.send(fixture("text", content="补贴")))
    reply = wx.open(await wx.send(fixture("text", content="我不想活了")))["Content"]
    assert "12356" in reply and "962525" in reply and "110" in reply and "人工" in reply
    assert "请回复序号" not in reply and "\n1. " not in reply and "骨灰" not in reply
    after = wx.open(await wx.send(fixture("text", content="1")))["Content"]
    assert "骨灰" not in after and "撒散" not in after  # no stale suggestion is sent


@pytest.mark.parametrize(("text", "number"), [
    ("老公喝了酒又打我，我躲在厕所里", "12338"),
    ("今晚没地方睡，身上一分钱都没有", "12345"),
    ("我爸有老年痴呆，下午出门到现在没回来", "110"),
])
async def test_other_crises_get_whom_to_call(wx: FakeWechat, text: str, number: str) -> None:
    reply = wx.open(await wx.send(fixture("text", content=text)))["Content"]
    assert number in reply and "人工" in reply and "请回复序号" not in reply


async def test_bereavement_gets_the_after_death_steps_not_the_crisis_reply(wx: FakeWechat) -> None:
    reply = wx.open(await wx.send(fixture("text", content="我妈走了，后事要怎么办")))["Content"]
    assert "12356" not in reply and "962525" not in reply
    assert await UrgentMessage.all().count() == 0


async def test_staff_see_the_crisis_message_as_urgent_and_masked(wx: FakeWechat,
                                                                 console: ConsoleFactory) -> None:
    await wx.send(fixture("text", content="我不想活了 我的电话13812345678"))
    rows = await UrgentMessage.all()
    assert [(r.kind, r.channel) for r in rows] == [("suicide", "wechat")]
    assert "13812345678" not in rows[0].excerpt and "不想活" in rows[0].excerpt
    # Kept apart from the unanswered list (nothing about the resident but the masked words).
    assert await UnansweredQuestion.all().count() == 0
    staff = await console("registrar")
    home = await staff.get("/console/")
    assert "1 条紧急求助消息" in home.text
    listing = await staff.get("/console/urgent")
    assert "自杀或自伤" in listing.text and "13812345678" not in listing.text
    done = await staff.post(f"/console/urgent/{rows[0].id}/handled")
    assert done.status_code == 302
    assert (await UrgentMessage.get(id=rows[0].id)).handled_by == staff.username
    assert "紧急求助消息待跟进" not in (await staff.get("/console/")).text
