"""Every code the console's services raise and every text its pages ask for has a wording in the
staff catalogue; the console presents a DomainError as one page, with the status table's status."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import httpx
import pytest
from sanic import Sanic

from content.blueprint import status_for
from core import catalogue
from core.notices import ACTIONS
from tests.content.conftest import Console

ROOT = Path(__file__).resolve().parents[2]
# The console's own modules and the services they call (the booking pages have their own test).
BOOKING_PAGES = {"bookings.py", "bookings_common.py", "checkin.py", "exports.py"}
# The public pages and their JSON are read by residents (tests/core/test_catalogue.py checks them).
PUBLIC = {"public.py"}
SOURCES = [p for p in (ROOT / "content").glob("*.py") if p.name not in BOOKING_PAGES | PUBLIC] + [
    ROOT / "core" / name for name in ("accounts.py", "notices.py", "charity.py",
                                      "site_settings.py", "kb.py", "kb_curation.py",
                                      "referral_desk.py")]
# Not staff text: Python's own errors, and the public JSON API's (residents' catalogue).
NOT_STAFF = {"ValueError", "RuntimeError", "TypeError"}


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) \
        else ""


def _codes(node: ast.Call, *, expand: bool = False) -> list[str]:
    arg = node.args[0] if node.args else None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if expand and isinstance(arg, ast.JoinedStr):  # notice_cannot_{action}: one per action
        prefix = "".join(v.value for v in arg.values if isinstance(v, ast.Constant))
        return [prefix + action for action in ACTIONS]
    return []


def used_codes() -> dict[str, set[str]]:
    """{"error": codes raised or shown, "done": ?done= codes} found in the console's sources."""
    found: dict[str, set[str]] = {"error": set(), "done": set()}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name == "done_redirect" and len(node.args) == 2:
                found["done"].update(_codes(ast.Call(node.func, node.args[1:], [])))
            elif name == "say" or (name == "error_page" and len(node.args) >= 3):
                args = node.args if name == "say" else node.args[2:]
                found["error"].update(_codes(ast.Call(node.func, args, [])))
            elif name.endswith("Error") and name not in NOT_STAFF:
                found["error"].update(_codes(node, expand=True))
    return found


def test_every_code_the_console_raises_or_shows_has_a_staff_text() -> None:
    found = used_codes()
    assert len(found["error"]) > 40 and len(found["done"]) > 5  # the scan sees the sources
    missing = sorted(c for c in found["error"] if not catalogue.has("staff", c))
    assert not missing
    done = {"notice_saved", "notice_drafted", "notice_scheduled", "notice_published",
            "notice_archived", "kb_activated", "kb_deactivated"}  # chosen, not spelled at the call
    missing_done = sorted(c for c in found["done"] | done if not catalogue.has("staff", f"done.{c}"))
    assert not missing_done


@pytest.mark.parametrize(("code", "status"), [
    ("bad_credentials", 401), ("forbidden", 403), ("csrf", 403), ("login_rate_limited", 429),
    ("notice_not_found", 404), ("kb_group_missing", 404), ("notice_cannot_archive", 409),
    ("notice_conflict", 409), ("kb_conflict", 409), ("staff_self", 409),
    ("staff_bad_action", 400), ("settings_bad_section", 400), ("notice_title_required", 422),
    ("settings_contact_bad_char", 422), ("notice_schedule_missing", 422),
])
def test_the_console_status_table(code: str, status: int) -> None:
    assert status_for(code) == status


async def test_a_refusal_no_page_shows_inline_is_the_console_error_page(
        app: Sanic, console: Any) -> None:
    c: Console = await console("editor")
    for path, text in (("/console/notices/999999", "找不到该通知"),
                       ("/console/charity/999999", "找不到该慈善周活动"),
                       ("/console/kb/no-such-entry", "找不到该知识条目")):
        r: httpx.Response = await c.get(path)
        assert r.status_code == 404 and text in r.text and "无法继续" in r.text
        assert "/console/notices" in r.text  # the signed-in nav stays
