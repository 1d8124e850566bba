"""A staff member logs in with a real browser and sees only the sections of their role."""

from __future__ import annotations

from tests.support.browser import PASSWORD, Site, shot


def test_login_page_then_console_by_role(site: Site, browser, page_as) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=site.base, locale="zh-CN")
    page = context.new_page()
    page.goto("/console/")
    assert page.url.endswith("/console/login")
    shot(page, "00-login")
    page.fill("input[name=username]", "b.registrar")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text("main")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    nav = page.inner_text("nav.menu")
    assert "号源与预约" in nav and "签到" in nav and "通知公告" not in nav and "账号" not in nav
    context.close()
    admin = page_as("admin")
    nav = admin.inner_text("nav.menu")
    assert all(label in nav for label in ("通知公告", "知识库", "号源与预约", "账号", "操作日志"))
    shot(admin, "01-dashboard")
