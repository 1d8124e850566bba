"""#14 "Words and layout" in a real browser: no raw codes or English on any console page an admin
can reach, console errors as pages, the dashboard at an office screen and a phone, a registrar's
day on the home page, account actions that name whom, sign-out, favicon, settings and the notice
preview with its cover."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from core.booking.rules import SHANGHAI
from tests.content.browser.test_bookings import ECO, _book
from tests.content.test_notices_console import png_bytes
from tests.support.browser import PASSWORD, Site, shot

# What the first-day walk found (#14), and their relatives: codes and English staff cannot read.
RAW_TOKENS = ("book:", "general rule", "（answer）", "（out_of_scope）", "（suggest）", "（smalltalk）",
              "（unknown）", "（subscribe）", "（CLICK）", "（unsubscribe）", "/charity-week",
              "WECHAT_", '{"error"', "not_found", "Not Found", "Method Not Allowed")
# Pages the walk does not follow: they change things or download files.
SKIP = re.compile(r"/(logout|export)\b|\.(csv|xlsx)$|/cover\b")
PER_SHAPE = 3  # KB entries and notices: a few of each kind of page, not all 300

_TEXTS = """() => [document.body.innerText,
    ...[...document.querySelectorAll('option, th, label, button, legend, summary')]
        .map(e => e.textContent)].join('\\n')"""


def _shape(path: str) -> str:
    return "/".join(part if not re.search(r"\d|-", part) else "*" for part in path.split("/")[:4])


def _raw_tokens(text: str) -> list[str]:
    return [t for t in RAW_TOKENS if t in text]


def test_no_raw_codes_or_english_on_any_console_page(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    page = page_as("admin")
    start = ["/console/", "/console/kb/ask?q=结婚登记要带什么", "/console/kb/ask?q=我想养一只乌龟",
             "/console/kb/ask?q=你好", "/console/kb/ask?q=补贴", "/console/kb/new",
             "/console/notices/new", "/console/no-such-page", "/console/kb/ask/too/deep"]
    queue, seen, shapes, problems = list(start), set(start), {}, []  # type: ignore[var-annotated]
    while queue and len(seen) < 150:
        url = queue.pop(0)
        response = page.goto(url)
        assert response is not None and response.status < 500, url
        assert "text/html" in (response.headers.get("content-type") or ""), url
        bad = _raw_tokens(page.evaluate(_TEXTS))
        headers = [h for h in page.eval_on_selector_all("th", "els => els.map(e => e.innerText)")
                   if re.fullmatch(r"[\sA-Za-z_]+", h or "")]
        if bad or headers:
            problems.append((url, bad, headers))
        links = page.eval_on_selector_all("a[href^='/console']",
                                          "els => els.map(e => e.getAttribute('href'))")
        for link in links:
            href = link.split("#")[0]
            path = urlsplit(href).path
            if href in seen or SKIP.search(href) or path.startswith("/console/static"):
                continue
            shape = _shape(path)
            if shapes.get(shape, 0) >= PER_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            seen.add(href)
            queue.append(href)
    assert len(seen) >= 25, seen  # the walk reached the console's pages
    assert not problems, problems

    # The two walk findings, as the walk's pages show them now.
    page.goto("/console/kb")
    assert page.inner_text("table.kb-table thead").split()[:2] == ["标题", "编号"]
    shot(page, "85-kb-list-words")
    page.goto("/console/kb/ask?q=结婚登记要带什么")
    assert "直接回答" in page.inner_text("#ask-result")
    shot(page, "86-kb-ask-words")
    response = page.goto("/console/no-such-page")
    assert response is not None and response.status == 404
    assert "找不到该页面" in page.inner_text("main") and "概览" in page.inner_text("nav.menu")
    shot(page, "87-console-404")


def _layout_ok(page, width: int) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, width
    overflow = page.evaluate("""() => [...document.querySelectorAll('section.card')].map(
        c => c.scrollWidth - c.clientWidth)""")
    assert max(overflow) <= 1, (width, overflow)


def test_the_registrars_home_page_and_the_dashboard_at_1366_and_390(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    today = datetime.now(SHANGHAI).date()
    out = site.cli("slots", "open", "--service", ECO, "--date", today.isoformat(),
                   "--start", "00:00", "--end", "23:59", "--capacity", "4")
    slot_id = int(out.strip().splitlines()[-1])
    _book(site, slot_id, "吴九", "郑十")
    page = page_as("registrar")  # straight after signing in
    card = page.locator("#today")
    assert "今日预约与签到" in card.inner_text()
    assert int(page.inner_text("#today-booked")) >= 2 and page.inner_text("#today-arrived").isdigit()
    assert f"/console/slots/{slot_id}" in card.inner_html() and "节地生态安葬咨询" in card.inner_text()
    for width, height, name in ((1366, 900, "88-dashboard-registrar-1366"),
                                (390, 844, "89-dashboard-registrar-390")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/console/")
        _layout_ok(page, width)
        # The daily figures fit the card at an office screen: no sideways scrolling there.
        if width == 1366:
            assert page.evaluate("""() => [...document.querySelectorAll('.figures .scroll')].every(
                s => s.scrollWidth <= s.clientWidth + 1)""")
        # Charts stay legible: their text is not shrunk below 9 px on screen.
        smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('svg.chart text')].map(
            t => t.getBoundingClientRect().height).filter(h => h > 0))""")
        assert smallest >= 9, (width, smallest)
        shot(page, name)


