"""The registration counter in a real browser (issue #14): the day's list with full names and the
last four ID digits for the registrar (masked for nobody else to see: editors are refused), check-in
from the row, the waiting list, the paper sign-in sheet under print media, a 390 px phone without
sideways scrolling, finding a booking by phone, the booking page's staff cancel with its confirm
page, the bulk no-show of an ended slot, and an admin's unmasked export choice.

Residents are booked the way ``test_bookings`` books them: a few lines of Python against the
site's database calling the very service functions the mini-program API calls (its WeChat login
cannot work here), with the clock set two hours before the slot.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta

from core.booking.rules import SHANGHAI
from tests.miniapp_api.conftest import make_id
from tests.support.browser import ROOT, Site, shot

MARRIAGE = "marriage_registration"
DOCS = ROOT / "docs" / "screenshots"

_FILL = """
import asyncio, json, sys
from datetime import timedelta
from core import db
from core.booking import service, waitlist
from core.booking.commands import Book, JoinWaitlist
from core.crypto import FieldCipher
from core.models import MiniappUser, Slot
from core.settings import load_settings

async def main(slot_id, plan):
    settings = load_settings()
    await db.init_orm(settings)
    try:
        cipher, slot, made = FieldCipher(settings.secret_key), await Slot.get(id=slot_id), []
        when = slot.starts_at - timedelta(hours=2)
        for i, (kind, body) in enumerate(plan):
            user = await MiniappUser.create(openid=f"o-counter-{slot_id}-{i}")
            body = {**body, "slot_id": slot_id}
            if kind == "book":
                booking, _ = await service.book(cipher, Book.from_body(body, user_id=user.id), now=when)
                made.append(booking.code)
            else:
                await waitlist.join(cipher, JoinWaitlist.from_body(body, user_id=user.id), now=when)
        print(json.dumps(made))
    finally:
        await db.close_orm()

