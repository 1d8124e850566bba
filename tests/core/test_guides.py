"""Guides in core: the bundled file seeded into the tables, the reads the remote-guidance chat
will use, and staff edits with their audit rows (on the real database)."""

from __future__ import annotations

import re

import pytest
from sanic import Sanic

from core import guide_seed, guides
from core.guides import GuideError, SaveGuide, SaveStep
from core.models import AuditLog, Guide, GuideStep

SETUP_IDS = {"social-group-setup", "private-non-enterprise-setup"}


def test_the_bundled_file_cites_its_sources_and_invents_no_contact() -> None:
    data = guide_seed.load()
    text = str(data)
    assert data["reviewed_on"]
    assert {g["id"] for g in data["guides"]} >= SETUP_IDS | {"social-org-change",
                                                             "social-org-annual-report"}
    assert all(g["sources"] and g["steps"] for g in data["guides"])
    assert "社会组织成立“一件事”" in text and "远程导办" in text and "网办小视频" in text
    # Contacts come from the staff's settings, never from this file: no phone number, no address.
    assert not re.search(r"\d{3,4}-?\d{7,8}|\d{8}|路\d+号", text)
    assert "${bureau_phone}" in text
    # 直接登记 categories are named where the prior review is explained.
    review = next(s for s in data["guides"][0]["steps"] if "前置审查" in s["title"])
    assert "直接" in review["detail"] and "行业协会商会" in review["detail"]


async def test_seeded_once_in_order_and_readable_by_step(app: Sanic) -> None:
    assert await guide_seed.seed_if_empty() == 4
    assert await guide_seed.seed_if_empty() == 0  # staff own the text from then on
    assert [g.id for g in await guides.published_guides()][:2] == ["social-group-setup",
                                                                  "private-non-enterprise-setup"]
    view = await guides.get_guide("social-group-setup")
    assert view is not None and view.reviewed_on is not None and "社会团体登记管理条例" in view.sources
    assert [s.number for s in view.steps] == list(range(1, len(view.steps) + 1))
    assert view.steps[1].title.startswith("名称审核")
    second = await guides.step("social-group-setup", 2)
    assert second is not None and second.title == view.steps[1].title and second.materials
    assert await guides.step("social-group-setup", 0) is None
    assert await guides.step("social-group-setup", len(view.steps) + 1) is None
    assert await guides.get_guide("no-such-guide") is None
    rendered = guides.render(view.steps[1].detail, {"bureau_phone": "示例-0000"})
    assert "示例-0000" in rendered and "${" not in rendered


async def test_staff_edits_steps_and_publishing_with_audit(app: Sanic) -> None:
    await guide_seed.seed_if_empty()
    gid = "social-org-change"
    await guides.set_published("editor1", gid, False)
    assert await guides.get_guide(gid) is None  # residents no longer see it
    assert await guides.get_guide(gid, published_only=False) is not None
    await guides.set_published("editor1", gid, True)

    added = await guides.save_step("editor1", gid, None,
                                   SaveStep("领取新证书（示例）", "示例说明", ("原登记证书",), ("换证",)))
    view = await guides.get_guide(gid)
    assert view is not None and view.steps[-1].id == added.id
    await guides.move_step("editor1", gid, added.id, -1)
    view = await guides.get_guide(gid)
    assert view is not None and view.steps[-2].id == added.id
    await guides.save_step("editor1", gid, added.id,
                           SaveStep("领取新证书", "说明", ("原登记证书", "身份证明"), ()))
    assert (await GuideStep.get(id=added.id)).materials == ["原登记证书", "身份证明"]
    await guides.save_guide("editor1", gid, SaveGuide("变更登记指南", "摘要", ("变更",), "条例", None))
    assert (await Guide.get(id=gid)).title == "变更登记指南"
    await guides.delete_step("editor1", gid, added.id)
    assert not await GuideStep.filter(id=added.id).exists()

    actions = [a.action for a in await AuditLog.all().order_by("id")]
    assert actions == ["guide.unpublish", "guide.publish", "guide.step_create", "guide.step_move",
                       "guide.step_update", "guide.update", "guide.step_delete"]
    assert all(a.actor == "editor1" for a in await AuditLog.all())

    with pytest.raises(GuideError) as refused:
        await guides.save_step("editor1", gid, None, SaveStep(" ", "", (), ()))
    assert refused.value.code == "guide_step_title_required"
    with pytest.raises(GuideError) as missing:
        await guides.save_step("editor1", "social-group-setup", (await GuideStep.filter(
            guide_id=gid).first()).id, SaveStep("x", "", (), ()))  # type: ignore[union-attr]
    assert missing.value.code == "guide_step_not_found"  # a step of another guide


async def test_questions_pick_a_guide_or_a_step_only_in_the_domain(app: Sanic) -> None:
    from core import guide_match

    await guide_seed.seed_if_empty()
    views = [v for g in await guides.published_guides()
             if (v := await guides.get_guide(g.id)) is not None]
    found, step = guide_match.pick("成立社会组织要什么材料", views)
    assert [g.id for g in found] == ["social-group-setup", "private-non-enterprise-setup"]
    assert step is None
    found, step = guide_match.pick("民非名称核准怎么办", views)
    assert [g.id for g in found] == ["private-non-enterprise-setup"]
    assert step is not None and step.number == 2
    found, step = guide_match.pick("社会组织变更登记要什么材料", views)
    assert found[0].id == "social-org-change"
    assert guide_match.pick("公司名称核准怎么办", views) == ([], None)  # another department's
    assert guide_match.pick("车辆年检怎么办", views) == ([], None)
