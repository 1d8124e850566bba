"""GET /api/v1/guides and /api/v1/guides/{id} (CONTRACT.md "Guides"): the contract's shape, only
published guides, steps in order with their materials and video, contacts from the settings."""

from __future__ import annotations

import httpx

from core import guide_seed, guides
from core.models import GuideStep


async def test_lists_published_guides_in_the_contract_shape(client: httpx.AsyncClient) -> None:
    await guide_seed.seed_if_empty()
    await guides.set_published("editor1", "social-org-annual-report", False)
    body = (await client.get("/api/v1/guides")).json()
    ids = [g["id"] for g in body["guides"]]
    assert ids == ["social-group-setup", "private-non-enterprise-setup", "social-org-change"]
    assert all(isinstance(g["title"], str) and g["summary"] for g in body["guides"])
    # Unpublished: not listed and not readable by id.
    r = await client.get("/api/v1/guides/social-org-annual-report")
    assert r.status_code == 404 and r.json()["error"]["code"] == "guide_not_found"
    assert r.json()["error"]["message"]


async def test_one_guide_with_steps_materials_and_video(client: httpx.AsyncClient) -> None:
    await guide_seed.seed_if_empty()
    first = await GuideStep.filter(guide_id="social-group-setup").order_by("position").first()
    assert first is not None
    first.video_kind, first.video_title = "link", "成立登记网办小视频"
    first.video_url = "https://channels.weixin.qq.com/example"
    await first.save()
    r = await client.get("/api/v1/guides/social-group-setup")
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"id", "title", "summary", "steps"} and body["id"] == "social-group-setup"
    steps = body["steps"]
    assert [s["title"] for s in steps][:3] == ["确认类型和成立条件", "名称审核（名称核准）",
                                              "业务主管单位前置审查"]
    assert all(set(s) == {"title", "detail", "materials", "video"} for s in steps)
    assert all(isinstance(m, str) for s in steps for m in s["materials"])
    assert steps[0]["video"] == {"title": "成立登记网办小视频",
                                 "url": "https://channels.weixin.qq.com/example"}
    assert steps[1]["video"] is None
    assert not any("${" in s["detail"] for s in steps)  # placeholders are filled
    unknown = await client.get("/api/v1/guides/no-such-guide")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "guide_not_found"
    long_id = await client.get("/api/v1/guides/" + "x" * 300)
    assert long_id.status_code == 404


async def test_the_public_search_answers_with_the_guide_as_the_bot_does(
        client: httpx.AsyncClient) -> None:
    await guide_seed.seed_if_empty()
    r = await client.get("/api/v1/knowledge/search", params={"q": "成立社会组织要什么材料"})
    body = r.json()
    assert r.status_code == 200 and body["answered"] and body["intent"] == "guide"
    assert "/guides/social-group-setup" in body["reply"]
    plain = (await client.get("/api/v1/knowledge/search", params={"q": "结婚登记要带什么"})).json()
    assert plain["intent"] == "answer"
