"""The notice editor: states, preview, sanitising, cover images, roles and the audit log."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from core.models import AuditLog, CharityCampaign, Notice
from core.notices import COVER_MAX_BYTES, published_notices
from tests.content.conftest import Console, ConsoleFactory
from tests.content.test_notices import assert_clean

SHANGHAI = ZoneInfo("Asia/Shanghai")


def png_bytes(width: int = 2, height: int = 1) -> bytes:
    """A real, tiny PNG (red pixels)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def notice_id(r: httpx.Response) -> int:
    assert r.status_code == 302, r.text
    match = re.match(r"/console/notices/(\d+)\?done=", r.headers["location"])
    assert match, r.headers["location"]
    return int(match.group(1))


async def create(c: Console, action: str = "save", files: dict[str, Any] | None = None,
                 **fields: str) -> httpx.Response:
    data = {"title": "清明祭扫预约开始", "body": "请**提前**预约。", "action": action, **fields}
    return await c.post("/console/notices/new", data=data, files=files)


async def test_editor_creates_a_draft_with_an_automatic_summary_and_audit(console: ConsoleFactory) -> None:
    c = await console("editor")
    r = await c.get("/console/notices/new")
    assert r.status_code == 200 and "新建通知" in r.text and 'name="body"' in r.text
    nid = notice_id(await create(c, body="## 安排\n\n请**提前**预约，<script>alert(1)</script>"))
    notice = await Notice.get(id=nid)
    assert notice.status == "draft" and notice.publish_at is None and notice.author == c.username
    assert "<strong>提前</strong>" in notice.body_html and "<script" not in notice.body_html
    assert notice.summary.startswith("安排 请提前预约")
    row = await AuditLog.get(action="notice.create", target=str(nid))
    assert row.actor == c.username and row.before is None
    assert row.after == {"title": "清明祭扫预约开始", "status": "draft", "publish_at": None, "cover": None,
                         "campaign_id": None}
    page = await c.get(f"/console/notices/{nid}?done=notice_saved")
    assert "通知已保存" in page.text and "草稿" in page.text
    assert await published_notices(datetime.now(UTC), 10) == []


async def test_preview_shows_sanitised_html_and_saves_nothing(console: ConsoleFactory) -> None:
    c = await console("editor")
    r = await create(c, "preview", body="**加粗** [x](javascript:alert(1)) <b onmouseover=x>t</b>")
    assert r.status_code == 200
    preview = r.text.split('class="notice-body">', 1)[1].split("</div>", 1)[0]
    assert "<strong>加粗</strong>" in preview
    assert_clean(preview)
    assert 'value="清明祭扫预约开始"' in r.text  # the form comes back as typed
    assert await Notice.all().count() == 0 and await AuditLog.filter(action__startswith="notice").count() == 0


async def test_publish_now_lists_it_and_archive_hides_it_everywhere(console: ConsoleFactory,
                                                                    client: httpx.AsyncClient) -> None:
    c = await console("editor")
    nid = notice_id(await create(c, "publish", summary="五一假期安排"))
    notice = await Notice.get(id=nid)
    assert notice.status == "published" and notice.publish_at is not None
    api = (await client.get("/api/v1/notices")).json()["notices"]
    assert [(n["id"], n["summary"]) for n in api] == [(nid, "五一假期安排")] and "cover_url" not in api[0]
    page = await client.get(f"/notices/{nid}")
    assert page.status_code == 200 and "<strong>提前</strong>" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"].split("; ")
    assert (await AuditLog.get(action="notice.publish", target=str(nid))).after["status"] == "published"

    # 归档 only asks; the confirm page re-posts the editor's fields with confirm=1.
    ask = await c.post(f"/console/notices/{nid}", data={"title": "清明祭扫预约开始", "body": "x\n<b>y</b>",
                                                        "action": "archive"})
    assert ask.status_code == 200 and "归档通知《清明祭扫预约开始》：归档后居民将看不到该通知" in ask.text
    assert "确认归档</button>" in ask.text and f'href="/console/notices/{nid}"' in ask.text
    assert 'name="body" value="x\n&lt;b&gt;y&lt;/b&gt;"' in ask.text  # escaped, newline kept
    assert (await Notice.get(id=nid)).status == "published"
    assert not await AuditLog.exists(action="notice.archive")
    r = await c.post(f"/console/notices/{nid}", data={"title": "清明祭扫预约开始", "body": "x",
                                                      "action": "archive", "confirm": "1"})
    assert notice_id(r) == nid
    assert (await Notice.get(id=nid)).status == "archived"
    assert (await client.get("/api/v1/notices")).json() == {"notices": []}
    gone = await client.get(f"/notices/{nid}")
    assert gone.status_code == 404 and "尚未发布或已撤下" in gone.text
    assert await published_notices(datetime.now(UTC), 1) == []  # the bot's "最新通知" too
    row = await AuditLog.get(action="notice.archive", target=str(nid))
    assert row.before["status"] == "published" and row.after["status"] == "archived"


