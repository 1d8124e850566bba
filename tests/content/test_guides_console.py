"""The guide editor in the console: steps, materials, order and publishing through core.guides
with audit rows; 网办小视频 uploads checked by content (not name or Content-Type), at most 20 MB,
kept as files under the var dir; https links; roles and the upload route's body gate."""

from __future__ import annotations

import os

from sanic import Sanic

from core import guide_seed, guide_video
from core.models import AuditLog, Guide, GuideStep
from tests.content.conftest import ConsoleFactory
from tests.support.asgi import client as asgi_client

FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
GID = "social-group-setup"


async def _step(n: int = 1) -> GuideStep:
    step = await GuideStep.filter(guide_id=GID).order_by("position").offset(n - 1).first()
    assert step is not None
    return step


def _stored(app: Sanic) -> list[str]:
    folder = guide_video.video_dir(app.ctx.settings.var_dir)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_editor_edits_steps_and_publishes_with_audit(console: ConsoleFactory) -> None:
    await guide_seed.seed_if_empty()
    editor = await console("editor")
    listing = await editor.get("/console/guides")
    assert listing.status_code == 200 and "/console/guides/social-group-setup" in listing.text
    page = await editor.get(f"/console/guides/{GID}")
    assert page.status_code == 200 and "名称审核" in page.text and "上传视频" in page.text

    step = await _step(2)
    r = await editor.post(f"/console/guides/{GID}/steps/{step.id}",
                          {"action": "save", "title": "名称核准", "detail": "说明",
                           "materials": "拟用名称\r\n\r\n业务范围说明\n", "keywords": "名称核准，起名"})
    assert r.status_code == 302 and "done=guide_step_saved" in r.headers["location"]
    saved = await GuideStep.get(id=step.id)
    assert saved.title == "名称核准" and saved.materials == ["拟用名称", "业务范围说明"]
    assert saved.keywords == ["名称核准", "起名"]

    r = await editor.post(f"/console/guides/{GID}/steps/{step.id}", {"action": "up"})
    assert r.status_code == 302 and (await _step(1)).id == step.id

    r = await editor.post(f"/console/guides/{GID}/steps/new",
                          {"title": "领取证书后", "materials": "登记证书"})
    assert r.status_code == 302
    assert (await GuideStep.filter(guide_id=GID).order_by("-position").first()).title == "领取证书后"  # type: ignore[union-attr]

    r = await editor.post(f"/console/guides/{GID}/publish", {"action": "unpublish"})
    assert r.status_code == 302 and not (await Guide.get(id=GID)).published
    assert (await editor.get(f"/guides/{GID}")).status_code == 404  # residents no longer see it
    r = await editor.post(f"/console/guides/{GID}/publish", {"action": "publish"})
    assert (await Guide.get(id=GID)).published

    r = await editor.post(f"/console/guides/{GID}", {"title": "成立社会团体指南", "summary": "摘要",
                                                     "keywords": "社会团体, 协会", "sources": "条例",
                                                     "reviewed_on": "2026-12-01"})
    assert r.status_code == 302
    guide = await Guide.get(id=GID)
    assert guide.title == "成立社会团体指南" and guide.keywords == ["社会团体", "协会"]
    bad_date = await editor.post(f"/console/guides/{GID}", {"title": "x", "reviewed_on": "12/01"})
    assert bad_date.status_code == 422 and "核对日期格式不对" in bad_date.text
    empty = await editor.post(f"/console/guides/{GID}/steps/{step.id}", {"title": " "})
    assert empty.status_code == 422 and "请填写步骤标题" in empty.text

    actions = [(a.actor, a.action) for a in await AuditLog.filter(action__startswith="guide.")
               .order_by("id")]
    assert actions == [(editor.username, a) for a in (
        "guide.step_update", "guide.step_move", "guide.step_create", "guide.unpublish",
        "guide.publish", "guide.update")]
    audit_page = await (await console("admin")).get("/console/audit")
    assert "调整步骤顺序" in audit_page.text and "下线办事指南" in audit_page.text


async def test_a_registrar_cannot_edit_guides(console: ConsoleFactory) -> None:
    await guide_seed.seed_if_empty()
    registrar = await console("registrar")
    assert (await registrar.get("/console/guides")).status_code == 403
    r = await registrar.post(f"/console/guides/{GID}/publish", {"action": "unpublish"})
    assert r.status_code == 403 and (await Guide.get(id=GID)).published


