"""The audit log and the accounts page read true (#14): Beijing time, actions in words, targets as
links, changes field by field, sign-ins on the record."""

from __future__ import annotations

import ast
import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sanic import Sanic

from content import audit_view, auth
from core import accounts, catalogue
from core.booking.staff import close_slot
from core.models import AuditLog, KbEntry, Notice, Slot, StaffUser
from core.notices import _VERB
from core.site_settings import SECTION_ROLES
from tests.content.conftest import ConsoleFactory, login
from tests.support.asgi import client as asgi_client

ROOT = Path(__file__).resolve().parents[2]
# f-string actions: the prefix and every value the code can put after it.
_EXPANSIONS = {"staff.": accounts.ACTIONS, "notice.": tuple(_VERB.values()),
               "settings.": tuple(SECTION_ROLES)}


def _recorded_actions() -> set[str]:
    """Every action string passed to ``audit.record(...)`` in core/ and content/."""
    found: set[str] = set()
    for path in [*ROOT.joinpath("core").rglob("*.py"), *ROOT.joinpath("content").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "record" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "audit" and len(node.args) >= 2):
                continue
            action = node.args[1]
            if isinstance(action, ast.JoinedStr):
                head = action.values[0]
                assert isinstance(head, ast.Constant) and head.value in _EXPANSIONS, \
                    f"{path}: an f-string action this test cannot expand: {ast.unparse(action)}"
                found |= {f"{head.value}{tail}" for tail in _EXPANSIONS[head.value]}
            else:
                literals = [n.value for n in ast.walk(action)
                            if isinstance(n, ast.Constant) and isinstance(n.value, str)]
                assert literals, f"{path}: an action this test cannot read: {ast.unparse(action)}"
                found |= set(literals)
    return found


def test_every_recorded_action_has_a_label() -> None:
    actions = _recorded_actions()
    # The scan finds the known ones, so an empty or partial scan cannot pass silently.
    assert {"slot.close", "booking.check_in", "staff.deactivate", "staff.unlock", "staff.lock",
            "staff.login", "staff.login_failed", "kb.deactivate", "settings.holidays"} <= actions
    missing = sorted(a for a in actions if not catalogue.has("staff", f"audit.{a}"))
    assert not missing, f"actions without a label in core/catalogue/staff.py: {missing}"
    assert audit_view.action_label("slot.close") == "关闭号源"
    assert audit_view.action_label("area.unknown") == "area.unknown"  # old rows stay readable


def test_changes_read_field_by_field_in_beijing_time() -> None:
    changes = audit_view.diff({"code": "K7Q2", "checked_in": False},
                              {"code": "K7Q2", "checked_in": True,
                               "checked_in_at": "2026-03-01T23:30:00+00:00"})
    shown = {c.label: (c.old, c.new, c.changed) for c in changes}
    assert shown["已签到"] == ("否", "是", True)
    assert shown["签到时间"] == (None, "2026-03-02 07:30", True)  # 23:30 UTC is 07:30 in Shanghai
    assert shown["预约码"] == ("K7Q2", "K7Q2", False)
    assert [c.changed for c in changes] == [True, True, False]  # what changed comes first
    roles = {c.label: (c.old, c.new) for c in audit_view.diff({"role": "registrar"}, {"role": "editor"})}
    assert roles == {"角色": ("登记员", "内容编辑")}


