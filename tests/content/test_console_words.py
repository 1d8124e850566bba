"""#14 "Words and layout": console errors are pages in Chinese (the public API keeps JSON), account
actions say what they did to whom, sign-out says so, the console has a favicon."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import httpx
from sanic import Sanic

from core import catalogue
from core.models import StaffUser
from knowledge.entries import ACTIONS
from knowledge.render import CONTACT_LABELS
from tests.content.conftest import ConsoleFactory
from tests.content.test_notices_console import create, notice_id, png_bytes

ROOT = Path(__file__).resolve().parents[2]


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
        ["editor", "adviser", "registrar", "admin"]
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


async def test_the_welcome_box_shows_the_default_text_when_none_is_set(console: ConsoleFactory) -> None:
    default = catalogue.text("residents", "bot_welcome")
    editor = await console("editor")
    page = (await editor.get("/console/settings")).text
    box = re.search(r'<textarea name="welcome"[^>]*>([^<]*)</textarea>', page)
    assert box and html.unescape(box.group(1)) == default and "当前使用默认欢迎语" in page
    registrar = await console("registrar")  # reads it, cannot change it
    assert html.escape(default) in (await registrar.get("/console/settings")).text
    await editor.post("/console/settings", {"section": "welcome", "welcome": "自己的欢迎语"})
    page = (await editor.get("/console/settings")).text
    assert "自己的欢迎语</textarea>" in page and "当前使用默认欢迎语" not in page


async def test_the_settings_list_every_contact_placeholder_the_renderer_fills(
        console: ConsoleFactory) -> None:
    page = html.unescape((await (await console("editor")).get("/console/settings")).text)
    help_list = page[page.index('id="placeholder-help"'):]
    help_list = help_list[:help_list.index("</ul>")]
    for key, label in CONTACT_LABELS.items():
        assert f"<code>${{{key}}}</code> {label}" in help_list, key
        assert f"{label}（<code>${{{key}}}</code>）" in page, key  # beside its own field too
    # Every placeholder the shipped answers use is one the renderer fills (and so is listed).
    used = {m for path in (ROOT / "knowledge" / "entries").glob("*.yaml")
            for m in re.findall(r"\$\{(\w+)\}", path.read_text(encoding="utf-8"))}
    assert used and used <= set(CONTACT_LABELS)


async def test_the_notice_preview_shows_the_cover(console: ConsoleFactory) -> None:
    editor = await console("editor")
    image = png_bytes()
    # Chosen but not saved: shown inline; the page's policy allows inline images and nothing else.
    r = await create(editor, "preview", files={"cover": ("封面.png", image, "image/png")})
    assert r.status_code == 200
    inline = f'src="data:image/png;base64,{base64.b64encode(image).decode()}"'
    preview = r.text[r.text.index('aria-label="预览"'):]
    assert f'<img class="cover" {inline} alt="封面预览">' in preview
    policy = r.headers["content-security-policy"].split("; ")
    assert "img-src 'self' data:" in policy and "default-src 'self'" in policy
    # Saved: the preview shows the saved cover, unless it is being removed.
    nid = notice_id(await create(editor, "save", files={"cover": ("封面.png", image, "image/png")}))
    r = await editor.post(f"/console/notices/{nid}", {"title": "有封面", "body": "正文", "action": "preview"})
    preview = r.text[r.text.index('aria-label="预览"'):]
    assert re.search(rf'<img class="cover" src="/console/notices/{nid}/cover\?v=\d+"', preview)
    assert "data:" not in r.headers["content-security-policy"]
    r = await editor.post(f"/console/notices/{nid}", {"title": "有封面", "body": "正文", "action": "preview",
                                                     "remove_cover": "1"})
    assert 'class="cover"' not in r.text[r.text.index('aria-label="预览"'):]


async def test_kb_pages_name_actions_and_intents_in_words(console: ConsoleFactory) -> None:
    editor = await console("editor")
    page = (await editor.get("/console/kb/new")).text
    options = re.findall(r'<option value="(book:\w+)"[^>]*>([^<]*)</option>', page)
    assert ("book:marriage_registration", "预约结婚登记") in options and len(options) == len(ACTIONS) - 1
    assert all(not re.search(r"[a-z]", label) for _, label in options)
    listing = (await editor.get("/console/kb")).text
    assert '<th scope="col">编号</th>' in listing and ">id<" not in listing
