"""远程导办 (issue #17): a guide walked through in the chat, one step per message, through the
real signed callback — pick a guide, 下一步 / 上一步, the consultation offer at the end, quit and
restart; a crisis message mid-walk still gets the crisis answer."""

from __future__ import annotations

import itertools

from core import guide_seed, guides
from core.models import GuidedFlowState, GuideStep
from tests.conftest import AppFactory
from tests.support.asgi import client as asgi_client
from tests.support.wechat import FakeWechat, fixture

BASE = "https://mz.example.invalid"
_MSGIDS = itertools.count(660000)


async def _chat(app_with: AppFactory, *messages: str, user: str = "oWalker",
                view: list[guides.GuideView] | None = None) -> list[str]:
    """The replies to ``messages``; ``view`` (if given) receives the first guide as seeded, and
    a message "*rest" stands for one 下一步 per step after the first."""
    app = await app_with(public_base_url=BASE)
    await guide_seed.seed_if_empty()
    first = await guides.get_guide("social-group-setup")
    assert first is not None and len(first.steps) >= 3
    if view is not None:
        view.append(first)
    expanded: list[str] = []
    for m in messages:
        expanded += ["下一步"] * (len(first.steps) - 1) if m == "*rest" else [m]
    step = await GuideStep.filter(guide_id="social-group-setup").order_by("position").first()
    assert step is not None
    step.video_kind, step.video_title = "link", "网办小视频示例"
    step.video_url = "https://channels.weixin.qq.com/example-walk"
    await step.save()
    replies = []
    async with asgi_client(app) as client:
        wx = FakeWechat(client, app.ctx.settings.wechat_token)
        for text in expanded:
            reply = wx.open(await wx.send(fixture("text", content=text, msgid=next(_MSGIDS),
                                                  user=user)))
            replies.append(reply["Content"])
    return replies


async def test_a_guide_is_walked_through_step_by_step(app_with: AppFactory) -> None:
    seen: list[guides.GuideView] = []
    menu, first, second, back, *_ = replies = await _chat(
        app_with, "远程导办", "1", "下一步", "上一步", "*rest", "下一步", view=seen)
    view = seen[0]
    assert "远程导办" in menu and "1. " in menu and "成立社会团体" in menu
    assert f"第1/{len(view.steps)}步：{view.steps[0].title}" in first
    assert "网办小视频示例 https://channels.weixin.qq.com/example-walk" in first
    assert "所需材料" in second or view.steps[1].materials == ()
    assert f"第2/{len(view.steps)}步：{view.steps[1].title}" in second
    assert f"第1/{len(view.steps)}步" in back
    last, done = replies[-2], replies[-1]
    assert f"第{len(view.steps)}/{len(view.steps)}步" in last and "这是最后一步" in last
    assert "导办已完成" in done and "社会组织登记咨询" in done
    assert not await GuidedFlowState.exists()  # the walk is over: nothing kept
    for reply in replies:
        assert len(reply.encode()) <= 2048


async def test_quit_and_restart(app_with: AppFactory) -> None:
    menu, step, again, quit_, after = await _chat(
        app_with, "远程导办", "1", "重新开始", "退出", "下一步")
    assert "第1/" in step and again == menu
    assert "已退出远程导办" in quit_
    assert "第2/" not in after  # the walk is over: 下一步 is an ordinary message now


async def test_a_question_of_its_own_ends_the_walk_and_is_answered(app_with: AppFactory) -> None:
    _, _, answered = await _chat(app_with, "远程导办", "1", "结婚登记要带什么材料", user="oAsker")
    assert "结婚" in answered and "第2/" not in answered


async def test_a_crisis_mid_walk_gets_help_first(app_with: AppFactory) -> None:
    _, _, crisis, after = await _chat(app_with, "远程导办", "1", "我不想活了", "下一步", user="oCrisis")
    assert "12356" in crisis or "962525" in crisis
    assert "第2/" not in after
