"""The registration counter (issue #14): identity check by role with every view audited, finding a
booking by code, phone or name, the booking's page (history, staff cancel reaching the resident),
the day's list with its bulk no-show after the slot ends, the waiting list, and exports across
services with the admin-only unmasked option. Residents book through the mini-program API (a fake
WeChat at the HTTP edge); the console and the API share one fixed clock."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest
from sanic import Sanic

from core.booking.reminders import send_due
from core.booking.rules import SHANGHAI
from core.booking.slots import open_slot
from core.models import AuditLog, Booking, BookingLookup, Notification, Slot
from tests.content.conftest import ConsoleFactory
from tests.miniapp_api.conftest import couple, login, make_id, wechat  # noqa: F401 - fixtures

API = "/api/v1/miniapp"
MONDAY = date(2026, 5, 18)
NOW = datetime.combine(MONDAY, time(8, 0), SHANGHAI)
WED = MONDAY + timedelta(days=2)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock(app: Sanic) -> Clock:
    app.ctx.clock = Clock()
    return app.ctx.clock


async def _slot(service: str = "marriage_registration", capacity: int = 5, *, day: date = WED,
                hour: int = 9) -> Slot:
    starts = datetime.combine(day, time(hour), SHANGHAI)
    return await open_slot(service, starts, starts + timedelta(hours=1), capacity)


async def _couple(client: httpx.AsyncClient, login, slot: Slot, who: str, seq: int = 1,  # noqa: F811
                  **over: object) -> dict:
    r = await client.post(f"{API}/bookings", json=couple(slot.id, seq, **over), headers=await login(who))
    assert r.status_code == 201, r.text
    return r.json()


async def _views() -> list[AuditLog]:
    return list(await AuditLog.filter(action="booking.identity_view").order_by("id"))


async def test_registrar_sees_full_names_and_last_four_editor_does_not(
        client: httpx.AsyncClient, login, console: ConsoleFactory, clock: Clock) -> None:  # noqa: F811
    slot = await _slot()
    made = await _couple(client, login, slot, "a")
    a_id, b_id = make_id("19900101", male=True, seq=1), make_id("19920202", male=False, seq=1)
    clock.now = datetime.combine(WED, time(8, 30), SHANGHAI)
    registrar = await console("registrar")
    r = await registrar.post("/console/checkin", data={"code": made["code"]})
    assert r.status_code == 200 and "签到成功" in r.text
    assert "张三 / 李四" in r.text and f"{a_id[-4:]} / {b_id[-4:]}" in r.text
    assert a_id not in r.text and b_id not in r.text and "13800000014" not in r.text
    views = await _views()
    assert len(views) == 1 and views[0].actor == registrar.username
    assert views[0].after["page"] == "签到" and views[0].after["bookings"] == [made["id"]]
    day = await registrar.get(f"/console/day?date={WED.isoformat()}")
    assert day.status_code == 200 and "张三 / 李四" in day.text and a_id[-4:] in day.text
    views = await _views()
    assert len(views) == 2 and views[1].after == {"page": "每日名单", "bookings": [made["id"]], "count": 1}
    assert views[1].target == "每日名单 2026-05-20"
    # The audit log names bookings, never what was shown.
    stored = json.dumps([v.after for v in views], ensure_ascii=False)
    assert "张三" not in stored and a_id[-4:] not in stored
    admin = await console("admin")
    assert "张三 / 李四" in (await admin.get(f"/console/bookings/{made['id']}")).text
    assert (await _views())[-1].target == f"booking:{made['id']}"
    editor = await console("editor")
    for path in ("/console/day", "/console/bookings/find?q=张三", f"/console/bookings/{made['id']}"):
        page = await editor.get(path)
        assert page.status_code == 403 and "张三" not in page.text, path
    assert all(v.actor != editor.username for v in await _views())


def test_other_roles_keep_the_masked_copy() -> None:
    from core.booking.identity import identity_of, may_reveal

    personal = {"party_a": {"name": "张三", "id_number": "310113199001010011"},
                "party_b": {"name": "李四", "id_number": "31011319920202002X"}, "phone": "13800000014"}
    masked = {"party_a": {"name": "张*"}, "party_b": {"name": "李*"}, "phone": "138****0014"}
    assert not may_reveal("editor") and may_reveal("registrar") and may_reveal("admin")
    shown = identity_of(personal, masked, reveal=may_reveal("editor"))
    assert (shown.names, shown.id_last4, shown.revealed) == ("张* / 李*", "", False)
    full = identity_of(personal, masked, reveal=True)
    assert (full.names, full.id_last4, full.phone) == ("张三 / 李四", "0011 / 002X", "138****0014")
    # A booker with companions (tomb sweeping): everyone who will come to the gate.
    party = {"name": "陈七", "id_number": "310113199001010011", "phone": "13900000000",
             "companions": [{"name": "周八", "id_number": "310113199203030022"}]}
    shown = identity_of(party, {"name": "陈*", "phone": "139****0000"}, reveal=True)
    assert (shown.names, shown.id_last4) == ("陈七 / 周八", "0011 / 0022")


async def test_find_by_code_phone_or_name_across_slots(
        client: httpx.AsyncClient, login, console: ConsoleFactory, clock: Clock) -> None:  # noqa: F811
    first = await _slot()
    second = await _slot(day=WED + timedelta(days=1))
    one = await _couple(client, login, first, "a")
    other = await _couple(client, login, second, "b", seq=2, phone="13911112222",
                          party_a={"name": "王五", "id_number": make_id("19880303", male=True, seq=7)})
    # Hashes only: neither the phone nor the name is stored readable for the search.
    keys = [k for k in await BookingLookup.filter(booking_id=one["id"]).values_list("key", flat=True)]
    assert len(keys) == 3 and not any("1380000" in str(k) or "张" in str(k) for k in keys)
    c = await console("registrar")
    by_code = await c.get("/console/bookings/find", params={"q": one["code"].lower()})
    assert f'/console/bookings/{one["id"]}"' in by_code.text and "按预约码找到 1 条" in by_code.text
    by_phone = await c.get("/console/bookings/find", params={"q": "+86 139-1111-2222"})
    assert f'/console/bookings/{other["id"]}"' in by_phone.text
    assert f'/console/bookings/{one["id"]}"' not in by_phone.text
    by_name = await c.get("/console/bookings/find", params={"q": " 李 四 "})  # both couples
    assert "按姓名找到 2 条" in by_name.text
    assert by_name.text.index(f'/console/bookings/{other["id"]}"') < \
        by_name.text.index(f'/console/bookings/{one["id"]}"')  # the later slot first
    assert "王五 / 李四" in by_name.text
    none = await c.get("/console/bookings/find", params={"q": "张"})  # a partial name: no match
    assert "没有找到匹配的预约" in none.text
    views = await _views()
    assert [v.after["page"] for v in views] == ["查找预约"] * 3
    assert not any("李" in v.target or "139" in v.target for v in views)  # never the query
    assert sorted(views[-1].after["bookings"]) == sorted([one["id"], other["id"]])


async def test_staff_cancel_confirms_and_reaches_the_resident(
        app: Sanic, client: httpx.AsyncClient, login, wechat, console: ConsoleFactory,  # noqa: F811
        clock: Clock) -> None:
    slot = await _slot(capacity=1)
    auth = await login("c")
    assert (await client.post(f"{API}/subscriptions", json={"template_id": "TPL_c"},
                              headers=auth)).status_code == 201
    made = (await client.post(f"{API}/bookings", json=couple(slot.id), headers=auth)).json()
    waiting = await client.post(f"{API}/waitlist", json=couple(slot.id, 3), headers=await login("w"))
    assert waiting.status_code == 201, waiting.text
    c = await console("registrar")
    page = await c.get(f"/console/bookings/{made['id']}")
    assert 'id="cancel-form"' in page.text and "候补" not in page.text
    empty = await c.post(f"/console/bookings/{made['id']}/cancel", data={"reason": "  "})
    assert empty.status_code == 422 and "请填写取消原因" in empty.text
    confirm = await c.post(f"/console/bookings/{made['id']}/cancel", data={"reason": "材料不全"})
    assert confirm.status_code == 200 and "确认取消预约" in confirm.text and "材料不全" in confirm.text
    assert (await Booking.get(id=made["id"])).status == "confirmed"  # nothing happened yet
    done = await c.post(f"/console/bookings/{made['id']}/cancel",
                        data={"reason": "材料不全", "confirm": "1"})
    assert done.status_code == 302 and done.headers["location"].endswith("done=booking_staff_cancelled")
    booking = await Booking.get(id=made["id"])
    assert (booking.status, booking.cancel_reason) == ("cancelled", "材料不全")
    note = await Notification.get(booking_id=made["id"], kind="staff_cancel")
    assert (note.status, note.detail) == ("pending", "材料不全")
    assert await Notification.filter(booking_id=made["id"], kind="reminder", status="pending").count() == 0
    # The freed place went to the waiting list.
    assert (await Slot.get(id=slot.id)).booked == 1
    mine = (await client.get(f"{API}/bookings", headers=auth)).json()["bookings"]
    view = next(b for b in mine if b["id"] == made["id"])
    assert view["cancel_reason"] == "材料不全" and view["cancel_notice"] == "工作人员已取消您的预约：材料不全"
    assert await send_due(app.ctx.wechat, clock()) >= 1
    sent = [m for m in wechat.sent if m["data"]["character_string3"]["value"] == made["code"]]
    assert sent and sent[0]["data"]["thing4"]["value"] == "工作人员已取消您的预约：材料不全"
    detail = await c.get(f"/console/bookings/{made['id']}")
    assert "工作人员取消" in detail.text and "材料不全" in detail.text
    assert 'id="cancel-form"' not in detail.text
    again = await c.post(f"/console/bookings/{made['id']}/cancel", data={"reason": "x", "confirm": "1"})
    assert again.status_code == 409 and "已取消" in again.text
    audit = await AuditLog.get(action="booking.staff_cancel")
    assert audit.target == f"booking:{made['id']}" and audit.after["reason"] == "材料不全"


async def test_day_list_checks_in_and_marks_absentees_only_after_the_end(
        client: httpx.AsyncClient, login, console: ConsoleFactory, clock: Clock) -> None:  # noqa: F811
    slot = await _slot(capacity=2)
    present = await _couple(client, login, slot, "p")
    absent = await _couple(client, login, slot, "q", seq=2)
    waiting = await client.post(f"{API}/waitlist", json=couple(slot.id, 3,
                                party_a={"name": "赵六", "id_number": make_id("19870404", seq=9)}),
                                headers=await login("r"))
    assert waiting.status_code == 201
    clock.now = datetime.combine(WED, time(9, 10), SHANGHAI)
    c = await console("registrar")
    day = await c.get("/console/day")  # today, Beijing time
    assert day.status_code == 200 and "2026-05-20 周三" in day.text
    assert day.text.count('class="checkin-button"') == 2
    assert "候补名单（1 人候补中）" in day.text and "第1位" in day.text and "赵六 / 李四" in day.text
    assert 'action="/console/day/no-show/' not in day.text  # the slot has not ended
    assert (await _views())[-1].after["waitlist"] == [waiting.json()["id"]]
    r = await c.post("/console/day/checkin", data={"code": present["code"], "date": WED.isoformat()})
    assert r.status_code == 302 and r.headers["location"] == \
        f"/console/day?date=2026-05-20&done=checkin_done#b{present['id']}"
    early = await c.post(f"/console/day/no-show/{slot.id}", data={"confirm": "1"})
    assert early.status_code == 409 and "尚未结束" in early.text
    assert (await Booking.get(id=absent["id"])).no_show_at is None
    clock.now = datetime.combine(WED, time(10, 5), SHANGHAI)
    day = await c.get("/console/day?date=2026-05-20")
    assert f'action="/console/day/no-show/{slot.id}"' in day.text and "未签到的 1 人标记爽约" in day.text
    confirm = await c.post(f"/console/day/no-show/{slot.id}")
    assert confirm.status_code == 200 and "1 条未签到的预约将标记为爽约" in confirm.text
    assert (await Booking.get(id=absent["id"])).no_show_at is None
    done = await c.post(f"/console/day/no-show/{slot.id}", data={"confirm": "1"})
    assert done.status_code == 302 and done.headers["location"].endswith("done=day_no_show_all")
    assert (await Booking.get(id=absent["id"])).no_show_at is not None
    assert (await Booking.get(id=present["id"])).no_show_at is None
    audit = await AuditLog.get(action="booking.no_show_all")
    assert audit.target == f"slot:{slot.id}" and audit.after["bookings"] == [absent["id"]]
    sheet = await c.get(f"/console/day?date=2026-05-20&slot={slot.id}")
    assert "09:00-10:00 结婚登记" in sheet.text and 'href="/console/static/counter.css"' in sheet.text
    history = await c.get(f"/console/bookings/{present['id']}")
    assert "签到" in history.text and c.username in history.text
    bad = await c.get("/console/day?date=2026-13-01")
    assert bad.status_code == 422 and "格式不对" in bad.text


async def test_print_stylesheet_hides_navigation_and_forms() -> None:
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "content/static/counter.css").read_text()
    printed = css[css.index("@media print"):]
    for selector in ("header.top", "nav.menu", "form", "button"):
        assert selector in printed.split("{", 2)[1]  # the print block's first rule: display: none
    assert "display: none !important" in printed.split("}", 1)[0]


async def test_exports_across_services_masked_unless_an_admin_asks(
        client: httpx.AsyncClient, login, console: ConsoleFactory, clock: Clock) -> None:  # noqa: F811
    marriage = await _slot()
    charity = await _slot("charity_event", 10, day=WED + timedelta(days=1), hour=15)
    made = await _couple(client, login, marriage, "a")
    r = await client.post(f"{API}/bookings", headers=await login("b"), json={
        "slot_id": charity.id, "name": "陈七", "phone": "13900000000", "party_size": 2})
    assert r.status_code == 201
    params = {"service": "", "from": "2026-05-20", "to": "2026-05-21", "format": "csv"}
    registrar = await console("registrar")
    masked = await registrar.get("/console/bookings/export", params=params)
    rows = list(csv.reader(io.StringIO(masked.content.decode("utf-8-sig"))))
    assert masked.status_code == 200 and len(rows) == 3
    assert rows[1][4] == "张* / 李*" and rows[2][4] == "陈*" and "张三" not in masked.text
    refused = await registrar.get("/console/bookings/export", params={**params, "unmasked": "1"})
    assert refused.status_code == 403 and "只有管理员" in refused.text
    admin = await console("admin")
    full = await admin.get("/console/bookings/export", params={**params, "unmasked": "1"})
    rows = list(csv.reader(io.StringIO(full.content.decode("utf-8-sig"))))
    assert rows[0][4:7] == ["姓名", "手机", "证件后四位"]
    last4 = f"{make_id('19900101', seq=1)[-4:]} / {make_id('19920202', male=False, seq=1)[-4:]}"
    assert rows[1][4:7] == ["张三 / 李四", "13800000014", last4]
    assert rows[2][4:7] == ["陈七", "13900000000", ""] and made["code"] == rows[1][0]
    assert make_id("19900101", seq=1) not in full.text  # never a whole ID number
    audits = await AuditLog.filter(action="booking.export").order_by("id")
    assert [(a.actor, a.after["unmasked"], a.after["service"]) for a in audits] == [
        (registrar.username, False, "全部服务"), (admin.username, True, "全部服务")]


async def test_booking_history_shows_booked_moved_and_checked_in(
        client: httpx.AsyncClient, login, console: ConsoleFactory, clock: Clock) -> None:  # noqa: F811
    first = await _slot()
    later = await _slot(day=WED, hour=14)
    auth = await login("h")
    made = (await client.post(f"{API}/bookings", json=couple(first.id), headers=auth)).json()
    clock.now = NOW + timedelta(minutes=30)
    moved = await client.post(f"{API}/bookings/{made['id']}/reschedule", json={"slot_id": later.id},
                              headers=auth)
    assert moved.status_code == 200, moved.text
    clock.now = datetime.combine(WED, time(13, 50), SHANGHAI)
    c = await console("registrar")
    done = await c.post(f"/console/bookings/{made['id']}/act", data={"action": "checkin"})
    assert done.status_code == 302 and done.headers["location"].endswith("done=checkin_done")
    page = await c.get(done.headers["location"])
    history = page.text[page.text.index('id="booking-history"'):]
    # Stamped when they were recorded (the database's clock, not the test's), oldest first.
    steps = ["<strong>预约</strong>", "<strong>改约</strong>", "<strong>签到</strong>"]
    assert all(s in history for s in steps), history
    assert [history.index(s) for s in steps] == sorted(history.index(s) for s in steps)
    assert "2026-05-20 09:00 → 2026-05-20 14:00" in history and "已签到" in page.text
    refused = await c.post(f"/console/bookings/{made['id']}/act", data={"action": "checkin"})
    assert refused.status_code == 409 and "请勿重复签到" in refused.text
    # The audit log names the identity views in words, linking the booking.
    admin = await console("admin")
    log = await admin.get("/console/audit")
    assert "查看实名信息" in log.text and f"预约 {made['code']}" in log.text