async def test_schedule_needs_a_future_time_in_shanghai(console: ConsoleFactory,
                                                        client: httpx.AsyncClient) -> None:
    c = await console("editor")
    past = (datetime.now(SHANGHAI) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    r = await create(c, "schedule", title="过去的时间", publish_at=past)
    assert r.status_code == 422 and "必须晚于现在" in r.text
    assert 'value="过去的时间"' in r.text and f'value="{past}"' in r.text
    r = await create(c, "schedule", title="没写时间")
    assert r.status_code == 422 and "需要填写发布时间" in r.text
    r = await create(c, "schedule", publish_at="明天上午")
    assert r.status_code == 422 and "格式不正确" in r.text
    assert await Notice.all().count() == 0

    local = datetime.now(SHANGHAI).replace(second=0, microsecond=0) + timedelta(days=1)
    nid = notice_id(await create(c, "schedule", publish_at=local.strftime("%Y-%m-%dT%H:%M")))
    notice = await Notice.get(id=nid)
    assert notice.status == "scheduled" and notice.publish_at == local.astimezone(UTC)
    assert (await client.get("/api/v1/notices")).json() == {"notices": []}
    assert (await client.get(f"/notices/{nid}")).status_code == 404
    listing = await c.get("/console/notices?state=scheduled")
    assert "清明祭扫预约开始" in listing.text and "定时发布" in listing.text
    row = await AuditLog.get(action="notice.schedule", target=str(nid))
    assert row.after["publish_at"] == local.astimezone(UTC).isoformat()
    # Its moment comes: public without anyone touching it.
    await Notice.filter(id=nid).update(publish_at=datetime.now(UTC) - timedelta(seconds=1))
    assert [n["id"] for n in (await client.get("/api/v1/notices")).json()["notices"]] == [nid]
    assert "清明祭扫预约开始" in (await c.get("/console/notices?state=published")).text


async def test_nonsense_transitions_are_refused_and_nothing_changes(console: ConsoleFactory) -> None:
    c = await console("editor")
    nid = notice_id(await create(c))
    r = await c.post(f"/console/notices/{nid}", data={"title": "改了标题", "body": "b", "action": "archive"})
    assert r.status_code == 409 and "只有已发布的通知可以归档" in r.text and 'value="改了标题"' in r.text
    r = await c.post(f"/console/notices/{nid}", data={"title": "改了标题", "action": "delete-all"})
    assert r.status_code == 409 and "不支持的操作" in r.text
    assert (await Notice.get(id=nid)).title == "清明祭扫预约开始"

    await Notice.filter(id=nid).update(status="archived", publish_at=datetime.now(UTC))
    for action, text in (("publish", "请先改回草稿"), ("schedule", "请先改回草稿")):
        future = (datetime.now(SHANGHAI) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        r = await c.post(f"/console/notices/{nid}", data={"title": "t", "action": action,
                                                          "publish_at": future})
        assert r.status_code == 409 and text in r.text, action
    notice = await Notice.get(id=nid)
    assert notice.status == "archived" and notice.title == "清明祭扫预约开始"
    assert await AuditLog.filter(target=str(nid)).exclude(action="notice.create").count() == 0

    r = await c.post(f"/console/notices/{nid}", data={"title": "重新启用", "body": "b", "action": "draft"})
    assert notice_id(r) == nid and (await Notice.get(id=nid)).status == "draft"
    row = await AuditLog.get(action="notice.draft", target=str(nid))
    assert row.before["status"] == "archived" and row.after == {**row.after, "status": "draft",
                                                                 "title": "重新启用"}


async def test_editing_a_published_notice_keeps_its_date_and_is_audited(console: ConsoleFactory) -> None:
    c = await console("editor")
    nid = notice_id(await create(c, "publish"))
    first = (await Notice.get(id=nid)).publish_at
    r = await c.post(f"/console/notices/{nid}", data={"title": "新标题", "body": "新正文", "action": "save"})
    assert notice_id(r) == nid
    notice = await Notice.get(id=nid)
    assert notice.status == "published" and notice.publish_at == first and notice.body_html == "<p>新正文</p>"
    row = await AuditLog.get(action="notice.update", target=str(nid))
    assert row.before["title"] == "清明祭扫预约开始" and row.after["title"] == "新标题"


async def test_cover_image_checked_by_content_and_served_back(console: ConsoleFactory,
                                                               client: httpx.AsyncClient) -> None:
    c = await console("editor")
    fake = {"cover": ("cover.png", b"just some text, not an image", "image/png")}
    r = await create(c, "publish", files=fake)
    assert r.status_code == 422 and "封面只能是 PNG、JPEG 或 WebP" in r.text
    big = {"cover": ("big.png", png_bytes() + b"\x00" * COVER_MAX_BYTES, "image/png")}
    r = await create(c, "publish", files=big)
    assert r.status_code == 422 and "不能超过2MB" in r.text
    assert await Notice.all().count() == 0

    image = png_bytes()
    nid = notice_id(await create(c, "save", files={"cover": ("封面.jpg", image, "image/jpeg")}))
    notice = await Notice.get(id=nid)
    assert notice.cover_type == "image/png" and bytes(notice.cover or b"") == image
    assert (await client.get(f"/notices/{nid}/cover")).status_code == 404  # a draft's cover stays private
    staff_view = await c.get(f"/console/notices/{nid}/cover")
    assert staff_view.status_code == 200 and staff_view.content == image

    await c.post(f"/console/notices/{nid}", data={"title": "有封面", "action": "publish"})
    served = await client.get(f"/notices/{nid}/cover")
    assert served.status_code == 200 and served.content == image
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "max-age" in served.headers["cache-control"]
    listed = (await client.get("/api/v1/notices")).json()["notices"][0]
    assert re.search(rf"/notices/{nid}/cover\?v=\d+$", listed["cover_url"])
    assert f"/notices/{nid}/cover?v=" in (await client.get(f"/notices/{nid}")).text

    r = await c.post(f"/console/notices/{nid}",
                     data={"title": "有封面", "action": "save", "remove_cover": "1"})
    assert notice_id(r) == nid
    assert (await Notice.get(id=nid)).cover_type == ""
    assert (await client.get(f"/notices/{nid}/cover")).status_code == 404
    assert "cover_url" not in (await client.get("/api/v1/notices")).json()["notices"][0]


async def test_a_cover_chosen_before_a_refusal_is_kept_for_the_next_try(console: ConsoleFactory) -> None:
    c = await console("editor")
    r = await create(c, "save", title="", files={"cover": ("a.png", png_bytes(), "image/png")})
    assert r.status_code == 422 and "请填写标题" in r.text
    pending = re.search(r'name="pending_cover" value="([^"]+)"', r.text)
    assert pending and "保存后生效" in r.text
    nid = notice_id(await create(c, "save", pending_cover=pending.group(1)))
    assert bytes((await Notice.get(id=nid)).cover or b"") == png_bytes()
    r = await create(c, "save", pending_cover="bm90IGFuIGltYWdl")  # "not an image", forged
    assert r.status_code == 422 and "封面只能是" in r.text


async def test_bad_input_gets_chinese_errors_not_500(console: ConsoleFactory,
                                                      client: httpx.AsyncClient) -> None:
    c = await console("editor")
    cases = [({"title": ""}, "请填写标题"), ({"title": "长" * 121}, "标题最多120字"),
             ({"summary": "摘" * 301}, "摘要最多300字"), ({"body": "字" * 50_001}, "正文最多50000字"),
             ({"campaign_id": "999999"}, "慈善周活动不存在"), ({"campaign_id": "abc"}, "慈善周活动不存在"),
             ({"campaign_id": "9" * 30}, "慈善周活动不存在"),
             ({"action": "schedule", "publish_at": "0001-01-01T00:00"}, "格式不正确"),
             ({"action": "schedule", "publish_at": "9999-12-31T23:59"}, "格式不正确")]
    for fields, text in cases:
        r = await create(c, **fields)
        assert r.status_code == 422 and text in r.text, fields
    assert await Notice.all().count() == 0
    r = await c.get("/console/notices/424242")
    assert r.status_code == 404 and "找不到该通知" in r.text
    r = await c.post("/console/notices/424242", data={"title": "x"})
    assert r.status_code == 404
    huge = "9" * 25  # beyond the id column: still a plain "not found"
    assert (await c.get(f"/console/notices/{huge}")).status_code == 404
    for path in (f"/notices/{huge}", f"/notices/{huge}/cover", "/notices/0"):
        r = await client.get(path)
        assert r.status_code == 404 and "尚未发布" in r.text, path
    nid = notice_id(await create(c, title="含\x00空字符", body="a\x00b"))
    notice = await Notice.get(id=nid)
    assert (notice.title, notice.body) == ("含空字符", "ab")
    assert (await c.get("/console/notices?state=nonsense&page=-1")).status_code == 200


async def test_notice_can_belong_to_a_campaign(console: ConsoleFactory) -> None:
    c = await console("editor")
    today = datetime.now(SHANGHAI).date()
    campaign = await CharityCampaign.create(title="2026上海慈善周", starts_on=today, ends_on=today)
    form = await c.get(f"/console/notices/new?campaign={campaign.id}")
    assert f'<option value="{campaign.id}" selected>2026上海慈善周</option>' in form.text
    nid = notice_id(await create(c, campaign_id=str(campaign.id)))
    assert (await Notice.get(id=nid)).campaign_id == campaign.id  # type: ignore[attr-defined]
    assert "2026上海慈善周" in (await c.get("/console/notices")).text


async def test_list_is_newest_first_with_chinese_states(console: ConsoleFactory) -> None:
    c = await console("editor")
    now = datetime.now(UTC)
    await Notice.create(title="旧的草稿", status="draft", created_at=now - timedelta(days=3))
    await Notice.create(title="已发布的", status="published", publish_at=now)
    await Notice.create(title="归档了的", status="archived", publish_at=now)
    r = await c.get("/console/notices")
    assert r.status_code == 200
    assert r.text.index("归档了的") < r.text.index("已发布的") < r.text.index("旧的草稿")
    for label in ("草稿", "已发布", "已归档"):
        assert f'">{label}</span>' in r.text
    drafts = await c.get("/console/notices?state=draft")
    assert "旧的草稿" in drafts.text and "已发布的" not in drafts.text


async def test_editors_and_admins_only(console: ConsoleFactory) -> None:
    registrar = await console("registrar")
    for path in ("/console/notices", "/console/notices/new", "/console/charity"):
        r = await registrar.get(path)
        assert r.status_code == 403 and "没有权限" in r.text, path
    r = await create(registrar, "publish")
    assert r.status_code == 403 and await Notice.all().count() == 0
    admin = await console("admin")
    assert (await admin.get("/console/notices")).status_code == 200
    assert notice_id(await create(admin)) > 0


async def test_two_editors_saving_one_notice_do_not_overwrite_each_other(console: ConsoleFactory) -> None:
    first, second = await console("editor"), await console("editor")
    nid = notice_id(await create(first))
    pages = [await c.get(f"/console/notices/{nid}") for c in (first, second)]
    versions = [re.search(r'name="modified" value="([^"]+)"', p.text).group(1) for p in pages]  # type: ignore[union-attr]
    assert versions[0] == versions[1]
    saved = await first.post(f"/console/notices/{nid}", data={"title": "甲的标题", "body": "甲",
                                                            "action": "save", "modified": versions[0]})
    assert notice_id(saved) == nid
    late = await second.post(f"/console/notices/{nid}", data={"title": "乙的标题", "body": "乙",
                                                            "action": "save", "modified": versions[1]})
    assert late.status_code == 409 and "已被他人保存" in late.text
    assert "乙的标题" in late.text  # their input is still there to merge
    # A refusal of another kind keeps the stale version, so a second try is refused too.
    again = await second.post(f"/console/notices/{nid}", data={"title": "", "modified": versions[1]})
    assert again.status_code == 422 and f'value="{versions[1]}"' in again.text
    notice = await Notice.get(id=nid)
    assert notice.title == "甲的标题" and notice.body == "甲"
    assert await AuditLog.filter(action="notice.update", target=str(nid)).count() == 1
    fresh = re.search(r'name="modified" value="([^"]+)"',  # type: ignore[union-attr]
                      (await second.get(f"/console/notices/{nid}")).text).group(1)
    merged = await second.post(f"/console/notices/{nid}", data={"title": "合并后的标题", "body": "甲乙",
                                                              "action": "save", "modified": fresh})
    assert notice_id(merged) == nid and (await Notice.get(id=nid)).title == "合并后的标题"