def test_accounts_logout_and_favicon(site: Site, browser, page_as) -> None:  # type: ignore[no-untyped-def]
    page = page_as("admin")
    page.goto("/console/staff")
    form = "form[action='/console/staff']"
    assert page.input_value(f"{form} select[name=role]") == "editor"  # least privilege by default
    page.fill(f"{form} input[name=username]", "zhao.registrar")
    page.select_option(f"{form} select[name=role]", "registrar")
    page.fill(f"{form} input[name=password]", "first-day-pass")
    page.click("text=创建账号")
    text = page.inner_text("main")
    assert "账号已创建：zhao.registrar（登记员）" in text, text
    row = page.locator("#staff-zhao\\.registrar")
    row.locator("select[name=role]").select_option("editor")
    row.locator("text=改角色").click()
    assert "已将 zhao.registrar 的角色改为内容编辑" in page.inner_text("p.done")
    page.locator("#staff-zhao\\.registrar").locator("button:has-text('停用')").click()
    page.click("button:has-text('确认停用')")
    assert "已停用 zhao.registrar" in page.inner_text("p.done")
    shot(page, "90-staff-action-named")

    favicon = page.request.get(f"{site.base}/favicon.ico")
    assert favicon.status == 200 and favicon.body()[:4] == b"\x00\x00\x01\x00"
    assert page.get_attribute("link[rel=icon]", "href") == "/favicon.ico"

    page.click("header button:has-text('退出')")
    page.wait_for_url("**/console/login**")
    assert "您已退出登录" in page.inner_text("main")
    shot(page, "91-logged-out")
    page.fill("input[name=username]", "b.admin")  # and signing in again works as before
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


def test_settings_defaults_and_the_notice_preview_cover(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    page = page_as("editor")
    page.goto("/console/settings")
    welcome = page.input_value("textarea[name=welcome]")
    assert welcome and "欢迎关注" in welcome  # the default, not an empty box
    placeholders = page.inner_text("#placeholder-help")
    for key in ("bureau_phone", "bureau_address", "office_hours", "marriage_office_phone",
                "marriage_office_address", "marriage_office_hours", "rescue_station_phone"):
        assert f"${{{key}}}" in placeholders, key
    shot(page, "92-settings-defaults")

    page.goto("/console/notices/new")
    page.fill("input[name=title]", "冬季慈善义卖（示例）")
    page.fill("textarea[name=body]", "欢迎参加**冬季慈善义卖**。")
    page.set_input_files("input[name=cover]", {"name": "封面.png", "mimeType": "image/png",
                                                "buffer": png_bytes(120, 60)})
    page.click("button[value=preview]")
    cover = page.locator("section.preview img.cover")
    assert cover.count() == 1
    # Loaded, not blocked by the page's content policy.
    assert page.evaluate("() => document.querySelector('section.preview img.cover').naturalWidth") == 120
    shot(page, "93-notice-preview-cover")

    page.goto("/console/simulator")
    events = page.eval_on_selector_all("select[name=event] option", "els => els.map(e => e.textContent)")
    assert events == ["关注公众号", "点击菜单", "取消关注"]
    shot(page, "94-simulator-words")