asyncio.run(main(int(sys.argv[1]), json.loads(sys.argv[2])))
"""


def _couple(a: str, b: str, seq: int, phone: str) -> dict:
    return {"party_a": {"name": a, "id_number": make_id("19900101", male=True, seq=seq)},
            "party_b": {"name": b, "id_number": make_id("19920202", male=False, seq=seq)},
            "phone": phone}


def _fill(site: Site, slot_id: int, plan: list[tuple[str, dict]]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _FILL, str(slot_id), json.dumps(plan)],
                          env=site.env, cwd=site.env["BAOSHAN_VAR_DIR"], capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return list(json.loads(done.stdout.decode().strip().splitlines()[-1]))


def _open(site: Site, day: str, start: str, end: str, capacity: int) -> int:
    out = site.cli("slots", "open", "--service", MARRIAGE, "--date", day, "--start", start,
                   "--end", end, "--capacity", str(capacity))
    return int(out.strip().splitlines()[-1])


def _shot(page: object, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot(page, name), DOCS / f"{name}.png")


def _fits(page: object, width: int) -> None:
    scroll = page.evaluate("document.scrollingElement.scrollWidth")  # type: ignore[attr-defined]
    assert scroll <= width, f"{page.url} scrolls sideways: {scroll} > {width}"  # type: ignore[attr-defined]


def test_the_counter_day_list_search_cancel_print_and_phone(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    today = datetime.now(SHANGHAI).date()
    yesterday = today - timedelta(days=1)
    slot_id = _open(site, today.isoformat(), "00:00", "23:59", 2)
    codes = _fill(site, slot_id, [("book", _couple("张三", "李四", 1, "13800000014")),
                                  ("book", _couple("王五", "赵六", 2, "13911112222")),
                                  ("wait", _couple("孙七", "周八", 3, "13722223333"))])
    ended_id = _open(site, yesterday.isoformat(), "09:00", "10:00", 3)
    _fill(site, ended_id, [("book", _couple("吴九", "郑十", 4, "13633334444")),
                           ("book", _couple("钱一", "冯二", 5, "13544445555"))])
    last4 = f"{make_id('19900101', seq=1)[-4:]} / {make_id('19920202', male=False, seq=1)[-4:]}"

    page = page_as("registrar")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("nav.menu >> text=每日名单")
    page.wait_for_url("**/console/day")
    row = page.locator("tr.booking-row", has_text=codes[0])
    assert "张三 / 李四" in row.inner_text() and last4 in row.inner_text()
    waitlist = page.inner_text(f"#waitlist-{slot_id}")
    assert "候补名单（1 人候补中）" in waitlist and "第1位" in waitlist and "孙七 / 周八" in waitlist
    row.locator("button.checkin-button").click()
    page.wait_for_url("**done=checkin_done**")
    assert "签到成功" in page.inner_text("main")
    assert "已签到" in page.locator("tr.booking-row", has_text=codes[0]).inner_text()
    _shot(page, "75-day-list-1366")

    # The paper sign-in sheet: one slot, one table, the date and slot in the header, no controls.
    page.goto(f"/console/day?date={today.isoformat()}&slot={slot_id}")
    page.emulate_media(media="print")
    assert not page.locator("nav.menu").is_visible() and not page.locator("header.top").is_visible()
    assert page.locator("form:visible, button:visible").count() == 0
    assert page.locator("table:visible").count() == 1
    title = page.inner_text("#day-title")
    assert today.isoformat() in title and "00:00-23:59 结婚登记" in title
    assert page.locator("th.print-only", has_text="签名").is_visible()
    _shot(page, "76-day-sign-in-sheet-print")
    page.emulate_media(media="screen")

    # A 390 px phone at the desk: the day list and the check-in page without sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/console/day?date={today.isoformat()}")
    _fits(page, 390)
    assert page.locator("tr.booking-row", has_text=codes[1]).locator("button.checkin-button").is_visible()
    _shot(page, "77-day-list-390")
    page.goto("/console/checkin")
    page.fill("#checkin-code", codes[1])
    page.locator("#checkin-form button[type=submit]").click()
    assert "王五 / 赵六" in page.inner_text("#checkin-details")
    _fits(page, 390)
    _shot(page, "78-checkin-390")

    # Find by phone across all slots, then the booking's page and a staff cancel.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/console/bookings/find")
    page.fill("#find-q", "138 0000 0014")
    page.locator("#find-form button[type=submit]").click()
    assert codes[0] in page.inner_text("#find-results") and "张三 / 李四" in page.inner_text("#find-results")
    _shot(page, "79-booking-find")
    page.click(f"#find-results >> text={codes[0]}")
    assert "签到" in page.inner_text("#booking-history")
    _shot(page, "80-booking-detail")
    page.goto(f"/console/day?date={today.isoformat()}")
    # codes[1] was checked in above; cancel a fresh booking instead: the waiting couple's place.
    page.goto("/console/bookings/find?q=" + codes[1])
    page.click(f"#find-results >> text={codes[1]}")
    assert page.locator("#cancel-form").count() == 0  # checked in: no cancel offered
    page.goto("/console/bookings/find?q=13633334444")
    page.click("#find-results a.code")
    page.fill("#cancel-reason", "材料不全")
    page.locator("#cancel-form button[type=submit]").click()
    assert "材料不全" in page.inner_text("#confirm") and "群众会收到取消通知" in page.inner_text("#confirm")
    _shot(page, "81-booking-cancel-confirm")
    page.click("#confirm-button")
    page.wait_for_url("**done=booking_staff_cancelled")
    assert "已取消" in page.inner_text("#booking-state") and "材料不全" in page.inner_text("#booking-history")

    # Yesterday's slot has ended: everyone not checked in is marked absent, after a confirm page.
    page.goto(f"/console/day?date={yesterday.isoformat()}")
    page.locator(f"#slot-{ended_id} form.no-show-all button").click()
    assert "1 条未签到的预约将标记为爽约" in page.inner_text("#confirm-message")
    _shot(page, "82-no-show-all-confirm")
    page.click("#confirm-button")
    page.wait_for_url("**done=day_no_show_all**")
    assert "爽约" in page.locator(f"#slot-{ended_id} tr.booking-row", has_text="钱一").inner_text()
    assert page.locator(f"#slot-{ended_id} form.no-show-all").count() == 0

    # Editors are refused the counter's pages and never see a name.
    editor = page_as("editor")
    response = editor.goto("/console/day")
    assert response is not None and response.status == 403 and "张三" not in editor.inner_text("body")
    _shot(editor, "83-day-list-editor-refused")

    # Only an admin is offered the unmasked export, and it says that it is recorded.
    assert page.locator("#export-unmasked").count() == 0
    admin = page_as("admin")
    admin.goto(f"/console/day?date={today.isoformat()}")
    assert "张三 / 李四" in admin.inner_text("#day-table")
    admin.check("#export-unmasked")
    _shot(admin, "84-export-admin-unmasked")
    with admin.expect_download() as info:
        admin.locator("#export-form button[type=submit]").click()
    assert info.value.suggested_filename.startswith("预约名单-全部服务-")
