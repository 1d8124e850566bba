"""Closing a slot asks first (issue #14), in a real browser under the console's CSP: the slot page's
button opens a confirm page naming how many residents are affected; 返回 changes nothing; 确认关闭
closes. At a desktop width (1366 px) and a phone width (390 px).

Residents are booked and put on the waiting list the way ``test_bookings`` books them: a few lines
of Python against the site's database calling the very service functions the mini-program API
calls (its WeChat login cannot work here), with the clock set two hours before the slot.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime, timedelta

from core.booking.rules import SHANGHAI
from tests.support.browser import ROOT, Site, shot

ECO = "eco_burial_consultation"
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

async def main(slot_id, booked, waiting):
    settings = load_settings()
    await db.init_orm(settings)
    try:
        cipher, slot = FieldCipher(settings.secret_key), await Slot.get(id=slot_id)
        when = slot.starts_at - timedelta(hours=2)
        for i in range(booked + waiting):
            user = await MiniappUser.create(openid=f"o-confirm-{slot_id}-{i}")
            body = {"slot_id": slot_id, "name": "张王李赵陈刘"[i] + "某", "phone": "13900000000",
                    "burial_type": "tree"}
            if i < booked:
                await service.book(cipher, Book.from_body(body, user_id=user.id), now=when)
            else:
                await waitlist.join(cipher, JoinWaitlist.from_body(body, user_id=user.id), now=when)
        print(json.dumps("ok"))
    finally:
        await db.close_orm()

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
"""


def _fill(site: Site, slot_id: int, booked: int, waiting: int) -> None:
    done = subprocess.run([sys.executable, "-c", _FILL, str(slot_id), str(booked), str(waiting)],
                          env=site.env, cwd=site.env["BAOSHAN_VAR_DIR"], capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def _shot(page: object, name: str) -> None:
    """Kept for reviewers like the other browser tests' shots, and copied into docs/screenshots."""
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot(page, name), DOCS / f"{name}.png")


def test_closing_a_slot_asks_first_and_names_who_is_affected(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    day = datetime.now(SHANGHAI).date() + timedelta(days=17)
    out = site.cli("slots", "open", "--service", ECO, "--date", day.isoformat(),
                   "--start", "16:00", "--end", "17:00", "--capacity", "3")
    slot_id = int(out.strip().splitlines()[-1])
    _fill(site, slot_id, booked=3, waiting=2)
    expected = (f"关闭号源 {day.isoformat()} 16:00 节地生态安葬咨询：3 位群众的预约将改为已关闭并收到通知，"
                "候补名单中 2 人的候补将结束")

    page = page_as("registrar")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/console/slots/{slot_id}")
        page.fill("#close-form input[name=reason]", "场地临时检修")
        page.locator("#close-form button[type=submit]").click()
        assert expected in page.inner_text("#confirm-message")
        assert "场地临时检修" in page.inner_text("#confirm")
        button = page.locator("#confirm-button").bounding_box()
        assert button is not None and button["x"] + button["width"] <= width  # fits the screen
        _shot(page, f"34-slot-close-confirm-{width}")
        page.click("#confirm-back")  # 返回: nothing happened
        page.wait_for_url(f"**/console/slots/{slot_id}")
        assert "开放" in page.inner_text("dl.facts") and page.locator("#close-form").count() == 1

    # Asked again at 390 px, and confirmed this time.
    page.fill("#close-form input[name=reason]", "场地临时检修")
    page.locator("#close-form button[type=submit]").click()
    page.click("#confirm-button")
    page.wait_for_url(f"**/console/slots/{slot_id}?done=slot_closed")
    main = page.inner_text("main")
    assert "号源已关闭" in main and "场地临时检修" in main and "已关闭" in page.inner_text("dl.facts")
    assert page.locator("#close-form").count() == 0
    _shot(page, "35-slot-closed-390")
    assert not [e for e in errors if "Content Security Policy" in e], errors
