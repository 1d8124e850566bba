"""Settings, staff accounts and the audit log: admin pages and who may use them."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sanic import Sanic

from content import auth
from core.models import AuditLog, Setting, StaffSession, StaffUser
from tests.content.conftest import PASSWORD, ConsoleFactory, login
from tests.support.asgi import client as asgi_client


async def _search_reply(client: httpx.AsyncClient, q: str) -> str:
    r = await client.get("/api/v1/knowledge/search", params={"q": q})
    assert r.status_code == 200
    return str(r.json()["reply"])


async def test_editor_changes_the_welcome_message_and_it_is_audited(console: ConsoleFactory) -> None:
    editor = await console("editor")
    r = await editor.post("/console/settings",
                          {"section": "welcome", "welcome": "欢迎关注宝山民政！\r\n有事请留言。"})
    assert r.status_code == 302 and r.headers["location"] == "/console/settings?done=saved"
    row = await Setting.get(key="welcome_message")
    assert row.value == {"text": "欢迎关注宝山民政！\n有事请留言。"}
    audit = await AuditLog.get(action="settings.welcome")
    assert audit.actor == editor.username and audit.before == {} and audit.after == row.value
    page = await editor.get("/console/settings?done=saved")
    assert "已保存" in page.text and "有事请留言" in page.text


async def test_too_long_welcome_is_refused_and_nothing_changes(console: ConsoleFactory) -> None:
    editor = await console("editor")
    await editor.post("/console/settings", {"section": "welcome", "welcome": "旧的欢迎语"})
    r = await editor.post("/console/settings", {"section": "welcome", "welcome": "长" * 601})
    assert r.status_code == 422 and "欢迎语最多600字" in r.text
    assert (await Setting.get(key="welcome_message")).value == {"text": "旧的欢迎语"}


async def test_contacts_are_rendered_into_answers(app: Sanic, client: httpx.AsyncClient,
                                                  console: ConsoleFactory) -> None:
    editor = await console("editor")
    before = await _search_reply(client, "结婚登记在哪里办")
    assert "021-5600 0000" not in before
    r = await editor.post("/console/settings", {"section": "contacts",
                                                 "contact_marriage_office_phone": "021-5600 0000",
                                                 "contact_bureau_phone": "  "})
    assert r.status_code == 302
    assert (await Setting.get(key="contacts")).value == {"marriage_office_phone": "021-5600 0000"}
    kb = app.ctx.kb
    await kb.refresh()
    assert "021-5600 0000" in await _search_reply(client, "婚姻登记处电话是多少")


async def test_bad_contact_and_holiday_input_gets_a_chinese_422(console: ConsoleFactory) -> None:
    admin = await console("admin")
    r = await admin.post("/console/settings", {"section": "contacts", "contact_bureau_phone": "${x}"})
    assert r.status_code == 422 and "区民政局电话" in r.text and "$" in r.text
    r = await admin.post("/console/settings", {"section": "holidays", "holidays": "2026-10-01\n十月二日"})
    assert r.status_code == 422 and "十月二日" in r.text
    assert not await Setting.filter(key__in=["contacts", "holidays"]).exists()
    r = await admin.post("/console/settings", {"section": "nonsense"})
    assert r.status_code == 400


async def test_holidays_are_the_registrars_to_change(console: ConsoleFactory) -> None:
    editor, registrar = await console("editor"), await console("registrar")
    r = await editor.post("/console/settings", {"section": "holidays", "holidays": "2026-10-01"})
    assert r.status_code == 403
    r = await registrar.post("/console/settings", {"section": "holidays",
                                                   "holidays": "2026-10-02, 2026-10-01 2026-10-01"})
    assert r.status_code == 302
    assert (await Setting.get(key="holidays")).value == {"dates": ["2026-10-01", "2026-10-02"]}
    r = await registrar.post("/console/settings", {"section": "welcome", "welcome": "x"})
    assert r.status_code == 403


async def test_only_admins_see_staff_and_audit_pages(console: ConsoleFactory) -> None:
    for role in ("editor", "registrar"):
        c = await console(role)
        assert (await c.get("/console/staff")).status_code == 403
        assert (await c.get("/console/audit")).status_code == 403
        assert (await c.post("/console/staff", {"username": "x.y", "role": "admin",
                                                "password": PASSWORD})).status_code == 403
    assert not await StaffUser.filter(username="x.y").exists()


async def test_admin_adds_changes_and_deactivates_staff(app: Sanic, console: ConsoleFactory) -> None:
    admin = await console("admin")
    r = await admin.post("/console/staff", {"username": "Zhao.Liu", "role": "registrar",
                                            "password": "start-pass-9"})
    assert r.status_code == 302
    user = await StaffUser.get(username="zhao.liu")
    async with asgi_client(app) as other:
        await login(other, "zhao.liu", "start-pass-9")
        r = await admin.post(f"/console/staff/{user.id}", {"action": "role", "role": "editor"})
        assert r.status_code == 302
        assert (await StaffUser.get(id=user.id)).role == "editor"
        # The role change ended the old session: the next request goes back to the login page.
        assert (await other.get("/console/")).status_code == 302
    # The list's 停用 button only asks; the confirm page's own POST deactivates.
    r = await admin.post(f"/console/staff/{user.id}", {"action": "deactivate"})
    assert r.status_code == 200 and "停用账号 zhao.liu：该账号将无法登录" in r.text
    assert "确认停用</button>" in r.text and 'href="/console/staff"' in r.text
    assert 'name="confirm" value="1"' in r.text and 'name="action" value="deactivate"' in r.text
    assert (await StaffUser.get(id=user.id)).active and "不能撤销" not in r.text  # 启用 undoes it
    r = await admin.post(f"/console/staff/{user.id}", {"action": "deactivate", "confirm": "1"})
    assert r.status_code == 302 and r.headers["location"].endswith("done=saved")
    assert not (await StaffUser.get(id=user.id)).active
    with pytest.raises(auth.AuthError) as refused:
        await auth.login("zhao.liu", "start-pass-9", datetime.now(UTC))
    assert refused.value.code == "bad_credentials"
    actions = [a.action for a in await AuditLog.filter(target="zhao.liu").order_by("id")]
    # The sign-in and the refused one after the deactivation are on the record too (#14).
    assert actions == ["staff.add", "staff.login", "staff.role", "staff.deactivate",
                       "staff.login_failed"]
    role_change = await AuditLog.get(action="staff.role")
    assert role_change.before == {"role": "registrar", "active": True}
    assert role_change.after == {"role": "editor", "active": True}


async def test_admin_cannot_demote_or_deactivate_themselves(console: ConsoleFactory) -> None:
    admin = await console("admin")
    me = await StaffUser.get(username=admin.username)
    r = await admin.post(f"/console/staff/{me.id}", {"action": "role", "role": "editor"})
    assert r.status_code == 409 and "另一位管理员" in r.text
    r = await admin.post(f"/console/staff/{me.id}", {"action": "deactivate"})
    assert r.status_code == 409  # refused at once, not after a confirm page
    r = await admin.post(f"/console/staff/{me.id}", {"action": "deactivate", "confirm": "1"})
    assert r.status_code == 409
    assert (await admin.post("/console/staff/999999", {"action": "deactivate"})).status_code == 404
    assert (await StaffUser.get(id=me.id)).role == "admin"


async def test_password_reset_ends_sessions_and_weak_ones_are_refused(console: ConsoleFactory) -> None:
    admin, editor = await console("admin"), await console("editor")
    target = await StaffUser.get(username=editor.username)
    r = await admin.post(f"/console/staff/{target.id}", {"action": "password", "password": "short"})
    assert r.status_code == 422 and "至少需要8位" in r.text
    assert await StaffSession.filter(user_id=target.id).exists()
    r = await admin.post(f"/console/staff/{target.id}", {"action": "password", "password": "brand-new-pass"})
    assert r.status_code == 302
    assert not await StaffSession.filter(user_id=target.id).exists()
    assert (await editor.get("/console/")).status_code == 302
    audit = await AuditLog.get(action="staff.password")
    assert "brand-new-pass" not in str(audit.after) and "brand-new-pass" not in str(audit.before)
    r = await admin.post("/console/staff/999999", {"action": "unlock"})
    assert r.status_code == 404


async def test_audit_log_filters(console: ConsoleFactory) -> None:
    admin = await console("admin")
    await AuditLog.create(actor="li.na", action="notice.publish", target="通知 12", after={"标题": "清明"})
    await AuditLog.create(actor="wang.wu", action="slot.open", target="marriage_registration")
    page = await admin.get("/console/audit", params={"actor": "li.na"})
    assert page.status_code == 200 and "发布通知" in page.text and "wang.wu" not in page.text
    assert "清明" in page.text  # readable, not \\u-escaped
    page = await admin.get("/console/audit", params={"action": "slot.", "from": "2000-01-01",
                                                     "to": "not-a-date", "page": "abc"})
    assert page.status_code == 200 and "marriage_registration" in page.text and "通知 12" not in page.text


async def test_audit_dates_are_shanghai_days(console: ConsoleFactory) -> None:
    admin = await console("admin")
    # 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai: it belongs to 2 March only.
    row = await AuditLog.create(actor="li.na", action="slot.close", target="早班号源")
    await AuditLog.filter(id=row.id).update(created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    on_2nd = await admin.get("/console/audit", params={"from": "2026-03-02", "to": "2026-03-02"})
    on_1st = await admin.get("/console/audit", params={"from": "2026-03-01", "to": "2026-03-01"})
    assert "早班号源" in on_2nd.text and "早班号源" not in on_1st.text
