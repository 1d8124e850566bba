from __future__ import annotations

import io
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sanic import Sanic

from content import auth
from core.cli import main
from core.models import AuditLog, StaffUser
from tests.content.conftest import ConsoleFactory

PASSWORD = "correct-horse-42"


async def _form(client: httpx.AsyncClient) -> str:
    r = await client.get("/console/login")
    assert r.status_code == 200
    match = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert match and 'name="username"' in r.text and 'name="password"' in r.text
    return match.group(1)


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    csrf = await _form(client)
    return await client.post("/console/login",
                             data={"username": username, "password": password, "csrf": csrf})


@pytest.fixture
async def staff(app: Sanic) -> str:
    await auth.add_staff("wang.li", "registrar", PASSWORD)
    return "wang.li"


async def test_console_redirects_anonymous_visitors_to_login(client: httpx.AsyncClient) -> None:
    r = await client.get("/console/")
    assert r.status_code == 302 and r.headers["location"] == "/console/login"


async def test_login_sets_an_httponly_session_and_opens_the_console(
        client: httpx.AsyncClient, staff: str) -> None:
    r = await _login(client, staff, PASSWORD)
    assert r.status_code == 302 and r.headers["location"] == "/console/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("bs_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = await client.get("/console/")
    assert home.status_code == 200 and "wang.li" in home.text and "登记员" in home.text


async def test_login_without_the_csrf_field_is_refused(client: httpx.AsyncClient, staff: str) -> None:
    await _form(client)
    r = await client.post("/console/login", data={"username": staff, "password": PASSWORD})
    assert r.status_code == 403 and "页面已过期" in r.text
    r = await client.post("/console/login",
                          data={"username": staff, "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403


async def test_wrong_passwords_lock_the_account(client: httpx.AsyncClient, staff: str) -> None:
    for _ in range(auth.MAX_FAILURES):
        r = await _login(client, staff, "wrong-password")
        assert r.status_code == 401 and "用户名或密码不正确" in r.text and "锁定" in r.text
    r = await _login(client, staff, PASSWORD)  # the right password does not lift the lock
    assert r.status_code == 401  # the same answer as any failure (#19 item 3)
    user = await StaffUser.get(username=staff)
    assert user.locked_until is not None and user.locked_until > datetime.now(UTC)


async def test_unknown_user_gets_the_same_answer(client: httpx.AsyncClient) -> None:
    r = await _login(client, "nobody", PASSWORD)
    assert r.status_code == 401 and "用户名或密码不正确" in r.text


async def test_logout_needs_csrf_and_ends_the_session(client: httpx.AsyncClient, staff: str) -> None:
    await _login(client, staff, PASSWORD)
    home = await client.get("/console/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)  # type: ignore[union-attr]
    assert (await client.post("/console/logout", data={"csrf": "x"})).status_code == 403
    r = await client.post("/console/logout", data={"csrf": csrf})
    assert r.status_code == 302
    assert (await client.get("/console/")).status_code == 302


async def test_every_console_route_refuses_anonymous_requests(app: Sanic,
                                                              client: httpx.AsyncClient) -> None:
    open_paths = {"/console/login"}
    checked = 0
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if not path.startswith("/console") or path in open_paths or path.startswith("/console/static"):
            continue
        if route.methods <= {"OPTIONS", "HEAD"}:
            continue  # sanic-ext's automatic OPTIONS/HEAD answers, no page behind them
        assert getattr(route.handler, "staff_roles", None), f"{path} has no staff_required"
        concrete = re.sub(r"<[^>]+>", "1", path)
        for method in route.methods:
            r = await client.request(method, concrete)
            assert r.status_code == 302 and r.headers["location"] == "/console/login", (method, path)
            checked += 1
    assert checked >= 30  # every console page of notices, slots, KB, settings, staff, audit …


async def test_every_console_route_refuses_the_wrong_role(app: Sanic, console: ConsoleFactory) -> None:
    """For each route limited to some roles, every other non-admin role gets 403 and changes nothing."""
    clients = {role: await console(role) for role in ("editor", "registrar")}
    audit_rows = await AuditLog.all().count()
    checked = 0
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        roles = getattr(route.handler, "staff_roles", None)
        if not path.startswith("/console") or not roles or "*" in roles:
            continue
        concrete = re.sub(r"<[^>]+>", "1", path)
        for role, c in clients.items():
            if role in roles:
                continue
            for method in route.methods - {"OPTIONS", "HEAD"}:
                r = await (c.post(concrete) if method == "POST" else c.client.request(method, concrete))
                assert r.status_code == 403 and "没有权限" in r.text, (role, method, path)
                checked += 1
    assert checked >= 25
    assert await AuditLog.all().count() == audit_rows
    # Admins pass every role check.
    admin = await console("admin")
    for path in ("/console/notices", "/console/slots", "/console/kb", "/console/staff", "/console/audit"):
        assert (await admin.get(path)).status_code == 200, path


def test_staff_add_reads_the_password_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str],
                                                 scratch_database_url: str) -> None:
    monkeypatch.setenv("BAOSHAN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("BAOSHAN_DATABASE_URL", scratch_database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-enough-password\n"))
    assert main(["staff", "add", "Zhang.San", "--role", "admin"]) == 0
    assert "zhang.san" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["staff", "add", "li.si", "--role", "editor"]) == 1
    assert "密码至少需要8位" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("another-long-password\n"))
    assert main(["staff", "add", "zhang.san", "--role", "editor"]) == 1
    assert "已存在" in capsys.readouterr().err


async def test_adding_staff_is_audited(app: Sanic) -> None:
    await auth.add_staff("chen.wu", "editor", PASSWORD, actor="admin1")
    row = await AuditLog.get(action="staff.add", target="chen.wu")
    assert row.actor == "admin1" and row.after == {"username": "chen.wu", "role": "editor"}
    assert "password" not in str(row.after)
