"""Public guide pages and the step videos: range requests (206 with the right bytes, 416 on a bad
range), only published guides, and the page linking the video where residents read it."""

from __future__ import annotations

import os

import httpx
from sanic import Sanic

from core import guide_seed, guide_video, guides
from core.models import GuideStep

# A minimal ISO-BMFF header (ftyp isom) in front of payload bytes: what an MP4 starts with.
FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def mp4(size: int) -> bytes:
    return FTYP + os.urandom(size - len(FTYP))


async def _with_video(app: Sanic, data: bytes) -> tuple[str, GuideStep]:
    await guide_seed.seed_if_empty()
    step = await GuideStep.filter(guide_id="social-group-setup").order_by("position").offset(3).first()
    assert step is not None
    await guide_video.attach_upload("editor1", "social-group-setup", step.id, "网上申请怎么填",
                                    data, app.ctx.settings.var_dir)
    return guides.video_path("social-group-setup", step.id), step


async def test_the_video_is_served_in_ranges_a_phone_can_seek(app: Sanic,
                                                              client: httpx.AsyncClient) -> None:
    data = mp4(300_000)
    url, _ = await _with_video(app, data)

    whole = await client.get(url)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-type"] == "video/mp4"

    part = await client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert part.headers["accept-ranges"] == "bytes"

    tail = await client.get(url, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == data[-50:]
    assert tail.headers["content-range"] == f"bytes {len(data) - 50}-{len(data) - 1}/{len(data)}"

    rest = await client.get(url, headers={"Range": "bytes=299000-"})
    assert rest.status_code == 206 and rest.content == data[299000:]

    for bad in ("bytes=300000-", "bytes=500-100", "bytes=abc", "bytes=-0"):
        refused = await client.get(url, headers={"Range": bad})
        assert refused.status_code == 416, bad
        assert refused.headers["content-range"] == f"bytes */{len(data)}"


async def test_an_open_range_is_answered_in_pieces(app: Sanic, client: httpx.AsyncClient) -> None:
    from content.guides_public import OPEN_RANGE_MAX

    data = mp4(OPEN_RANGE_MAX + 5000)
    url, _ = await _with_video(app, data)
    first = await client.get(url, headers={"Range": "bytes=0-"})
    assert first.status_code == 206 and first.content == data[:OPEN_RANGE_MAX]
    assert first.headers["content-range"] == f"bytes 0-{OPEN_RANGE_MAX - 1}/{len(data)}"


async def test_unpublished_or_removed_videos_are_not_served(app: Sanic,
                                                            client: httpx.AsyncClient) -> None:
    url, step = await _with_video(app, mp4(2000))
    await guides.set_published("editor1", "social-group-setup", False)
    assert (await client.get(url)).status_code == 404
    await guides.set_published("editor1", "social-group-setup", True)
    stored = (await GuideStep.get(id=step.id)).video_file
    await guide_video.remove_video("editor1", "social-group-setup", step.id, app.ctx.settings.var_dir)
    assert (await client.get(url)).status_code == 404
    assert not (guide_video.video_dir(app.ctx.settings.var_dir) / stored).exists()
    assert (await client.get("/guides/social-group-setup/steps/99999999999/video")).status_code == 404


async def test_the_guide_page_shows_steps_materials_and_the_video(
        app: Sanic, client: httpx.AsyncClient) -> None:
    url, _ = await _with_video(app, mp4(2000))
    page = await client.get("/guides/social-group-setup")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    text = page.text
    assert "成立社会团体" in text and "第1步" in text and "名称审核" in text
    assert "需要准备" in text and "章程草案" in text
    assert f'<video controls preload="metadata" playsinline src="{url}"' in text
    assert "${" not in text and "依据：" in text
    index = await client.get("/guides")
    assert index.status_code == 200 and "/guides/private-non-enterprise-setup" in index.text
    missing = await client.get("/guides/no-such-guide")
    assert missing.status_code == 404 and "不存在或已下线" in missing.text
