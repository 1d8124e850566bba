"""#16: the year's standards the 政策找人 self-check quotes are staff settings, dated by year,
edited on the settings page by editors, audited, and quoted to residents only for the current
year."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from core import tz
from core.models import AuditLog, Setting
from tests.content.conftest import ConsoleFactory

QUESTIONS = "/api/v1/policy-check/questions"


async def _income_labels(client: httpx.AsyncClient) -> list[str]:
    questions = (await client.get(QUESTIONS)).json()["questions"]
    return [o["label"] for o in next(q for q in questions if q["id"] == "income")["options"]]


async def test_an_editor_sets_this_year_s_standard_and_residents_see_it(
        console: ConsoleFactory, client: httpx.AsyncClient) -> None:
    year = tz.local_day(datetime.now(UTC)).year
    editor = await console("editor")
    assert "以当年公布标准为准" in " ".join(await _income_labels(client))
    page = await editor.get("/console/settings")
    assert "政策找人标准" in page.text and 'name="policy_dibao"' in page.text
    r = await editor.post("/console/settings", {"section": "policy", "policy_year": str(year),
                                                 "policy_dibao": "1,234", "policy_dibao_assets": ""})
    assert r.status_code == 302
    assert (await Setting.get(key="policy_standards")).value == {"year": year, "dibao": 1234}
    audit = await AuditLog.get(action="settings.policy")
    assert audit.actor == editor.username and audit.after == {"year": year, "dibao": 1234}
    assert f"低于本市低保标准（{year}年每人每月1234元）" in await _income_labels(client)

    await editor.post("/console/settings", {"section": "policy", "policy_year": str(year - 1),
                                            "policy_dibao": "1234"})
    labels = " ".join(await _income_labels(client))
    assert "1234" not in labels and "以当年公布标准为准" in labels  # last year's is not quoted


async def test_bad_numbers_and_amounts_without_a_year_are_refused(console: ConsoleFactory) -> None:
    editor = await console("editor")
    r = await editor.post("/console/settings", {"section": "policy", "policy_year": "2026",
                                                 "policy_dibao": "一千五"})
    assert r.status_code == 422 and "一千五" in r.text and "整数元" in r.text
    r = await editor.post("/console/settings", {"section": "policy", "policy_dibao": "1500"})
    assert r.status_code == 422 and "年份" in r.text
    r = await editor.post("/console/settings", {"section": "policy", "policy_year": "26"})
    assert r.status_code == 422
    assert not await Setting.filter(key="policy_standards").exists()


async def test_registrars_may_not_change_the_standards(console: ConsoleFactory) -> None:
    registrar = await console("registrar")
    r = await registrar.post("/console/settings", {"section": "policy", "policy_year": "2026"})
    assert r.status_code == 403
    page = await registrar.get("/console/settings")
    assert "政策找人标准" in page.text and 'name="policy_dibao"' not in page.text


async def test_the_settings_page_shows_the_standards_once_in_its_body(console: ConsoleFactory) -> None:
    # A merge once put the standards section inside the page's <title>.
    editor = await console("editor")
    page = (await editor.get("/console/settings")).text
    assert "<title>设置 · 宝山民政 工作台</title>" in page
    assert page.count('id="policy"') == 1 and page.index('id="policy"') > page.index("<h1>设置</h1>")
