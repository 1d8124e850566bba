"""The community assistance adviser's queue in a real browser: an adviser of 吴淞街道 sees their
street's requests only (another street's is a 404), overdue and urgent ones stand out, data stays
masked until they claim one, then they record a contact and close it; the admin sees the counts.

How the referrals are made: residents cannot log in to the shared ``site`` (its WeChat points at a
closed port), so a few lines of Python call ``core.referrals.submit`` — what
``POST /api/v1/miniapp/referrals`` calls after login — against the site's database and key.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.support.browser import PASSWORD, Site, shot

_SUBMIT = """
import asyncio, json, sys
from datetime import UTC, datetime, timedelta
from core import db, referrals
from core.crypto import FieldCipher
from core.models import MiniappUser, Referral
from core.settings import load_settings

async def main(rows):
    settings = load_settings()
    await db.init_orm(settings)
    try:
        cipher, made, now = FieldCipher(settings.secret_key), [], datetime.now(UTC)
        for i, (street, name, urgent, days_old) in enumerate(rows):
            user = await MiniappUser.create(openid=f"o-referral-browser-{i}")
            body = {"street": street, "name": name, "phone": f"1391234567{i}", "consent": True,
                    "urgent": urgent, "answers": {"income_band": "low"}, "note": "想了解低保"}
            cmd = referrals.SubmitReferral.from_body(body, user_id=user.id)
            referral = await referrals.submit(cipher, cmd, now=now)
            # Waiting for days already: created_at is set by the database on insert.
            await Referral.filter(id=referral.id).update(created_at=now - timedelta(days=days_old))
            made.append(referral.id)
        print(json.dumps(made))
    finally:
        await db.close_orm()

asyncio.run(main(json.loads(sys.argv[1])))
"""


def _submit(site: Site, rows: list[tuple[str, str, bool, int]]) -> list[int]:
    done = subprocess.run([sys.executable, "-c", _SUBMIT, json.dumps(rows)], env=site.env,
                          cwd=site.env["BAOSHAN_VAR_DIR"], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return list(json.loads(done.stdout.decode().strip().splitlines()[-1]))


def _login(browser, site: Site, username: str, width: int = 1366):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=site.base, locale="zh-CN",
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/$"))
    return context, page


def test_adviser_queue_isolation_claim_and_close(site: Site, browser, page_as) -> None:  # type: ignore[no-untyped-def]
    site.cli("staff", "add", "b.adviser.wusong", "--role", "adviser", "--streets", "wusong",
             stdin=PASSWORD + "\n")
    old, urgent, elsewhere = _submit(site, [("wusong", "王小梅", False, 5), ("wusong", "赵建国", True, 0),
                                            ("gucun", "李大山", False, 1)])
    context, page = _login(browser, site, "b.adviser.wusong")
    try:
        page.click("nav.menu >> text=救助顾问")
        page.wait_for_url("**/console/referrals")
        rows = page.locator("table.queue tbody tr")
        assert rows.count() == 2
        # Not yet contacted, urgent first, then the longest waiting; five days is overdue.
        assert rows.nth(0).get_attribute("id") == f"referral-{urgent}"
        assert "紧急" in rows.nth(0).inner_text()
        assert "超时" in page.inner_text(f"#referral-{old}") and "overdue" in (
            page.get_attribute(f"#referral-{old}", "class") or "")
        text = page.inner_text("main")
        assert "王*梅" in text and "王小梅" not in text and "李" not in text
        for width, height, name in ((1366, 900, "55-referral-queue-1366"),
                                    (390, 844, "56-referral-queue-390")):
            page.set_viewport_size({"width": width, "height": height})
            page.goto("/console/referrals")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shot(page, name)
        page.set_viewport_size({"width": 1366, "height": 900})

        # Another street's request does not exist for this adviser.
        assert page.goto(f"{site.base}/console/referrals/{elsewhere}").status == 404

        page.goto(f"/console/referrals/{old}")
        assert "13912345670" not in page.inner_text("main")
        page.click("button:has-text('认领')")
        assert "已认领" in page.inner_text("main")
        assert "王小梅" in page.inner_text("#personal") and "13912345670" in page.inner_text("#personal")
        page.select_option("select[name=kind]", "attempt")
        page.check("input[name=reached]")
        page.fill("textarea[name=text]", "电话联系上，约周四上门了解情况")
        page.click("button:has-text('保存记录')")
        assert "已联系" in page.inner_text("main") and "约周四上门" in page.inner_text("ul.events")
        shot(page, "57-referral-detail")
        page.check("input[name=outcome][value=applied]")
        page.click("button:has-text('办结')")
        assert "已办结" in page.inner_text("main")
    finally:
        context.close()

    admin = page_as("admin")
    admin.goto("/console/referrals")
    assert admin.locator(f"#referral-{elsewhere}").count() == 1  # admins see every street
    admin.goto("/console/referrals/stats")
    wusong = admin.inner_text("#stats-wusong")
    assert wusong.split()[1] == "2"  # requests
    assert "王" not in admin.inner_text("main")
    shot(admin, "58-referral-stats")
    audit = admin.goto(f"{site.base}/console/audit")
    assert audit is not None and audit.status == 200
    editor = page_as("editor")
    assert editor.goto(f"{site.base}/console/referrals").status == 403
