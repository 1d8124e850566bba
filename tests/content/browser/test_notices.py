"""An editor sets up a charity-week campaign, then writes, previews and publishes a notice for it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.content.test_notices_console import png_bytes
from tests.support.browser import Site, shot

SHANGHAI = ZoneInfo("Asia/Shanghai")
BODY = """## 周六延时服务

每周六 **9:00–12:00** 办理结婚登记。

- 请携带双方身份证
- 请携带户口簿

<script>alert("不应执行")</script>
"""


def test_charity_week_and_a_notice_in_the_browser(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    today = datetime.now(SHANGHAI).date()
    tomorrow = today + timedelta(days=1)
    slot_id = int(site.cli("slots", "open", "--service", "charity_event", "--date", tomorrow.isoformat(),
                           "--start", "14:00", "--end", "16:00", "--capacity", "30",
                           "--title", "慈善义卖").strip().splitlines()[-1])
    page = page_as("editor")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # The campaign first, so the notice can belong to it.
    page.click("nav.menu >> text=慈善周")
    page.click("text=新建活动")
    page.fill("input[name=title]", "2026上海慈善周·宝山站")
    page.fill("input[name=starts_on]", today.isoformat())
    page.fill("input[name=ends_on]", (today + timedelta(days=6)).isoformat())
    page.fill("textarea[name=intro]", "一起**行善**，温暖宝山。")
    page.check("input[name=published]")
    page.click("button[value=save]")
    assert "慈善周活动已保存" in page.inner_text("main")
    assert "慈善义卖" in page.inner_text("table.campaign-events")
    shot(page, "23-charity-campaign")

    page.click("text=为此活动写通知")
    page.fill("input[name=title]", "婚姻登记周六延时服务")
    page.fill("textarea[name=body]", BODY)
    page.set_input_files("input[name=cover]", files=[{"name": "cover.png", "mimeType": "image/png",
                                                      "buffer": png_bytes(64, 36)}])
    page.click("button[value=preview]")
    preview = page.locator("section.preview")
    assert preview.locator("strong").inner_text() == "9:00–12:00"
    assert preview.locator("script").count() == 0 and "保存后生效" in page.inner_text("main")
    assert page.input_value("select[name=campaign_id]") != ""
    shot(page, "21-notice-preview")

    page.click("button[value=publish]")
    assert "通知已发布" in page.inner_text("main")
    notice_id = int(re.search(r"/console/notices/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    page.click("text=返回通知列表")
    row = page.locator("table.notices tr", has_text="婚姻登记周六延时服务")
    assert "已发布" in row.inner_text()
    shot(page, "20-notices-list")

    listed = httpx.get(f"{site.base}/api/v1/notices", timeout=10).json()["notices"]
    mine = next(n for n in listed if n["id"] == notice_id)
    assert mine["title"] == "婚姻登记周六延时服务" and mine["summary"].startswith("周六延时服务 每周六")
    cover = httpx.get(mine["cover_url"], timeout=10)
    assert cover.status_code == 200 and cover.content == png_bytes(64, 36)

    page.goto(f"/notices/{notice_id}")
    assert page.locator("article h1").inner_text() == "婚姻登记周六延时服务"
    assert page.locator(".notice-body strong").inner_text() == "9:00–12:00"
    assert "请携带双方身份证" in page.inner_text(".notice-body")
    assert page.locator("img.cover").evaluate("img => img.naturalWidth") == 64
    shot(page, "22-notice-public")

    week = httpx.get(f"{site.base}/api/v1/charity-week", timeout=10).json()["campaign"]
    assert week["title"] == "2026上海慈善周·宝山站" and "<strong>行善</strong>" in week["intro_html"]
    assert [(e["slot_id"], e["remaining"]) for e in week["events"]] == [(slot_id, 30)]
    assert week["events"][0]["starts_at"] == f"{tomorrow.isoformat()}T14:00:00+08:00"
    assert [n["id"] for n in week["notices"]] == [notice_id]
    page.goto("/charity-week")
    assert "慈善义卖" in page.inner_text("main") and "婚姻登记周六延时服务" in page.inner_text("main")
    shot(page, "24-charity-week")
    assert errors == []