async def test_uploads_are_checked_by_content_and_size(app: Sanic, console: ConsoleFactory) -> None:
    await guide_seed.seed_if_empty()
    editor = await console("editor")
    step = await _step(4)
    url = f"/console/guides/{GID}/steps/{step.id}/video"

    # A PNG called .mp4 and sent as video/mp4 is still a PNG.
    r = await editor.post(url, {"action": "upload", "video_title": "假视频"},
                          files={"video": ("guide.mp4", PNG, "video/mp4")})
    assert r.status_code == 422 and "不是MP4视频" in r.text
    assert (await GuideStep.get(id=step.id)).video_kind == "" and _stored(app) == []

    # Over 20 MB: refused, nothing kept (the route takes the body; the rule says no).
    big = FTYP + b"\x00" * (guide_video.VIDEO_MAX_BYTES + 1 - len(FTYP))
    r = await editor.post(url, {"action": "upload"}, files={"video": ("big.mp4", big, "video/mp4")})
    assert r.status_code == 422 and "超过20MB" in r.text and _stored(app) == []

    # A real MP4 under any name and type: stored as a file under var/, only its name in the DB.
    data = FTYP + os.urandom(50_000)
    r = await editor.post(url, {"action": "upload", "video_title": "网上申请演示"},
                          files={"video": ("录屏", data, "application/octet-stream")})
    assert r.status_code == 302 and "done=guide_video_saved" in r.headers["location"]
    saved = await GuideStep.get(id=step.id)
    assert saved.video_kind == "file" and saved.video_size == len(data)
    assert _stored(app) == [saved.video_file]
    path = guide_video.video_dir(app.ctx.settings.var_dir) / saved.video_file
    assert path.read_bytes() == data
    preview = await editor.get(url, headers={"Range": "bytes=10-19"})
    assert preview.status_code == 206 and preview.content == data[10:20]

    # A link replaces the upload, and its file goes.
    r = await editor.post(url, {"action": "link", "video_title": "视频号",
                                "video_url": "https://channels.weixin.qq.com/example"})
    assert r.status_code == 302 and _stored(app) == []
    assert (await GuideStep.get(id=step.id)).video_url == "https://channels.weixin.qq.com/example"
    r = await editor.post(url, {"action": "link", "video_url": "http://example.com/v"})
    assert r.status_code == 422 and "https://" in r.text
    r = await editor.post(url, {"action": "remove"})
    assert r.status_code == 302 and (await GuideStep.get(id=step.id)).video_kind == ""

    actions = [a.action for a in await AuditLog.filter(action__startswith="guide.video")
               .order_by("id")]
    assert actions == ["guide.video_upload", "guide.video_link", "guide.video_remove"]


async def test_only_signed_in_editors_may_send_a_video_sized_body(app: Sanic) -> None:
    await guide_seed.seed_if_empty()
    step = await _step(4)
    body = b"x" * (2 * 1024 * 1024)
    async with asgi_client(app) as anonymous:
        r = await anonymous.post(f"/console/guides/{GID}/steps/{step.id}/video",
                                 files={"video": ("a.mp4", body, "video/mp4")})
    assert r.status_code == 413


def test_mp4_recognised_by_its_ftyp_box_not_its_name() -> None:
    assert guide_video.is_mp4(FTYP + b"\x00" * 100)
    assert not guide_video.is_mp4(PNG)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
    assert not guide_video.is_mp4(heic)  # a photo in the same container
    assert not guide_video.is_mp4(b"\x00\x00\x00\x18ftyp")


async def test_deleting_a_step_asks_first_and_takes_its_video(app: Sanic,
                                                              console: ConsoleFactory) -> None:
    await guide_seed.seed_if_empty()
    editor = await console("editor")
    step = await _step(4)
    await editor.post(f"/console/guides/{GID}/steps/{step.id}/video", {"action": "upload"},
                      files={"video": ("v.mp4", FTYP + os.urandom(1000), "video/mp4")})
    assert len(_stored(app)) == 1
    asked = await editor.post(f"/console/guides/{GID}/steps/{step.id}", {"action": "delete"})
    assert asked.status_code == 200 and "确认删除步骤" in asked.text and step.title in asked.text
    assert await GuideStep.filter(id=step.id).exists()
    done = await editor.post(f"/console/guides/{GID}/steps/{step.id}",
                             {"action": "delete", "confirm": "1"})
    assert done.status_code == 302 and "done=guide_step_deleted" in done.headers["location"]
    assert not await GuideStep.filter(id=step.id).exists() and _stored(app) == []
    assert await AuditLog.filter(action="guide.step_delete", actor=editor.username).exists()
