"""The registrar's tomb-sweeping pages (issue #15): a campaign opened in one step after a preview,
its fill per place and window, and the phone line that books on a resident's behalf."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sanic import Sanic

from core.models import AuditLog, Booking, MiniappUser, Slot
from tests.content.conftest import ConsoleFactory
from tests.miniapp_api.conftest import make_id

NOW = datetime(2027, 3, 25, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, after the campaign opened
FORM = {"name": "2027年清明", "days": "2027-04-03 2027-04-04", "windows": "07:00-08:30, 08:30-10:00",
        "places": "示例墓园甲\n示例骨灰堂乙", "capacity": "5", "opens_at": "2027-03-20T08:00"}


@pytest.fixture
def clock(app: Sanic) -> None:
    app.ctx.clock = lambda: NOW


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def _opened(registrar) -> None:  # type: ignore[no-untyped-def]
    r = await registrar.post("/console/tomb/open", {**FORM, "confirm": "1"})
    assert r.status_code == 302, r.text


async def test_a_preview_opens_nothing_then_confirm_opens_every_window(
        console: ConsoleFactory, clock: None) -> None:
    registrar = await console("registrar")
    preview = await registrar.post("/console/tomb/open", FORM)
    assert preview.status_code == 200
    assert "将开放 8 个时段，共 40 个名额" in _text(preview.text)
    assert await Slot.filter(service="tomb_sweeping").count() == 0
    opened = await registrar.post("/console/tomb/open", {**FORM, "confirm": "1"})
    assert opened.status_code == 302 and "done=tomb_campaign_opened" in opened.headers["location"]
    assert await Slot.filter(service="tomb_sweeping").count() == 8
    page = await registrar.get(opened.headers["location"])
    text = _text(page.text)
    assert "祭扫季已开放" in text and "0 / 40" in text and "示例骨灰堂乙" in text
    assert "07:00-08:30" in text and 'http-equiv="refresh"' in page.text
    # A refresh of the confirm POST (or a double click) opens nothing more.
    await registrar.post("/console/tomb/open", {**FORM, "confirm": "1"})
    assert await Slot.filter(service="tomb_sweeping").count() == 8
    index = await registrar.get("/console/tomb")
    assert "2027年清明" in index.text and "0 / 40" in _text(index.text)


async def test_a_bad_form_says_what_is_wrong_next_to_it(console: ConsoleFactory, clock: None) -> None:
    registrar = await console("registrar")
    r = await registrar.post("/console/tomb/open", {**FORM, "days": "2027-04-31"})
    assert r.status_code == 422
    assert "日期“2027-04-31”格式不正确" in r.text
    assert re.search(r'name="days"[^>]*aria-invalid="true"', r.text)
    assert 'value="2027年清明"' in r.text  # what staff typed stays
    assert await Slot.filter(service="tomb_sweeping").count() == 0


async def test_only_registrars_and_admins(console: ConsoleFactory, clock: None) -> None:
    editor = await console("editor")
    assert (await editor.get("/console/tomb")).status_code == 403
    assert (await editor.post("/console/tomb/open", {**FORM, "confirm": "1"})).status_code == 403
    assert await Slot.filter(service="tomb_sweeping").count() == 0


async def test_the_phone_line_books_for_a_resident_and_is_audited(
        console: ConsoleFactory, clock: None) -> None:
    registrar = await console("registrar")
    await _opened(registrar)
    slot = await Slot.filter(service="tomb_sweeping", place="示例墓园甲").order_by("starts_at").first()
    assert slot is not None
    form = await registrar.get("/console/tomb/phone?name=2027年清明")
    assert form.status_code == 200 and "示例墓园甲" in form.text
    key = re.search(r'name="key" value="([0-9a-f]+)"', form.text)
    assert key
    body = {"slot_id": str(slot.id), "name": "孙八", "id_number": make_id("19400505", seq=7),
            "phone": "13700000000", "c0_name": "孙九", "c0_id": make_id("19700101", seq=8),
            "plate": "", "key": key.group(1)}
    r = await registrar.post("/console/tomb/phone?name=2027年清明", body)
    assert r.status_code == 200, r.text
    code = re.search(r'id="phone-code".*?<strong>([A-Z0-9]+)</strong>', r.text, re.S)
    assert code, r.text
    booking = await Booking.get(code=code.group(1))
    assert booking.party_size == 2 and booking.slot_id == slot.id
    owner = await MiniappUser.get(id=booking.user_id)
    assert owner.openid == "~green-channel"
    rows = await AuditLog.filter(action="booking.phone")
    assert [(r.actor, r.target) for r in rows] == [(registrar.username, booking.code)]
    assert make_id("19400505", seq=7) not in str(rows[0].after)
    # The same form posted again (a refresh) gives the same booking, not a second one.
    again = await registrar.post("/console/tomb/phone?name=2027年清明", body)
    assert code.group(1) in again.text and await Booking.filter(slot_id=slot.id).count() == 1
    # The same person the same day, by phone again with a new form: refused in words.
    other = await Slot.filter(service="tomb_sweeping", place="示例骨灰堂乙").order_by("starts_at").first()
    assert other is not None
    twice = await registrar.post("/console/tomb/phone?name=2027年清明",
                                 {**body, "slot_id": str(other.id), "key": "another"})
    assert twice.status_code == 409 and 'id="phone-error"' in twice.text
    assert await Booking.filter(slot_id=other.id).count() == 0


async def test_the_gate_list_is_one_place_on_one_day(console: ConsoleFactory, clock: None) -> None:
    registrar = await console("registrar")
    await _opened(registrar)
    page = await registrar.get("/console/tomb/campaign?name=2027年清明")
    assert "/console/day?date=2027-04-03&amp;place=" in page.text
    gate = await registrar.get("/console/day", params={"date": "2027-04-03", "place": "示例骨灰堂乙"})
    assert gate.status_code == 200
    text = _text(gate.text)
    assert "示例骨灰堂乙" in text and "示例墓园甲" not in text
