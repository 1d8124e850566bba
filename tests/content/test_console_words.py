"""#14 "Words and layout": console errors are pages in Chinese (the public API keeps JSON), account
actions say what they did to whom, sign-out says so, the console has a favicon."""

from __future__ import annotations

import re

import httpx
from sanic import Sanic

from core.models import StaffUser
from tests.content.conftest import ConsoleFactory


async def test_console_404s_are_the_console_page_and_the_api_keeps_json(
        console: ConsoleFactory, client: httpx.AsyncClient) -> None:
    admin = await console("admin")
    for path in ("/console/no-such-page", "/console/kb/ask/extra/segments",
                 f"/console/slots/{10**25}/export", "/console/static/no-such-file.css"):
        r = await admin.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert "无法继续" in r.text and "找不到" in r.text, path
        assert '{"error"' not in r.text and "not_found" not in r.text, path
    r = await admin.get("/console/no-such-page")
    assert "/console/staff" in r.text  # the signed-in nav stays
    # A method the page does not take: a page too, never the API's JSON.
    r = await admin.client.put("/console/kb")
    assert r.status_code in (404, 405) and r.headers["content-type"].startswith("text/html")
    # Outsiders learn nothing about which console pages exist: the login page, as for real ones.
    r = await client.get("/console/no-such-page")
    assert r.status_code == 302 and r.headers["location"] == "/console/login"
    # The public API answers residents' apps in JSON, as before.
    r = await client.get("/api/v1/no-such-endpoint")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


async def test_new_accounts_default_to_the_least_privileged_role(console: ConsoleFactory) -> None:
    admin = await console("admin")
    page = (await admin.get("/console/staff")).text
    form = page[page.index('action="/console/staff"'):]
    selected = re.search(r'<option value="(\w+)" selected>', form)
    assert selected and selected.group(1) == "editor"
    # Least privilege first in the list, and the help says why.
    assert re.findall(r'<option value="(\w+)"', form[:form.index("</select>")]) == \
        ["editor", "registrar", "admin"]
    assert "默认" in form


async def test_every_account_action_says_what_it_did_to_whom(app: Sanic, console: ConsoleFactory) -> None:
    admin = await console("admin")
    r = await admin.post("/console/staff", {"username": "zhao.registrar", "role": "registrar",
                                            "password": "start-pass-9"})
    assert r.status_code == 302
    page = await admin.get(r.headers["location"])
    assert "账号已创建：zhao.registrar（登记员）" in page.text
    user = await StaffUser.get(username="zhao.registrar")
    url = f"/console/staff/{user.id}"
    expected = {("role", "editor"): "已将 zhao.registrar 的角色改为内容编辑",
                ("deactivate", ""): "已停用 zhao.registrar",
                ("activate", ""): "已启用 zhao.registrar",
                ("unlock", ""): "已解锁 zhao.registrar",
                ("password", ""): "已重置 zhao.registrar 的密码"}
    for (action, role), words in expected.items():
        data = {"action": action, "role": role, "password": "another-pass-9", "confirm": "1"}
        r = await admin.post(url, data)
        assert r.status_code == 302, action
        assert r.headers["location"].endswith("done=saved")
        page = await admin.get(r.headers["location"])
        done = re.search(r'<p class="done" role="status">([^<]*)</p>', page.text)
        assert done and words in done.group(1), (action, done)
    # A link naming an account that does not exist says nothing about anyone.
    page = await admin.get("/console/staff?user=999999&did=unlock&done=saved")
    assert "已解锁" not in page.text and "已保存" in page.text


async def test_signing_out_says_so_on_the_login_page(console: ConsoleFactory) -> None:
    staff = await console("registrar")
    r = await staff.post("/console/logout")
    assert r.status_code == 302 and r.headers["location"].startswith("/console/login")
    page = await staff.get(r.headers["location"])
    assert page.status_code == 200 and "您已退出登录" in page.text
    assert "您已退出登录" not in (await staff.get("/console/login")).text


async def test_the_console_has_a_favicon(console: ConsoleFactory, client: httpx.AsyncClient) -> None:
    r = await client.get("/favicon.ico")
    assert r.status_code == 200 and r.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    staff = await console("editor")
    assert '<link rel="icon" href="/favicon.ico"' in (await staff.get("/console/")).text
    assert '<link rel="icon" href="/favicon.ico"' in (await client.get("/console/login")).text
