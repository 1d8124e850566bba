"""The registrar's console pages for slots, bookings, check-in, no-shows and exports, with the
mini-program API on the other side (a fake WeChat at the HTTP edge) and a fixed clock."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import unquote

import httpx
import openpyxl
import pytest
from sanic import Sanic

from core.booking import codes
from core.booking.fullness import FullSlots
from core.booking.rules import SHANGHAI
from core.booking.slots import open_slot
from core.crypto import FieldCipher
from core.models import AuditLog, Booking, MiniappUser, Setting, Slot
from tests.content.conftest import ConsoleFactory
from tests.miniapp_api.conftest import couple, login, make_id, wechat  # noqa: F401 - fixtures

API = "/api/v1/miniapp"
MONDAY = date(2026, 5, 18)
NOW = datetime.combine(MONDAY, time(8, 0), SHANGHAI)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)  # as datetime.now(UTC) would give


@pytest.fixture
def clock(app: Sanic) -> Clock:
    """Injected the way the mini-program API reads time (app.ctx.clock); the console uses it too."""
    app.ctx.clock = Clock()
    return app.ctx.clock


async def _slot(service: str = "charity_event", capacity: int = 10, *, day: date = MONDAY,
                hour: int = 15) -> Slot:
    starts = datetime.combine(day, time(hour), SHANGHAI)
    return await open_slot(service, starts, starts + timedelta(hours=1), capacity)


def _charity(slot_id: int, name: str = "陈七") -> dict:
    return {"slot_id": slot_id, "name": name, "phone": "13900000000", "party_size": 2}


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


async def test_registrar_and_admin_may_enter_editors_may_not(console: ConsoleFactory, clock: Clock) -> None:
    slot = await _slot()
    gets = ["/console/slots", f"/console/slots/{slot.id}", "/console/checkin",
            f"/console/slots/{slot.id}/export", "/console/bookings/export?service=charity_event"
            "&from=2026-05-18&to=2026-05-18"]
    posts = ["/console/slots/bulk", f"/console/slots/{slot.id}/capacity", f"/console/slots/{slot.id}/close",
             "/console/bookings/1/no-show", "/console/checkin"]
    editor = await console("editor")
    for path in gets:
        assert (await editor.get(path)).status_code == 403, path
    for path in posts:
        r = await editor.post(path, data={})
        assert r.status_code == 403 and "没有权限" in r.text, path
    for role in ("registrar", "admin"):
        c = await console(role)
        for path in gets:
            assert (await c.get(path)).status_code == 200, (role, path)
    registrar = await console("registrar")
    forged = await registrar.client.post("/console/slots/bulk", data={"csrf": "forged"})
    assert forged.status_code == 403 and "页面已过期" in forged.text


async def test_bulk_open_reports_what_it_skipped_and_is_audited(console: ConsoleFactory,
                                                                clock: Clock) -> None:
    await Setting.create(key="holidays", value={"dates": ["2026-05-20", "not-a-date"]})
    await _slot("marriage_registration", day=date(2026, 5, 21), hour=9)
    clock.now = NOW + timedelta(hours=1, minutes=30)  # 09:30: today's 09:00 window has begun
    c = await console("registrar")
    form = {"service": "marriage_registration", "first_day": "2026-05-18", "last_day": "2026-05-31",
            "windows": "09:00-10:00，14:00 - 15:00", "capacity": "6", "skip_weekends": "1",
            "skip_holidays": "1", "opens_at": "2026-05-10T09:00"}
    preview = await c.post("/console/slots/bulk", data=form)  # the form's POST only previews
    assert preview.status_code == 200
    assert "将开放 16 个号源（每个 6 个名额），跳过周末 4 天、节假日 1 天、重复 1 个" in preview.text
    assert "2026-05-19 周二" in preview.text and "09:00-10:00、14:00-15:00" in preview.text
    assert await Slot.filter(capacity=6).count() == 0
    assert not await AuditLog.filter(action="slot.bulk_open").exists()
    form["confirm"] = "1"
    created = await c.post("/console/slots/bulk", data=form)
    assert created.status_code == 303  # post/redirect/get: a refresh posts nothing
    r = await c.get(created.headers["location"])
    assert r.status_code == 200, r.text
    assert "已开放 16 个号源，跳过周末 4 天、节假日 1 天、重复 1 个。" in r.text
    assert "另有 1 个今天已过开始时间的时段未开放。" in r.text
    opened = await Slot.filter(service="marriage_registration", capacity=6).order_by("starts_at")
    assert len(opened) == 16 and opened[0].title == "结婚登记"
    assert opened[0].opens_at == datetime(2026, 5, 10, 9, 0, tzinfo=SHANGHAI)
    assert "结婚登记" in r.text and "2026-05-19 周二" in r.text and "开放" in r.text
    row = await AuditLog.get(action="slot.bulk_open")
    assert row.actor == c.username and row.after["opened"] == 16 and row.after["duplicates"] == 1
    again = await c.get((await c.post("/console/slots/bulk", data=form)).headers["location"])
    assert "已开放 0 个号源，跳过周末 4 天、节假日 1 天、重复 17 个。" in again.text
    # Weekends kept when the box is unticked (an unticked checkbox is simply not posted).
    weekends = {**form, "first_day": "2026-05-23", "last_day": "2026-05-24", "windows": "10:00-11:00"}
    del weekends["skip_weekends"]
    r = await c.get((await c.post("/console/slots/bulk", data=weekends)).headers["location"])
    assert "已开放 2 个号源，跳过周末 0 天" in r.text


@pytest.mark.parametrize(("change", "says"), [
    ({"windows": "09:00-10:00, 9点到10点"}, "时间段“9点-10点”格式不正确"),
    ({"windows": "09:00-10:00, 09:30-10:30"}, "“09:00-10:00”与“09:30-10:30”重叠"),
    ({"windows": "10:00-09:00"}, "结束时间应晚于开始时间"),
    ({"last_day": "2026-05-17"}, "结束日期不能早于开始日期"),
    ({"last_day": "2026-09-30"}, "一次最多开放 92 天"),
    ({"first_day": "2026-05-01"}, "开始日期不能早于今天"),
    ({"first_day": "2026-02-30"}, "日期“2026-02-30”格式不对"),
    ({"capacity": "abc"}, "“名额”应为整数"),
    ({"capacity": "0"}, "名额应为 1 至 100000"),
    ({"service": "nope"}, "请选择有效的预约服务"),
    ({"opens_at": "tomorrow"}, "开放预约时间“tomorrow”格式不对"),
])
async def test_bad_bulk_input_is_a_chinese_4xx_and_writes_nothing(
        console: ConsoleFactory, clock: Clock, change: dict, says: str) -> None:
    c = await console("registrar")
    form = {"service": "charity_event", "first_day": "2026-05-18", "last_day": "2026-05-22",
            "windows": "09:00-10:00", "capacity": "5", "skip_weekends": "1", **change}
    r = await c.post("/console/slots/bulk", data=form)
    assert r.status_code == 422, r.text
    assert says in _text(r.text)
    assert form["windows"] in r.text  # the form keeps what was typed
    assert await Slot.all().count() == 0


async def test_slot_page_lists_masked_bookings_and_changes_capacity(
        app: Sanic, client: httpx.AsyncClient, login, console: ConsoleFactory, clock: Clock) -> None:  # noqa: F811
    # A worker memory of full slots that would outlast the test: only forgetting can clear it.
    app.ctx.full_slots = FullSlots(ttl=3600)
    slot = await _slot("marriage_registration", 3, day=MONDAY + timedelta(days=2))
    body = couple(slot.id)
    made = await client.post(f"{API}/bookings", json=body, headers=await login("u1"))
    assert made.status_code == 201, made.text
    c = await console("registrar")
    page = await c.get(f"/console/slots/{slot.id}")
    assert page.status_code == 200
    assert made.json()["code"] in page.text and "张*" in page.text and "李*" in page.text
    assert "138****0014" in page.text and "已确认" in page.text
    assert body["party_a"]["id_number"] not in page.text and "13800000014" not in page.text

    low = await c.post(f"/console/slots/{slot.id}/capacity", data={"capacity": "0"})
    assert low.status_code == 422 and "名额应为 1 至 100000" in low.text
    await client.post(f"{API}/bookings", json=couple(slot.id, seq=2), headers=await login("u2"))
    below = await c.post(f"/console/slots/{slot.id}/capacity", data={"capacity": "1"})
    assert below.status_code == 409 and "名额不能少于已预约的 2 人" in below.text
    ok = await c.post(f"/console/slots/{slot.id}/capacity", data={"capacity": "2"})
    assert ok.status_code == 302 and ok.headers["location"].endswith("done=slot_capacity_saved")
    assert (await Slot.get(id=slot.id)).capacity == 2
    row = await AuditLog.get(action="slot.capacity")
    assert row.target == f"slot:{slot.id}" and row.before["capacity"] == 3 and row.after["capacity"] == 2
    # A full slot with a waiting list: more places promote the first in line.
    refused = await client.post(f"{API}/bookings", json=couple(slot.id, seq=3), headers=await login("u3"))
    assert refused.json()["error"]["code"] == "slot_full"  # and this worker remembers it full
    waiting = await client.post(f"{API}/waitlist", json=couple(slot.id, seq=3), headers=await login("u3"))
    assert waiting.status_code == 201, waiting.text
    more = await c.post(f"/console/slots/{slot.id}/capacity", data={"capacity": "5"})
    assert more.headers["location"].endswith("done=slot_capacity_promoted")
    assert await Booking.filter(slot_id=slot.id, status="confirmed").count() == 3
    # The slot was remembered full when its last place went; the new places are offered at once.
    late = await client.post(f"{API}/bookings", json=couple(slot.id, seq=4), headers=await login("u4"))
    assert late.status_code == 201, late.text
    assert (await c.get(f"/console/slots/{slot.id}/capacity")).status_code == 405
    assert (await c.get("/console/slots/999999")).status_code == 404


async def test_closing_a_slot_reaches_the_resident_and_frees_them(
        client: httpx.AsyncClient, login, console: ConsoleFactory, clock: Clock) -> None:  # noqa: F811
    day = MONDAY + timedelta(days=3)
    a = await _slot("marriage_registration", 5, day=day, hour=9)
    b = await _slot("marriage_registration", 5, day=day, hour=14)
    resident = await login("couple")
    booking = (await client.post(f"{API}/bookings", json=couple(a.id), headers=resident)).json()
    dup = await client.post(f"{API}/bookings", json=couple(b.id), headers=resident)
    assert dup.json()["error"]["code"] == "duplicate_booking"
    c = await console("registrar")
    assert (await c.post(f"/console/slots/{a.id}/close", data={"reason": " "})).status_code == 422
    # The slot page's button only asks: the confirm page names what will happen, nothing changes yet.
    ask = await c.post(f"/console/slots/{a.id}/close", data={"reason": "婚姻登记处设备检修"})
    assert ask.status_code == 200 and "确认关闭</button>" in ask.text and "返回</a>" in ask.text
    assert ("关闭号源 2026-05-21 09:00 结婚登记：1 位群众的预约将改为已关闭并收到通知，"
            "候补名单中 0 人的候补将结束") in ask.text
    assert 'name="confirm" value="1"' in ask.text and 'value="婚姻登记处设备检修"' in ask.text
    assert "此操作不能撤销" in ask.text
    assert "<script" not in ask.text  # a plain form: it works under the console's CSP
    assert "default-src 'self'" in ask.headers["content-security-policy"].split("; ")
    forged = await c.client.post(f"/console/slots/{a.id}/close",
                                 data={"reason": "婚姻登记处设备检修", "confirm": "1", "csrf": "forged"})
    assert forged.status_code == 403
    missing = await c.post("/console/slots/999999/close", data={"reason": "x"})
    assert missing.status_code == 404 and "找不到该号源" in missing.text
    assert (await Slot.get(id=a.id)).closed_at is None and not await AuditLog.exists(action="slot.close")
    r = await c.post(f"/console/slots/{a.id}/close", data={"reason": "婚姻登记处设备检修", "confirm": "1"})
    assert r.status_code == 302 and r.headers["location"].endswith("done=slot_closed")
    page = await c.get(r.headers["location"])
    assert "已关闭" in page.text and "婚姻登记处设备检修" in page.text
    assert "关闭号源</button>" not in page.text
    again = await c.post(f"/console/slots/{a.id}/close", data={"reason": "again"})
    assert again.status_code == 409 and "该号源已关闭" in again.text  # no confirm page for it
    again = await c.post(f"/console/slots/{a.id}/close", data={"reason": "again", "confirm": "1"})
    assert again.status_code == 409 and "该号源已关闭" in again.text
    audit = await AuditLog.get(action="slot.close")
    assert audit.after["closed_bookings"] == 1 and audit.after["reason"] == "婚姻登记处设备检修"

    mine = (await client.get(f"{API}/bookings/{booking['id']}", headers=resident)).json()
    assert mine["status"] == "closed" and mine["closed_reason"] == "婚姻登记处设备检修"
    assert "qr_payload" not in mine
    listed = (await client.get(f"{API}/slots", params={"service": "marriage_registration",
                                                        "date": day.isoformat()})).json()["slots"]
    assert [s["id"] for s in listed] == [b.id]
    refused = await client.post(f"{API}/bookings", json=couple(a.id, seq=4), headers=await login("x"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "slot_closed"
    assert "已由工作人员关闭" in refused.json()["error"]["message"]
    wait = await client.post(f"{API}/waitlist", json=couple(a.id, seq=4), headers=await login("y"))
    assert wait.json()["error"]["code"] == "slot_closed"
    cancel = await client.post(f"{API}/bookings/{booking['id']}/cancel", headers=resident)
    assert cancel.json()["error"]["code"] == "slot_closed"
    # Their claim is freed: the same couple books the other slot.
    assert (await client.post(f"{API}/bookings", json=couple(b.id), headers=resident)).status_code == 201


async def test_check_in_by_typed_code_or_scanned_payload(
        app: Sanic, client: httpx.AsyncClient, login, console: ConsoleFactory, clock: Clock) -> None:  # noqa: F811
    slot = await _slot()
    first = (await client.post(f"{API}/bookings", json=_charity(slot.id), headers=await login("a"))).json()
    second = (await client.post(f"{API}/bookings", json=_charity(slot.id, "周八"),
                                headers=await login("b"))).json()
    c = await console("registrar")
    page = await c.get("/console/checkin")
    assert 'src="/console/static/checkin.js"' in page.text and "<script>" not in page.text
    assert 'id="scan-button"' in page.text and "hidden" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert (await c.get("/console/static/checkin.js")).status_code == 200

    typed = " ".join(first["code"].lower())
    r = await c.post("/console/checkin", data={"code": typed})
    assert r.status_code == 200 and "签到成功" in r.text
    # The registrar matches the booking to the person at the desk: the full name (issue #14).
    assert "陈七" in r.text and "慈善超市活动" in r.text
    assert "2026-05-18" in r.text and "15:00-16:00" in r.text
    clock.now = NOW + timedelta(minutes=7)
    twice = await c.post("/console/checkin", data={"code": first["code"]})
    assert twice.status_code == 409 and "已于 2026-05-18 08:00 签到" in twice.text and "陈七" in twice.text
    scanned = await c.post("/console/checkin", data={"code": second["qr_payload"]})
    assert scanned.status_code == 200 and "周八" in scanned.text
    row = await AuditLog.get(action="booking.check_in", target=f"booking:{first['id']}")
    assert row.after["checked_in"] is True and row.actor == c.username

    cipher = FieldCipher(app.ctx.settings.secret_key)
    forged = codes.qr_payload(cipher, second["id"], second["code"])[:-1] + "x"
    other_day = await _slot(day=MONDAY + timedelta(days=1))
    later = (await client.post(f"{API}/bookings", json=_charity(other_day.id),
                               headers=await login("c"))).json()
    gone = (await client.post(f"{API}/bookings", json=_charity(other_day.id, "吴九"),
                              headers=await login("d"))).json()
    await Booking.filter(id=gone["id"]).update(status="cancelled")
    cases = [("", 422, "请输入预约码或扫描二维码"), ("ZZZZ9999", 404, "没有找到该预约码"),
             (forged, 422, "二维码无效"),
             (later["code"], 409, "这不是今天的预约（预约时间：2026-05-19 15:00）"),
             (gone["code"], 409, "该预约已取消"), ("x" * 5000, 404, "没有找到该预约码")]
    for code, status, says in cases:
        r = await c.post("/console/checkin", data={"code": code})
        assert (r.status_code, says in r.text) == (status, True), (code[:20], r.status_code, r.text[-600:])


async def test_no_show_marks_follow_the_rules(client: httpx.AsyncClient, login,  # noqa: F811
                                              console: ConsoleFactory, clock: Clock) -> None:
    slot = await _slot(hour=9)
    absent = (await client.post(f"{API}/bookings", json=_charity(slot.id), headers=await login("a"))).json()
    present = (await client.post(f"{API}/bookings", json=_charity(slot.id, "周八"),
                                 headers=await login("b"))).json()
    c = await console("registrar")
    page = await c.get(f"/console/slots/{slot.id}")
    assert 'value="mark"' not in page.text and "号源开始后" in page.text
    early = await c.post(f"/console/bookings/{absent['id']}/no-show", data={"action": "mark"})
    assert early.status_code == 409 and "号源尚未开始" in early.text
    clock.now = NOW + timedelta(hours=1, minutes=15)
    await c.post("/console/checkin", data={"code": present["code"]})
    page = await c.get(f"/console/slots/{slot.id}")
    assert page.text.count('value="mark"') == 1 and "已签到 2026-05-18 09:15" in page.text
    r = await c.post(f"/console/bookings/{absent['id']}/no-show", data={"action": "mark"})
    assert r.status_code == 302
    assert r.headers["location"] == f"/console/slots/{slot.id}?done=booking_no_show_marked"
    page = await c.get(r.headers["location"])
    assert "已标记爽约" in page.text and "爽约 2026-05-18 09:15" in page.text and 'value="undo"' in page.text
    refused = await c.post(f"/console/bookings/{present['id']}/no-show", data={"action": "mark"})
    assert refused.status_code == 409 and "已签到，不能标记爽约" in refused.text
    bad = await c.post(f"/console/bookings/{absent['id']}/no-show", data={"action": "delete"})
    assert bad.status_code == 422 and "不支持的操作" in bad.text
    undo = await c.post(f"/console/bookings/{absent['id']}/no-show", data={"action": "undo"})
    assert undo.headers["location"].endswith("done=booking_no_show_undone")
    assert (await Booking.get(id=absent["id"])).no_show_at is None
    again = await c.post(f"/console/bookings/{absent['id']}/no-show", data={"action": "undo"})
    assert again.status_code == 409 and "没有爽约标记" in again.text
    assert (await c.post("/console/bookings/999999/no-show", data={"action": "mark"})).status_code == 404
    actions = await AuditLog.filter(target=f"booking:{absent['id']}").values_list("action", flat=True)
    assert sorted(actions) == ["booking.no_show", "booking.no_show_undo"]


async def _resident_with_a_formula_name(slot: Slot) -> Booking:
    """Stored masked data is shown as-is; exports must not let it run as a formula."""
    user = await MiniappUser.create(openid="o-formula")
    return await Booking.create(user=user, slot=slot, service=slot.service, code="FORMULA23",
                                personal_enc="v1.x", party_size=1,
                                masked={"name": '=HYPERLINK("http://evil.example","点我")',
                                        "phone": "+86 138****0000"})


async def test_exports_are_masked_neutralised_named_and_audited(
        client: httpx.AsyncClient, login, console: ConsoleFactory, clock: Clock) -> None:  # noqa: F811
    slot = await _slot("marriage_registration", 5, day=MONDAY + timedelta(days=2), hour=9)
    body = couple(slot.id)
    made = (await client.post(f"{API}/bookings", json=body, headers=await login("a"))).json()
    await _resident_with_a_formula_name(slot)
    secrets = [body["party_a"]["id_number"], body["party_b"]["id_number"], "13800000014",
               make_id("19900101", male=True, seq=1)]
    c = await console("registrar")

    r = await c.get(f"/console/slots/{slot.id}/export?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="bookings-slot-')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "预约名单-结婚登记-2026-05-20-0900.csv"
    assert r.content.startswith(b"\xef\xbb\xbf")
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "预约码,服务,日期,时间,姓名,手机,人数,状态,签到时间,爽约"
    assert lines[1].startswith(
        f"{made['code']},结婚登记,2026-05-20,09:00-10:00,张* / 李*,138****0014,1,已确认")
    assert "'=HYPERLINK" in lines[2] and "'+86 138****0000" in lines[2]
    assert not any(s in r.text for s in secrets)

    x = await c.get(f"/console/slots/{slot.id}/export?format=xlsx")
    assert x.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in x.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:5] == ["预约码", "服务", "日期", "时间", "姓名"] and rows[1][0] == made["code"]
    assert rows[2][4].startswith("'=HYPERLINK") and sheet.cell(3, 5).data_type == "s"
    with zipfile.ZipFile(io.BytesIO(x.content)) as z:
        everything = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
    assert not any(s in everything for s in secrets) and "<f>" not in everything

    ranged = await c.get("/console/bookings/export", params={
        "service": "marriage_registration", "from": "2026-05-18", "to": "2026-05-31", "format": "xlsx"})
    assert ranged.status_code == 200
    assert unquote(ranged.headers["content-disposition"].split("''")[1]) == \
        "预约名单-结婚登记-2026-05-18至2026-05-31.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(ranged.content)).active.max_row == 3
    # An empty service is 全部服务 now (issue #14, tests/content/test_counter.py); an unknown one is refused.
    for params, says in (({"service": "nope", "from": "2026-05-18", "to": "2026-05-31"}, "有效的预约服务"),
                         ({"service": "charity_event", "from": "2026-05-31", "to": "2026-05-01"}, "92 天"),
                         ({"service": "charity_event", "from": "x", "to": "2026-05-01"}, "日期“x”格式不对"),
                         ({"service": "charity_event", "from": "2026-05-01", "to": "2026-05-02",
                           "format": "pdf"}, "不支持的操作")):
        bad = await c.get("/console/bookings/export", params=params)
        assert bad.status_code == 422 and says in bad.text, params
    assert (await c.get("/console/slots/999999/export")).status_code == 404
    exports = await AuditLog.filter(action="booking.export").order_by("id")
    assert [(e.target, e.after["format"], e.after["rows"]) for e in exports] == [
        (f"slot:{slot.id}", "csv", 2), (f"slot:{slot.id}", "xlsx", 2),
        ("marriage_registration 2026-05-18~2026-05-31", "xlsx", 2)]
    assert all(e.actor == c.username for e in exports)


async def test_slot_list_filters_and_bad_filters(console: ConsoleFactory, clock: Clock) -> None:
    await _slot("charity_event", 4)
    closed = await _slot("eco_burial_consultation", 4, hour=10)
    await Slot.filter(id=closed.id).update(closed_at=NOW, closed_reason="x")
    c = await console("registrar")
    r = await c.get("/console/slots")
    assert r.status_code == 200 and "慈善超市活动" in r.text and "节地生态安葬咨询" in r.text
    assert "已关闭" in r.text and "export-range-csv" not in r.text
    only = await c.get("/console/slots", params={"service": "charity_event", "from": "2026-05-18",
                                                   "to": "2026-05-18"})
    assert "节地生态安葬咨询</td>" not in only.text and "export-range-csv" in only.text
    for params in ({"from": "yesterday"}, {"service": "nope"}, {"from": "2026-05-20", "to": "2026-05-01"}):
        bad = await c.get("/console/slots", params=params)
        assert bad.status_code == 422 and 'class="error"' in bad.text, params


async def test_early_morning_slots_are_listed_on_their_own_day(
        client: httpx.AsyncClient, console: ConsoleFactory, clock: Clock) -> None:
    """07:00 in Shanghai is the previous day in UTC; day filters must not put it there."""
    early = await _slot("charity_event", 3, day=MONDAY + timedelta(days=1), hour=7)
    for day, expected in (("2026-05-18", []), ("2026-05-19", [early.id])):
        r = await client.get(f"{API}/slots", params={"service": "charity_event", "date": day})
        assert [s["id"] for s in r.json()["slots"]] == expected, day
    c = await console("registrar")
    page = await c.get("/console/slots", params={"from": "2026-05-19", "to": "2026-05-19"})
    assert f'href="/console/slots/{early.id}"' in page.text and "07:00-08:00" in page.text
    before = await c.get("/console/slots", params={"from": "2026-05-18", "to": "2026-05-18"})
    assert f'href="/console/slots/{early.id}"' not in before.text
    r = await c.post("/console/slots/bulk", data={
        "service": "charity_event", "first_day": "2026-05-19", "last_day": "2026-05-19",
        "windows": "07:00-08:00", "capacity": "3", "confirm": "1"})
    r = await c.get(r.headers["location"])
    assert "重复 1 个" in r.text and await Slot.filter(service="charity_event").count() == 1
