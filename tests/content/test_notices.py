from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import httpx
import pytest

from content.markdown import render, sanitise, summary_of
from core.models import Notice
from core.notices import (
    COVER_MAX_BYTES,
    NoticeRuleError,
    check_cover,
    effective_state,
    published_notices,
    transition,
)


async def test_only_public_notices_are_listed_newest_first(client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    await Notice.create(title="草稿", status="draft")
    await Notice.create(title="已归档", status="archived", publish_at=now - timedelta(days=9))
    old = await Notice.create(title="清明祭扫预约开始", summary="请提前预约", status="published",
                              publish_at=now - timedelta(days=2))
    new = await Notice.create(title="5月20日结婚登记安排", status="scheduled",
                              publish_at=now - timedelta(minutes=1))
    await Notice.create(title="明天才发布", status="scheduled", publish_at=now + timedelta(days=1))
    r = await client.get("/api/v1/notices")
    assert r.status_code == 200
    notices = r.json()["notices"]
    assert [n["id"] for n in notices] == [new.id, old.id]
    assert notices[1]["summary"] == "请提前预约"
    assert notices[0]["published_at"].endswith("+08:00")


async def test_empty_list_and_bad_limit(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/notices")
    assert r.status_code == 200 and r.json() == {"notices": []}
    r = await client.get("/api/v1/notices", params={"limit": "0"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_limit"


async def test_a_scheduled_notice_goes_public_when_its_time_comes(client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    soon = await Notice.create(title="下周开放预约", status="scheduled", publish_at=now + timedelta(hours=1))
    assert (await client.get("/api/v1/notices")).json() == {"notices": []}
    assert (await client.get(f"/notices/{soon.id}")).status_code == 404
    assert await published_notices(now + timedelta(hours=1), 5) == [soon]  # the clock is passed in
    await Notice.filter(id=soon.id).update(publish_at=now - timedelta(seconds=1))
    assert [n["id"] for n in (await client.get("/api/v1/notices")).json()["notices"]] == [soon.id]
    assert (await client.get(f"/notices/{soon.id}")).status_code == 200


async def test_cover_url_only_when_there_is_a_cover(client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    with_cover = await Notice.create(title="有图", status="published", publish_at=now,
                                     cover=b"\x89PNG\r\n\x1a\nrest", cover_type="image/png")
    await Notice.create(title="无图", status="published", publish_at=now - timedelta(minutes=1))
    notices = (await client.get("/api/v1/notices")).json()["notices"]
    assert notices[0]["cover_url"].startswith(f"/notices/{with_cover.id}/cover?v=")
    assert "cover_url" not in notices[1]
    assert set(notices[1]) == {"id", "title", "summary", "published_at", "url"}


@pytest.mark.parametrize(("status", "action", "expected"), [
    ("draft", "save", ("draft", None)),
    ("draft", "publish", ("published", "now")),
    ("draft", "schedule", ("scheduled", "later")),
    ("scheduled", "publish", ("published", "now")),
    ("scheduled", "draft", ("draft", None)),
    ("published", "archive", ("archived", "before")),
    ("published", "publish", ("published", "before")),
    ("published", "draft", ("draft", None)),
    ("archived", "draft", ("draft", None)),
])
def test_sensible_transitions(status: str, action: str, expected: tuple[str, str | None]) -> None:
    now = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    later, before = now + timedelta(days=1), now - timedelta(days=1)
    publish_at = {"draft": None, "scheduled": later, "published": before, "archived": before}[status]
    moved = transition(status, publish_at, action, now, later)
    when = {None: None, "now": now, "later": later, "before": before}[expected[1]]
    assert (moved.status, moved.publish_at) == (expected[0], when)


@pytest.mark.parametrize(("status", "action", "code"), [
    ("draft", "archive", "notice_cannot_archive"),
    ("scheduled", "archive", "notice_cannot_archive"),
    ("published", "schedule", "notice_cannot_schedule"),
    ("archived", "publish", "notice_cannot_publish"),
    ("archived", "schedule", "notice_cannot_schedule"),
    ("archived", "archive", "notice_cannot_archive"),
    ("draft", "explode", "notice_bad_action"),
])
def test_nonsense_transitions(status: str, action: str, code: str) -> None:
    now = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    publish_at = now + timedelta(days=1) if status == "scheduled" else None
    with pytest.raises(NoticeRuleError) as caught:
        transition(status, publish_at, action, now, now + timedelta(days=2))
    assert caught.value.code == code


def test_schedule_rules_and_effective_state() -> None:
    now = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    for requested, code in ((None, "notice_schedule_missing"), (now, "notice_schedule_past"),
                            (now - timedelta(minutes=1), "notice_schedule_past")):
        with pytest.raises(NoticeRuleError) as caught:
            transition("draft", None, "schedule", now, requested)
        assert caught.value.code == code
    # Once its time has passed a scheduled notice is published: it can be archived, not rescheduled.
    due = now - timedelta(minutes=1)
    assert effective_state("scheduled", due, now) == "published"
    assert effective_state("scheduled", now + timedelta(minutes=1), now) == "scheduled"
    assert transition("scheduled", due, "archive", now).status == "archived"
    with pytest.raises(NoticeRuleError):
        transition("scheduled", due, "schedule", now, now + timedelta(days=1))


def test_cover_types_are_told_by_their_bytes() -> None:
    assert check_cover(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert check_cover(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert check_cover(b"RIFF\x24\x00\x00\x00WEBPVP8 ") == "image/webp"
    for data, code in ((b"GIF89a....", "notice_cover_type"), (b"<svg onload=alert(1)>", "notice_cover_type"),
                       (b"", "notice_cover_empty"),
                       (b"\x89PNG\r\n\x1a\n" + b"\x00" * COVER_MAX_BYTES, "notice_cover_too_big")):
        with pytest.raises(NoticeRuleError) as caught:
            check_cover(data)
        assert caught.value.code == code


class _Tags(HTMLParser):
    """Every start tag with its attributes, to check sanitised HTML structurally."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(fragment: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(fragment)
    return parser.tags


def assert_clean(fragment: str) -> None:
    for tag, attrs in tags_of(fragment):
        assert tag not in {"script", "img", "iframe", "style", "object"}, fragment
        assert not any(name.startswith("on") for name in attrs), fragment
        href = (attrs.get("href") or "").strip().lower()
        assert not href or href.startswith(("http://", "https://", "mailto:")), fragment


def test_markdown_is_rendered_and_dangerous_markup_removed() -> None:
    body = ("# 通知\n\n**重要** <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
            "[坏链接](javascript:alert(1)) [官网](https://mzj.shbsq.gov.cn) [邮件](mailto:mz@example.cn)\n\n"
            '<a href="javascript:alert(2)" onclick="x()">点我</a>\n')
    out = render(body)
    assert_clean(out)
    assert "<h2>通知</h2>" in out and "<strong>重要</strong>" in out
    assert '<a href="https://mzj.shbsq.gov.cn" rel="noopener">官网</a>' in out
    assert 'href="mailto:mz@example.cn"' in out
    # Typed tags stay visible as text; the javascript: link is not a link.
    assert "<script" not in out and "&lt;script&gt;" in out and "[坏链接](javascript:alert(1))" in out
    # The second layer on its own, for HTML the renderer should never produce.
    raw = ('<p onclick="x()">hi<script>alert(1)</script></p><img src=x onerror=alert(1)>'
           '<a href="javascript:alert(1)">a</a><a href="/relative">r</a><iframe src="https://x"></iframe>'
           '<table><tr><td style="color:red">1</td></tr></table>')
    cleaned = sanitise(raw)
    assert_clean(cleaned)
    assert "alert" not in cleaned and "style=" not in cleaned and "<td>1</td>" in cleaned
    assert tags_of(cleaned).count(("a", {"rel": "noopener"})) == 2  # both hrefs dropped


def test_summary_is_the_start_of_the_plain_text() -> None:
    html = render("## 标题\n\n" + "很长的正文。" * 40)
    summary = summary_of(html)
    assert summary.startswith("标题 很长的正文。") and len(summary) == 80 and summary.endswith("…")
    assert summary_of(render("短 **文**")) == "短 文"
