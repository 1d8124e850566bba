"""An admin creates a colleague's account, sets the welcome message, and finds both in the audit log."""

from __future__ import annotations

from tests.support.browser import Site, shot


def test_admin_pages_in_the_browser(site: Site, browser, page_as) -> None:  # type: ignore[no-untyped-def]
    page = page_as("admin")
    page.click("nav.menu >> text=账号")
    page.fill("form[action='/console/staff'] input[name=username]", "new.colleague")
    page.select_option("form[action='/console/staff'] select[name=role]", "editor")
    page.fill("form[action='/console/staff'] input[name=password]", "first-day-pass")
    page.click("text=创建账号")
    assert "账号已创建" in page.inner_text("main")
    assert "new.colleague" in page.inner_text("table")
    shot(page, "40-staff")

    page.click("nav.menu >> text=设置")
    page.fill("textarea[name=welcome]", "欢迎关注宝山民政！浏览器测试。")
    page.click("text=保存欢迎语")
    assert "已保存" in page.inner_text("main")
    assert page.input_value("textarea[name=welcome]") == "欢迎关注宝山民政！浏览器测试。"
    shot(page, "41-settings")

    page.click("nav.menu >> text=操作日志")
    page.select_option("select[name=action]", "settings.welcome")
    page.click("text=筛选")
    text = page.inner_text("table")
    # Actions in words, the change field by field (#14).
    assert "修改欢迎语" in text and "浏览器测试" in text and "新建账号" not in text
    assert "欢迎语" in text and "{" not in text
    shot(page, "42-audit")

    # The new colleague can log in and sees an editor's sections only.
    context = browser.new_context(base_url=site.base, locale="zh-CN")
    other = context.new_page()
    other.goto("/console/login")
    other.fill("input[name=username]", "new.colleague")
    other.fill("input[name=password]", "first-day-pass")
    other.click("button[type=submit]")
    other.wait_for_url("**/console/")
    nav = other.inner_text("nav.menu")
    assert "知识库" in nav and "账号" not in nav and "签到" not in nav
    assert other.goto(f"{site.base}/console/staff").status == 403
    context.close()


def test_audit_log_fits_its_card(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    """Long targets and changes wrap inside the card on an office screen and on a phone (#14)."""
    page = page_as("admin")
    # A long knowledge-base change and a sign-in, so the log has wide cells to wrap.
    page.goto("/console/settings")
    page.fill("textarea[name=welcome]", "欢迎关注宝山民政！" + "办事指南与政策解读请查看菜单，" * 12)
    page.click("text=保存欢迎语")
    for width, height, name in ((1366, 900, "43-audit-1366"), (390, 844, "44-audit-390")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/console/audit")
        text = page.inner_text("table")
        assert "修改欢迎语" in text and "登录" in text and "b.admin" in text
        overflow = page.evaluate(
            """() => [...document.querySelectorAll('section.card')].map(
                   c => c.scrollWidth - c.clientWidth)""")
        assert max(overflow) <= 1, f"the audit table overflows its card at {width} px: {overflow}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, name)
