"""An editor changes an answer in a real browser and the bot answers with it within seconds; then
tries the bot in the chat simulator, as a resident would on a phone."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page, expect

from tests.support.browser import Site, shot
from tests.support.wechat import fixture, sign

SHANGHAI = ZoneInfo("Asia/Shanghai")
ENTRY = "mr-register-materials"
QUESTION = "结婚登记要带什么"
PHRASE = "（浏览器测试：请带一支黑色签字笔）"


def _api_answer(site: Site, q: str) -> dict[str, Any]:
    r = httpx.get(f"{site.base}/api/v1/knowledge/search", params={"q": q}, timeout=10, trust_env=False)
    assert r.status_code == 200
    return dict(r.json())


def _within(seconds: float, check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return check()


def _resident_messages(site: Site, *texts: str) -> None:
    """Text messages signed as the WeChat platform sends them (they count on the dashboard)."""
    for text in texts:
        timestamp, nonce = str(int(time.time())), f"n{time.monotonic_ns()}"
        r = httpx.post(f"{site.base}/wechat", content=fixture("text", content=text, user="oResident01"),
                       params={"timestamp": timestamp, "nonce": nonce,
                               "signature": sign(site.env["WECHAT_TOKEN"], timestamp, nonce)},
                       headers={"Content-Type": "text/xml"}, timeout=10, trust_env=False)
        assert r.status_code == 200


def _csp_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def _save_answer(page: Page, answer: str) -> None:
    page.goto(f"/console/kb/{ENTRY}")
    page.fill("textarea[name=answer]", answer)
    expect(page.locator("#answer-chars")).to_have_text(str(len(answer.strip())))
    page.click("form.kb-form button[type=submit]")
    page.wait_for_url(f"**/console/kb/{ENTRY}?done=kb_saved")


def test_an_edited_answer_reaches_the_ask_box_and_the_api(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    page: Page = page_as("editor")
    errors = _csp_errors(page)
    page.goto("/console/kb")
    page.fill("input[name=q]", "结婚")
    page.click("form.filters button[type=submit]")
    expect(page.locator(f'a[href="/console/kb/{ENTRY}"]')).to_be_visible()
    shot(page, "10-kb-list")

    page.click(f'a[href="/console/kb/{ENTRY}"]')
    original = page.input_value("textarea[name=answer]")
    assert PHRASE not in original and PHRASE not in _api_answer(site, QUESTION)["reply"]
    page.fill("textarea[name=answer]", "长" * 601)  # the live count warns before saving
    expect(page.locator("#answer-count")).to_have_attribute("data-over", "yes")
    page.fill("textarea[name=answer]", PHRASE + original)
    expect(page.locator("#answer-count")).to_have_attribute("data-over", "no")
    shot(page, "11-kb-edit")
    try:
        page.click("form.kb-form button[type=submit]")
        page.wait_for_url(f"**/console/kb/{ENTRY}?done=kb_saved")
        assert "已保存" in page.inner_text("main")

        def ask_box_has_it() -> bool:
            page.goto(f"/console/kb/ask?q={QUESTION}")
            return PHRASE in page.inner_text("#ask-reply")

        assert _within(10, ask_box_has_it)
        assert "算作“已回答”" in page.inner_text("#ask-result")
        shot(page, "12-kb-ask")
        assert _within(10, lambda: PHRASE in _api_answer(site, QUESTION)["hits"][0]["answer"])
    finally:
        _save_answer(page, original)
    assert _within(10, lambda: PHRASE not in _api_answer(site, QUESTION)["reply"])

    assert _api_answer(site, "我想养一只乌龟")["answered"] is False
    page.goto("/console/kb/unanswered")
    expect(page.locator(".group .question", has_text="我想养一只乌龟")).to_be_visible()
    shot(page, "13-kb-unanswered")
    page.goto("/console/")
    # The bot's own row (公众号): API questions asked above are counted too, in their own row,
    # and may be written by the same batch.
    def wechat_answered() -> int:
        return int(page.locator("tr", has=page.locator("th", has_text="公众号·已回答"))
                   .locator("td").last.inner_text())

    answered = wechat_answered()
    _resident_messages(site, "结婚登记要带什么", "低保怎么申请", "我想养一只乌龟")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).astimezone(SHANGHAI).date().isoformat()
    site.cli("slots", "open", "--service", "marriage_registration", "--date", tomorrow,
             "--start", "09:00", "--end", "10:00", "--capacity", "8")
    # Each worker writes its question counts in batches, at its next knowledge-base poll (≤ 5 s).
    def counted() -> bool:
        page.reload()
        return wechat_answered() == answered + 2

    assert _within(10, counted)
    expect(page.locator("svg.chart")).to_have_count(3)
    shot(page, "14-dashboard")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def _bot_says(page: Page, count: int) -> Any:
    """The ``count``-th reply bubble (bot text or a note), once it has arrived."""
    replies = page.locator("#chat .bubble.bot, #chat .bubble.note")
    expect(replies).to_have_count(count, timeout=15_000)
    return replies.nth(count - 1)


def test_the_simulator_conversation(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    page: Page = page_as("registrar")
    errors = _csp_errors(page)
    page.goto("/console/simulator")
    page.select_option("#sim-event", "subscribe")
    page.click("#sim-event-send")
    expect(_bot_says(page, 1)).to_contain_text("欢迎关注")

    def say(text: str, n: int) -> Any:
        page.fill("#sim-text", text)
        page.click("#sim-send")
        return _bot_says(page, n)

    expect(say(QUESTION, 2)).to_contain_text("身份证")
    expect(say("补贴", 3)).to_contain_text("请回复序号")
    first = page.locator("#chat .bubble.bot").last.inner_text().splitlines()[1].removeprefix("1. ")
    hits = _api_answer(site, "补贴")["hits"]
    assert hits[0]["title"] == first
    expect(say("1", 4)).to_contain_text(hits[0]["answer"][:30])
    expect(say("社保怎么交", 5)).to_contain_text("12345")
    expect(say("人工", 6)).to_contain_text("已转接人工客服")
    expect(page.locator("#chat .bubble.staff")).to_have_count(6)
    assert page.input_value("#sim-text") == ""
    shot(page, "15-simulator")
    page.reload()  # the conversation lives in the page, not on the server
    expect(page.locator("#chat .bubble")).to_have_count(0)
    assert not [e for e in errors if "Content Security Policy" in e], errors
