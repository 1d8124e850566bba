"""#16 政策找人 in the chat, over the real signed callback: started by words or the menu, one
question per message with numbered choices, "跳过", "重新开始" and "退出"; its state is per
resident, encrypted, 30 minutes; a crisis message mid-flow is answered as a crisis and ends it;
nothing of the answers reaches the logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sanic import Sanic

from core import flows
from core.models import GuidedFlowState, UrgentMessage
from core.retention import run_retention
from tests.support.wechat import FakeWechat, fixture

START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
USER = "oPolicyAsker"
# The answers of one whole walk through the ten questions, in order.
WALK = ["1", "1", "1", "87岁", "跳过", "4", "2", "2", "1", "跳过"]


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: Sanic) -> Clock:
    app.ctx.clock = Clock()
    return app.ctx.clock


@pytest.fixture
def wx(client: httpx.AsyncClient, app: Sanic) -> FakeWechat:
    return FakeWechat(client, app.ctx.settings.wechat_token)


async def say(wx: FakeWechat, clock: Clock, text: str, user: str = USER) -> str:
    response = await wx.send(fixture("text", content=text, user=user),
                             timestamp=int(clock.now.timestamp()))
    assert response.status_code == 200
    return wx.open(response)["Content"]


async def state(app: Sanic, clock: Clock, user: str = USER) -> flows.FlowState | None:
    loaded: flows.FlowState | None = await app.ctx.flows.load(user, clock.now)
    return loaded


async def test_a_whole_check_ends_with_results_and_the_adviser(wx: FakeWechat, app: Sanic,
                                                                clock: Clock) -> None:
    first = await say(wx, clock, "我能领什么补贴")
    assert "政策找人" in first and "（1/10）" in first and "跳过" in first
    replies = [await say(wx, clock, answer) for answer in WALK]
    assert "（2/10）" in replies[0] and "1. 低于本市低保标准（以当年公布标准为准）" in replies[0]
    assert "（5/10）" in replies[3]
    final = replies[-1]
    for title in ("最低生活保障", "特困人员救助供养", "办理残疾人证", "老年综合津贴",
                  "长者食堂", "“一键通”"):
        assert title in final, title
    assert "仅供参考" in final and "社区救助顾问" in final and "小程序" in final
    assert "低收入家庭认定" not in final and "支出型贫困" not in final
    assert "1. 最低生活保障（低保）：您家人均月收入低于本市低保标准" in final
    assert len(final.encode()) <= 2048
    # Only the list is kept (to read one in full by its number), never the answers.
    kept = await state(app, clock)
    assert kept is not None and set(kept.answers) == {"results"}
    assert kept.answers["results"][:2] == ["dibao", "tekun"]
    detail = await say(wx, clock, "2")
    assert "【特困人员救助供养】" in detail and "社区事务受理服务中心" in detail
    assert "12345" in detail and "仅供参考" in detail
    # Any other message leaves the list and is answered as usual.
    assert "身份证" in await say(wx, clock, "结婚登记要带什么")
    assert await GuidedFlowState.filter(user=USER).count() == 0


async def test_the_answers_are_encrypted_at_rest(wx: FakeWechat, app: Sanic,
                                                 clock: Clock) -> None:
    await say(wx, clock, "政策找人")
    for answer in WALK[:4]:
        await say(wx, clock, answer)
    row = await GuidedFlowState.get(user=USER)
    assert row.flow == "policy_check" and row.step == 4
    # Ciphertext is base64 text, so a short digit run like "87" can appear in it by chance:
    # look for what only a plain JSON dump would hold (quotes, the answer words, the age pair).
    assert row.answers_enc.startswith("v2.")
    for plain in ('"', "below_dibao", "oldest_age", ": 87"):
        assert plain not in row.answers_enc, plain
    assert (await state(app, clock)) == flows.FlowState(
        "policy_check", 4, {"household_size": 1, "income": "below_dibao", "savings": "little",
                            "oldest_age": 87})


async def test_skip_restart_and_quit(wx: FakeWechat, app: Sanic, clock: Clock) -> None:
    await say(wx, clock, "政策找人")
    assert "（2/10）" in await say(wx, clock, "跳过")
    assert "（3/10）" in await say(wx, clock, "2")
    current = await state(app, clock)
    assert current is not None and current.answers == {"income": "below_2x"}
    restarted = await say(wx, clock, "重新开始")
    assert "（1/10）" in restarted
    current = await state(app, clock)
    assert current is not None and current.step == 0 and current.answers == {}
    assert "退出" in await say(wx, clock, "退出")
    assert await GuidedFlowState.filter(user=USER).count() == 0
    # "1" is no longer an answer to anything: it does not restart the check.
    assert "（" not in (await say(wx, clock, "1"))[:4]


async def test_a_reply_that_is_no_answer_asks_again_and_a_question_leaves(
        wx: FakeWechat, app: Sanic, clock: Clock) -> None:
    await say(wx, clock, "政策找人")
    await say(wx, clock, "3")
    again = await say(wx, clock, "9")  # income has four options
    assert "没看懂" in again and "（2/10）" in again
    answer = await say(wx, clock, "请问结婚登记需要带哪些材料和证件")
    assert "身份证" in answer
    assert await GuidedFlowState.filter(user=USER).count() == 0


async def test_asking_for_a_person_mid_flow_is_transferred(wx: FakeWechat, app: Sanic,
                                                           clock: Clock) -> None:
    await say(wx, clock, "政策找人")
    response = await wx.send(fixture("text", content="人工", user=USER),
                             timestamp=int(clock.now.timestamp()))
    assert wx.open(response)["MsgType"] == "transfer_customer_service"
    assert await GuidedFlowState.filter(user=USER).count() == 0


async def test_three_replies_that_are_no_answer_end_the_flow(wx: FakeWechat, app: Sanic,
                                                             clock: Clock) -> None:
    await say(wx, clock, "政策找人")
    assert "没看懂" in await say(wx, clock, "很多")
    assert "没看懂" in await say(wx, clock, "好多")
    assert "没看懂" not in await say(wx, clock, "不少")
    assert await GuidedFlowState.filter(user=USER).count() == 0


async def test_the_flow_is_per_resident(wx: FakeWechat, app: Sanic, clock: Clock) -> None:
    await say(wx, clock, "政策找人")
    other = await say(wx, clock, "3", user="oSomeoneElse")
    assert "（2/10）" not in other
    assert "（2/10）" in await say(wx, clock, "3")


async def test_the_menu_button_starts_it(wx: FakeWechat, app: Sanic, clock: Clock) -> None:
    response = await wx.send(fixture("event_click", key="flow:policy_check", user=USER),
                             timestamp=int(clock.now.timestamp()))
    assert "（1/10）" in wx.open(response)["Content"]
    assert "（2/10）" in await say(wx, clock, "2")


async def test_the_state_expires_after_thirty_minutes_and_retention_removes_it(
        wx: FakeWechat, app: Sanic, clock: Clock) -> None:
    await say(wx, clock, "政策找人")
    clock.now += timedelta(minutes=29)
    assert "（2/10）" in await say(wx, clock, "3")  # each message keeps it another 30 minutes
    clock.now += timedelta(minutes=31)
    assert "（3/10）" not in await say(wx, clock, "2")
    await say(wx, clock, "政策找人", user="oFresh")  # a live one, which retention keeps
    report = await run_retention(app.ctx.settings, clock.now)
    assert report.guided_flows == 1
    assert [r.user for r in await GuidedFlowState.all()] == ["oFresh"]


async def test_a_crisis_mid_flow_gets_the_crisis_answer_and_ends_the_flow(
        wx: FakeWechat, app: Sanic, clock: Clock) -> None:
    crisis_reply = await say(wx, clock, "我不想活了", user="oNoFlow")
    await say(wx, clock, "政策找人")
    await say(wx, clock, "2")
    assert await say(wx, clock, "我不想活了") == crisis_reply
    assert await UrgentMessage.all().count() == 2
    assert await GuidedFlowState.filter(user=USER).count() == 0
    assert "（3/10）" not in await say(wx, clock, "1")


async def test_a_crisis_number_answer_is_not_swallowed_by_the_flow(
        wx: FakeWechat, app: Sanic, clock: Clock) -> None:
    """Even a short crisis message that could pass for an answer is a crisis first."""
    await say(wx, clock, "政策找人")
    reply = await say(wx, clock, "救命")
    assert "（2/10）" not in reply


async def test_no_answer_reaches_the_logs(wx: FakeWechat, app: Sanic, clock: Clock,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await say(wx, clock, "政策找人")
    for answer in ["3", "1", "2", "103岁", "17岁", "3", "1", "1", "2", "1"]:
        await say(wx, clock, answer)
    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    for value in ("103岁", "17岁", "below_dibao", "household_size", "oldest_age"):
        assert value not in logged


async def test_withdrawing_authorisation_forgets_the_flow(wx: FakeWechat, app: Sanic,
                                                         clock: Clock) -> None:
    await say(wx, clock, "政策找人")
    await say(wx, clock, "2")
    response = await wx.send(fixture("event_user_authorization_revoke", user=USER),
                             timestamp=int(clock.now.timestamp()))
    assert response.status_code == 200
    assert await GuidedFlowState.filter(user=USER).count() == 0
