"""The bot answers 社会组织 guide questions through the real signed callback: a guide's summary
and a link to its page, or the one step asked about; crisis detection still comes first, and
questions outside the domain stay with the knowledge base."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from core import guide_seed, guides
from core.models import GuideStep
from tests.conftest import AppFactory
from tests.support.asgi import client as asgi_client
from tests.support.wechat import FakeWechat, fixture

BASE = "https://mz.example.invalid"


async def _ask(app_with: AppFactory, *questions: str,
               setup: Callable[[], Awaitable[None]] | None = None) -> list[str]:
    app = await app_with(public_base_url=BASE)
    await guide_seed.seed_if_empty()
    if setup:
        await setup()
    answers = []
    async with asgi_client(app) as client:
        wx = FakeWechat(client, app.ctx.settings.wechat_token)
        for n, q in enumerate(questions):
            reply = wx.open(await wx.send(fixture("text", content=q, msgid=770000 + n)))
            assert reply["MsgType"] == "text"
            answers.append(reply["Content"])
        # Every guide link in the replies opens a page we serve.
        for text in answers:
            for word in text.split():
                if word.startswith(BASE + "/guides/"):
                    path = urlsplit(word).path
                    assert (await client.get(path)).status_code == 200, path
    return answers


async def test_what_materials_to_set_up_gets_the_guides_and_their_links(app_with: AppFactory) -> None:
    [content] = await _ask(app_with, "成立社会组织要什么材料")
    assert "成立社会团体" in content and "成立民办非企业单位" in content
    assert f"{BASE}/guides/social-group-setup" in content
    assert f"{BASE}/guides/private-non-enterprise-setup" in content
    view = await guides.get_guide("social-group-setup")
    assert view is not None and view.summary[:20] in content  # the guide's own summary


async def test_a_question_about_one_step_gets_that_step(app_with: AppFactory) -> None:
    async def with_video() -> None:
        step = await GuideStep.filter(guide_id="social-group-setup").order_by("position") \
            .offset(1).first()
        assert step is not None
        step.video_kind, step.video_title = "link", "名称核准网办小视频"
        step.video_url = "https://channels.weixin.qq.com/example-name"
        await step.save()

    [content, annual] = await _ask(app_with, "社会团体名称核准怎么办", "协会年检怎么弄",
                                   setup=with_video)
    assert content.startswith("【成立社会团体（协会、学会、商会等）办事指南】第2步：名称审核")
    assert "需要准备：拟用名称" in content and "中国" in content
    assert "网办小视频：名称核准网办小视频 https://channels.weixin.qq.com/example-name" in content
    assert f"{BASE}/guides/social-group-setup#step-2" in content
    assert "${" not in content
    assert "社会组织年检年报办事指南" in annual and f"{BASE}/guides/social-org-annual-report" in annual


async def test_crisis_first_and_other_domains_untouched(app_with: AppFactory) -> None:
    crisis, car = await _ask(app_with, "协会的事全搞砸了，我不想活了", "车辆年检怎么办")
    assert "/guides/" not in crisis and ("12356" in crisis or "110" in crisis or "120" in crisis)
    assert "/guides/" not in car


async def test_an_unpublished_guide_is_not_offered(app_with: AppFactory) -> None:
    async def unpublish() -> None:
        for g in await guides.published_guides():
            await guides.set_published("editor1", g.id, False)

    [content] = await _ask(app_with, "社会团体名称核准怎么办", setup=unpublish)
    assert "/guides/" not in content
