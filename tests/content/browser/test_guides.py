"""社会组织 guides in the browser: an editor attaches an uploaded 网办小视频 to a step in the
console, and a resident's phone (390 px) reads the guide, with the video playable and seekable
(the player's range request answered 206)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.support.browser import Site, shot
from tests.support.server import ROOT

DOCS = ROOT / "docs" / "screenshots"
FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def _shot(page: object, name: str) -> None:
    """Kept for reviewers like the other browser tests' shots, and copied into docs/screenshots."""
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot(page, name), DOCS / f"{name}.png")


def test_a_guide_with_a_video_reads_well_on_a_phone(site: Site, browser, page_as,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    video = tmp_path / "网上申请演示.mp4"
    video.write_bytes(FTYP + os.urandom(40_000))
    page = page_as("editor")
    page.click("nav.menu >> text=办事指南")
    page.click("text=成立社会团体（协会、学会、商会等）办事指南")
    step = page.locator("section.guide-edit-step").nth(3)
    upload = step.locator("form[enctype='multipart/form-data']")
    upload.locator("input[name=video_title]").fill("网上提交申请演示")
    upload.locator("input[name=video]").set_input_files(str(video))
    upload.locator("button[value=upload]").click()
    assert "网办小视频已保存" in page.inner_text("main")
    assert "网上提交申请演示" in page.locator("section.guide-edit-step").nth(3).inner_text()
    _shot(page, "61-guide-editor")

    phone = browser.new_context(base_url=site.base, locale="zh-CN",
                                viewport={"width": 390, "height": 844}, is_mobile=True,
                                device_scale_factor=2)
    try:
        resident = phone.new_page()
        resident.goto("/guides/social-group-setup")
        text = resident.inner_text("main")
        assert "第1步" in text and "名称审核" in text and "需要准备" in text
        assert "网办小视频：网上提交申请演示" in text and "${" not in text
        src = resident.get_attribute("video", "src")
        assert src and resident.locator("video[controls]").count() == 1
        # No sideways scrolling on a phone, and the video fits the column.
        assert resident.evaluate("document.documentElement.scrollWidth") <= 390
        box = resident.locator("video").bounding_box()
        assert box and box["width"] <= 390
        status = resident.evaluate(
            """async (src) => { const r = await fetch(src, {headers: {Range: 'bytes=0-99'}});
                                return [r.status, r.headers.get('content-range'),
                                        (await r.arrayBuffer()).byteLength]; }""", src)
        assert status[0] == 206 and status[1].startswith("bytes 0-99/") and status[2] == 100
        whole = resident.evaluate(
            """async (src) => { const r = await fetch(src);
                                return [r.status, (await r.arrayBuffer()).byteLength]; }""", src)
        assert whole == [200, video.stat().st_size]  # streamed whole from the real server
        resident.locator("#step-4").scroll_into_view_if_needed()
        _shot(resident, "60-guide-phone-390")
        resident.goto("/guides")
        assert "成立民办非企业单位" in resident.inner_text("main")
        assert resident.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(resident, "62-guides-index-phone-390")
    finally:
        phone.close()