async def test_last_login_on_the_accounts_page_is_beijing_time(console: ConsoleFactory) -> None:
    admin = await console("admin")
    user = await auth.add_staff("night.owl", "editor", "night-owl-pass")
    await StaffUser.filter(id=user.id).update(last_login_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    page = await admin.get("/console/staff")
    row = page.text[page.text.index('id="staff-night.owl"'):]
    row = row[:row.index("</tr>")]
    assert "2026-03-02 07:30" in row and "23:30" not in row


async def test_audit_log_speaks_chinese_with_links(console: ConsoleFactory) -> None:
    admin = await console("admin")
    slot = await Slot.create(service="marriage_registration", capacity=10,
                             starts_at=datetime(2026, 12, 7, 1, 0, tzinfo=UTC),
                             ends_at=datetime(2026, 12, 7, 1, 30, tzinfo=UTC))
    await close_slot(slot.id, "设备检修", now=datetime(2026, 12, 1, 2, 0, tzinfo=UTC), actor="li.na")
    notice = await Notice.create(title="清明祭扫提示", status="draft")
    await AuditLog.create(actor="li.na", action="notice.publish", target=str(notice.id),
                          before={"status": "draft"}, after={"status": "published"})
    await KbEntry.create(id="marriage-materials", title="结婚登记材料", answer="…")
    await AuditLog.create(actor="wang.wu", action="kb.deactivate", target="marriage-materials",
                          before={"active": True}, after={"active": False})
    page = await admin.get("/console/audit")
    text = html.unescape(page.text)
    assert page.status_code == 200
    for words in ("关闭号源", "发布通知", "停用知识条目"):
        assert f">{words}</td>" in text
    assert f'<a href="/console/slots/{slot.id}">号源 2026-12-07 09:00 结婚登记</a>' in text
    assert f'<a href="/console/notices/{notice.id}">通知 清明祭扫提示</a>' in text, \
        text[text.index("<tbody"):]
    assert '<a href="/console/kb/marriage-materials">知识条目 结婚登记材料' in text
    assert "原因" in text and "设备检修" in text and "草稿" in text and "已发布" in text
    table = text[text.index("<table"):text.index("</table>")]
    assert '{"' not in table and "slot:" not in table  # no raw JSON, no raw keys
    # The action filter lists the words too.
    assert re.search(r'<option value="slot.close"\s*>关闭号源</option>', text)


async def test_actor_filter_matches_part_of_a_name(console: ConsoleFactory) -> None:
    admin = await console("admin")
    await AuditLog.create(actor="li.na", action="notice.publish", target="通知甲")
    await AuditLog.create(actor="wang.wu", action="notice.publish", target="通知乙")
    page = await admin.get("/console/audit", params={"actor": "LI"})
    assert "通知甲" in page.text and "通知乙" not in page.text


async def test_sign_ins_failures_and_unlocks_are_recorded(app: Sanic, console: ConsoleFactory) -> None:
    admin = await console("admin")
    assert await AuditLog.filter(action="staff.login", target=admin.username).exists()
    user = await auth.add_staff("zhou.min", "registrar", "zhou-min-pass")
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.AuthError):
            await auth.login("zhou.min", "wrong-guess-1", datetime.now(UTC))
    failures = await AuditLog.filter(action="staff.login_failed", target="zhou.min").order_by("id")
    assert [f.after for f in failures] == [{"attempts": n} for n in range(1, auth.MAX_FAILURES + 1)]
    assert await AuditLog.filter(action="staff.lock", target="zhou.min").exists()
    # A name that is no account is not kept: it is often a password typed in the wrong field.
    with pytest.raises(auth.AuthError):
        await auth.login("my-secret-pw", "whatever-1", datetime.now(UTC))
    unknown = await AuditLog.filter(action="staff.login_failed", target="").get()
    assert unknown.after == {"account_exists": False}
    for row in await AuditLog.all():
        assert "wrong-guess-1" not in f"{row.target}{row.before}{row.after}"
        assert "my-secret-pw" not in f"{row.actor}{row.target}{row.before}{row.after}"
    r = await admin.post(f"/console/staff/{user.id}", {"action": "unlock"})
    assert r.status_code == 302
    unlock = await AuditLog.get(action="staff.unlock", target="zhou.min")
    assert unlock.actor == admin.username and unlock.before["locked_until"] is not None
    assert unlock.after["locked_until"] is None
    async with asgi_client(app) as other:
        await login(other, "zhou.min", "zhou-min-pass")
    assert await AuditLog.filter(action="staff.login", target="zhou.min").count() == 1
    page = html.unescape((await admin.get("/console/audit", params={"target": "zhou"})).text)
    for words in ("登录失败", "账号锁定", "解锁账号", "登录"):
        assert f">{words}</td>" in page
    assert '<a href="/console/staff#staff-zhou.min">账号 zhou.min</a>' in page
