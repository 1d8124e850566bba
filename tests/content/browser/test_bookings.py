"""A registrar's day in a real browser: open slots in bulk, check a resident in by typing the
booking code, mark and unmark a no-show, and download the CSV and Excel lists.

How the bookings are made: the site's mini-program login needs WeChat (``/sns/jscode2session``),
which the shared ``site`` server points at a closed port, so residents cannot log in over HTTP
here. The test instead runs a few lines of Python against the site's own database and secret key
that call ``core.booking.service.book`` — the very function ``POST /api/v1/miniapp/bookings``
calls after login — with its clock set two hours before the slot starts (eco-burial bookings close
an hour before). The slot itself comes from the contract's ``baoshan slots open``, because bulk
opening (rightly) only opens future slots while check-in and no-shows need one that is today and
has begun.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl

from core.booking.rules import SHANGHAI
from tests.support.browser import Site, shot

ECO, NAME = "eco_burial_consultation", "节地生态安葬咨询"

_BOOK = """
import asyncio, json, sys
from datetime import timedelta
from core import db
from core.booking import service
from core.booking.commands import Book
from core.crypto import FieldCipher
from core.models import MiniappUser, Slot
from core.settings import load_settings

async def main(slot_id, names):
    settings = load_settings()
    await db.init_orm(settings)
    try:
        cipher, slot, made = FieldCipher(settings.secret_key), await Slot.get(id=slot_id), []
        for i, name in enumerate(names):
            user = await MiniappUser.create(openid=f"o-browser-{slot_id}-{i}")
            body = {"slot_id": slot_id, "name": name, "phone": "13900000000", "burial_type": "tree"}
            booking, _ = await service.book(cipher, Book.from_body(body, user_id=user.id),
                                            now=slot.starts_at - timedelta(hours=2))
            made.append(booking.code)
        print(json.dumps(made))
    finally:
        await db.close_orm()

asyncio.run(main(int(sys.argv[1]), sys.argv[2:]))
"""


def _book(site: Site, slot_id: int, *names: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _BOOK, str(slot_id), *names], env=site.env,
                          cwd=site.env["BAOSHAN_VAR_DIR"], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return list(json.loads(done.stdout.decode().strip().splitlines()[-1]))


def _summary(text: str) -> tuple[int, int, int, int]:
    found = re.search(r"已开放 (\d+) 个号源，跳过周末 (\d+) 天、节假日 (\d+) 天、重复 (\d+) 个", text)
    assert found, text
    return tuple(int(n) for n in found.groups())  # type: ignore[return-value]


def test_registrar_bulk_opens_checks_in_marks_and_exports(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    today = datetime.now(SHANGHAI).date()
    # Eco-burial consultations, not charity events: the charity-week test on the same site expects
    # its campaign's week to hold only its own charity event.
    out = site.cli("slots", "open", "--service", ECO, "--date", today.isoformat(),
                   "--start", "00:00", "--end", "23:59", "--capacity", "5")
    slot_id = int(out.strip().splitlines()[-1])
    arriving, absent = _book(site, slot_id, "陈七", "周八")

    page = page_as("registrar")
    page.click("nav.menu >> text=号源与预约")
    page.wait_for_url("**/console/slots")
    assert NAME in page.inner_text("table.slots")
    shot(page, "30-slots-list")

    # Two weeks from a Monday well ahead, two windows a day, weekends skipped.
    monday = today + timedelta(days=7 * 6 - today.weekday())
    form = page.locator("#bulk-form")

    def fill_bulk_form() -> None:  # the page after a bulk open shows a fresh form (#14: redirect)
        form.locator("select[name=service]").select_option(ECO)
        form.locator("input[name=first_day]").fill(monday.isoformat())
        form.locator("input[name=last_day]").fill((monday + timedelta(days=13)).isoformat())
        form.locator("textarea[name=windows]").fill("09:00-10:00，14:00 - 15:00")
        form.locator("input[name=capacity]").fill("8")
        assert form.locator("input[name=skip_weekends]").is_checked()

    fill_bulk_form()
    form.locator("button[type=submit]").click()  # previews first (#14), then creates
    page.click("#preview-confirm")
    opened, weekends, holidays, duplicates = _summary(page.inner_text("#bulk-summary"))
    assert weekends == 4 and opened + duplicates + 2 * holidays == 20 and opened > 0
    assert page.locator("table.slots tbody tr").count() >= opened
    shot(page, "31-slots-bulk-result")
    fill_bulk_form()
    page.locator("#bulk-form button[type=submit]").click()  # the same again: nothing new
    # (the preview now says so before anything is posted, and offers nothing to confirm)
    assert "将开放 0 个号源" in page.inner_text("#preview-message")
    assert page.locator("#preview-confirm").count() == 0

    page.goto("/console/checkin")
    assert page.locator("#scan-note").is_visible()
    # The scan button is offered only where the browser can read QR codes (not headless Linux).
    can_scan = page.evaluate("'BarcodeDetector' in window")
    if not can_scan:
        assert not page.locator("#scan-button").is_visible()
    page.fill("#checkin-code", " ".join(arriving.lower()))
    page.locator("#checkin-form button[type=submit]").click()
    result = page.inner_text("main")
    # Registrars see the full name at the counter (issue #14).
    assert "签到成功" in result and "陈七" in result and NAME in result and arriving in result
    shot(page, "33-checkin")
    page.fill("#checkin-code", arriving)
    page.locator("#checkin-form button[type=submit]").click()
    assert "请勿重复签到" in page.inner_text("#checkin-error")

    page.goto(f"/console/slots/{slot_id}")
    row = page.locator("tr", has_text=absent)
    row.locator("button[value=mark]").click()
    assert "已标记爽约" in page.inner_text("main")
    assert "爽约" in page.locator("tr", has_text=absent).inner_text()
    page.locator("tr", has_text=absent).locator("button[value=undo]").click()
    assert "已撤销爽约标记" in page.inner_text("main")
    assert "已签到" in page.locator("tr", has_text=arriving).inner_text()
    shot(page, "32-slot-page")

    with page.expect_download() as csv_info:
        page.click("#export-slot-csv")
    csv_file = csv_info.value
    assert csv_file.suggested_filename == f"预约名单-{NAME}-{today.isoformat()}-0000.csv"
    data = Path(csv_file.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert arriving in text and absent in text and "陈*" in text and "13900000000" not in text
    with page.expect_download() as xlsx_info:
        page.click("#export-slot-xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(xlsx_info.value.path()).read_bytes())).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {arriving, absent} and rows[arriving][8] and rows[absent][9] in (None, "")
