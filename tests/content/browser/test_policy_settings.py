"""#16: an editor enters this year's 政策找人 standards on the settings page, and the public
self-check quotes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from core import tz
from tests.support.browser import Site, shot


def test_editor_sets_the_policy_standards_in_the_browser(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    year = tz.local_day(datetime.now(UTC)).year
    page = page_as("editor")
    page.click("nav.menu >> text=设置")
    page.fill("input[name=policy_year]", str(year))
    page.fill("input[name=policy_dibao]", "1234")
    page.click("text=保存政策找人标准")
    assert "已保存" in page.inner_text("main")
    assert page.input_value("input[name=policy_dibao]") == "1234"
    page.locator("#policy").scroll_into_view_if_needed()
    shot(page, "50-policy-standards")

    page.fill("input[name=policy_dibao]", "一千二")
    page.click("text=保存政策找人标准")
    assert "不是有效的数字" in page.inner_text("main")

    questions = httpx.get(f"{site.base}/api/v1/policy-check/questions", timeout=10).json()
    income = next(q for q in questions["questions"] if q["id"] == "income")
    assert f"低于本市低保标准（{year}年每人每月1234元）" in [o["label"] for o in income["options"]]


def test_the_policy_check_in_the_chat_simulator(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    """Staff try the self-check through the real callback, as a resident would in WeChat."""
    page: Page = page_as("editor")
    page.goto("/console/simulator")
    replies = page.locator("#chat .bubble.bot, #chat .bubble.note")

    def say(text: str, n: int) -> Any:
        page.fill("#sim-text", text)
        page.click("#sim-send")
        expect(replies).to_have_count(n, timeout=15_000)
        return replies.nth(n - 1)

    expect(say("我能领什么补贴", 1)).to_contain_text("（1/10）")
    expect(say("2", 2)).to_contain_text("（2/10）")
    expect(say("1", 3)).to_contain_text("1. 很少或没有")
    for n, answer in enumerate(["1", "78", "12", "1", "1", "2"], 4):
        say(answer, n)
    expect(say("跳过", 10)).to_contain_text("（10/10）")
    final = say("跳过", 11)
    expect(final).to_contain_text("最低生活保障（低保）")
    expect(final).to_contain_text("社区救助顾问")
    expect(say("1", 12)).to_contain_text("怎么办理")
    page.set_viewport_size({"width": 390, "height": 844})
    # The whole conversation in the picture, not the chat pane's last screenful.
    page.locator("#chat").evaluate("el => { el.style.maxHeight = 'none'; el.style.height = 'auto'; }")
    shot(page, "51-policy-chat")
