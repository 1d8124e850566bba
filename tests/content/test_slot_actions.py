"""The console's slot editing and bulk actions over HTTP (roles, CSRF, errors next to their field,
post/redirect/get, the confirm step); the rules themselves are tested in
tests/core/test_slot_editing.py and the pages in tests/content/browser/test_slots.py."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from core.booking.rules import SHANGHAI
from core.booking.slots import open_slot
from core.models import AuditLog, Slot
from tests.content.conftest import ConsoleFactory

DAY = date.today() + timedelta(days=20)


async def _slot(hour: int = 9, service: str = "collective_ceremony") -> Slot:
    starts = datetime.combine(DAY, time(hour), SHANGHAI)
    return await open_slot(service, starts, starts + timedelta(hours=1), 10)


def _form(**change: str) -> dict[str, str]:
    return {"title": "", "theme": "", "place": "", "day": DAY.isoformat(), "start": "09:00",
            "end": "10:00", **change}


async def test_only_registrars_and_admins_edit_or_act_in_bulk(console: ConsoleFactory) -> None:
    slot = await _slot()
    editor = await console("editor")
    for path in (f"/console/slots/{slot.id}/edit", "/console/slots/bulk-close",
                 "/console/slots/bulk-capacity"):
        r = await editor.post(path, data={"slot_id": str(slot.id), "reason": "x", "confirm": "1"})
        assert r.status_code == 403, path
    registrar = await console("registrar")
    forged = await registrar.client.post(f"/console/slots/{slot.id}/edit", data={"csrf": "x", **_form()})
    assert forged.status_code == 403
    assert (await Slot.get(id=slot.id)).closed_at is None and not await AuditLog.exists(action="slot.edit")


async def test_edit_errors_show_next_to_their_field_and_keep_what_was_typed(console: ConsoleFactory) -> None:
    slot = await _slot()
    c = await console("registrar")
    r = await c.post(f"/console/slots/{slot.id}/edit", data=_form(start="9点", title="七夕专场"))
    assert r.status_code == 422 and 'id="error-start"' in r.text and "时间“9点”格式不对" in r.text
    assert 'value="七夕专场"' in r.text and "请修改下面标出的内容" in r.text
    r = await c.post(f"/console/slots/{slot.id}/edit", data=_form(end="08:00"))
    assert r.status_code == 422 and re.search(r'id="error-end">结束时间应晚于开始时间', r.text)
    ok = await c.post(f"/console/slots/{slot.id}/edit", data=_form(title="七夕专场", theme="七夕"))
    assert ok.status_code == 302 and ok.headers["location"] == f"/console/slots/{slot.id}?done=slot_edited"
    page = await c.get(ok.headers["location"])
    assert "号源已修改" in page.text and "七夕专场" in page.text
    assert (await AuditLog.get(action="slot.edit")).after == {
        "theme": "七夕", "title": "七夕专场"}


async def test_bulk_close_asks_first_and_redirects_after_closing(console: ConsoleFactory) -> None:
    first, second = await _slot(9), await _slot(10)
    c = await console("registrar")
    data = {"slot_id": [str(first.id), str(second.id)], "reason": "场地调整",
            "service": "", "from": DAY.isoformat(), "to": DAY.isoformat()}
    ask = await c.post("/console/slots/bulk-close", data=data)
    assert ask.status_code == 200 and "关闭所选 2 个号源：0 位群众" in ask.text
    assert await Slot.filter(closed_at__isnull=False).count() == 0
    missing = await c.post("/console/slots/bulk-close", data={**data, "reason": ""})
    assert missing.status_code == 422 and 'id="error-selection_reason"' in missing.text
    none = await c.post("/console/slots/bulk-close", data={"reason": "x", "from": DAY.isoformat(),
                                                           "to": DAY.isoformat(), "service": ""})
    assert none.status_code == 422 and "请先在列表中勾选" in none.text
    done = await c.post("/console/slots/bulk-close", data={**data, "confirm": "1"})
    assert done.status_code == 303 and "done=slots_closed" in done.headers["location"]
    page = await c.get(done.headers["location"])
    assert "已关闭 2 个号源，0 位群众的预约已改为已关闭" in page.text
    assert await AuditLog.filter(action="slot.close").count() == 2


async def test_bulk_capacity_redirects_with_its_counts(console: ConsoleFactory) -> None:
    first, second = await _slot(9), await _slot(10)
    c = await console("registrar")
    data = {"slot_id": [str(first.id), str(second.id)], "service": "collective_ceremony",
            "from": DAY.isoformat(), "to": DAY.isoformat()}
    bad = await c.post("/console/slots/bulk-capacity", data={**data, "capacity": "0"})
    assert bad.status_code == 422 and 'id="error-selection_capacity"' in bad.text
    r = await c.post("/console/slots/bulk-capacity", data={**data, "capacity": "25"})
    assert r.status_code == 303
    page = await c.get(r.headers["location"])
    assert "已将 2 个号源的名额改为 25，候补递补 0 人" in page.text
    assert "已将 个号源" not in page.text  # the count-less flash is not shown as well
    assert [s.capacity for s in await Slot.all()] == [25, 25]
