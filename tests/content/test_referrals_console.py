"""The adviser's console pages over HTTP: role and street isolation (404 for another street's
referral), masked until claimed, claim → note → close by form, and the admins' counts page."""

from __future__ import annotations

from contextlib import AsyncExitStack

from sanic import Sanic

from core import accounts
from core.models import AuditLog, Referral
from tests.content.conftest import PASSWORD, Console, login
from tests.core.test_referrals import submit
from tests.support.asgi import client as asgi_client


async def _adviser(stack: AsyncExitStack, app: Sanic, username: str, *streets: str) -> Console:
    await accounts.add_staff(username, "adviser", PASSWORD, streets=streets)
    return await login(await stack.enter_async_context(asgi_client(app)), username)


async def test_advisers_see_their_streets_only(app: Sanic, console) -> None:  # type: ignore[no-untyped-def]
    cipher = app.ctx.cipher
    wusong = await submit(cipher, "wusong", name="王小梅")
    gucun = await submit(cipher, "gucun", name="李大山", urgent=True)
    async with AsyncExitStack() as stack:
        mine = await _adviser(stack, app, "adviser.wusong", "wusong")
        other = await _adviser(stack, app, "adviser.gucun", "gucun")
        admin, editor = await console("admin"), await console("editor")

        queue = (await mine.get("/console/referrals")).text
        assert f'id="referral-{wusong.id}"' in queue and f'id="referral-{gucun.id}"' not in queue
        assert "王*梅" in queue and "王小梅" not in queue and "13912345678" not in queue
        assert "救助顾问" in queue  # the nav link
        # Another street's referral does not exist for this adviser, whatever they try.
        assert (await mine.get(f"/console/referrals/{gucun.id}")).status_code == 404
        assert (await mine.post(f"/console/referrals/{gucun.id}/claim")).status_code == 404
        assert (await mine.get("/console/referrals?street=gucun")).text.count('id="referral-') == 0
        assert (await Referral.get(id=gucun.id)).claimed_by == ""
        theirs = (await other.get("/console/referrals")).text
        assert f'id="referral-{gucun.id}"' in theirs and "紧急" in theirs
        everything = (await admin.get("/console/referrals")).text
        assert f'id="referral-{wusong.id}"' in everything and f'id="referral-{gucun.id}"' in everything
        assert (await editor.get("/console/referrals")).status_code == 403
        assert (await mine.get("/console/referrals/stats")).status_code == 403


async def test_claim_note_close_by_form_with_audited_views(app: Sanic) -> None:
    referral = await submit(app.ctx.cipher, "wusong", name="王小梅")
    async with AsyncExitStack() as stack:
        mine = await _adviser(stack, app, "adviser.a", "wusong")
        page = (await mine.get(f"/console/referrals/{referral.id}")).text
        assert "王*梅" in page and "13912345678" not in page and "认领" in page
        r = await mine.post(f"/console/referrals/{referral.id}/claim")
        assert r.status_code == 302
        page = (await mine.get(r.headers["location"])).text
        assert "王小梅" in page and "13912345678" in page and "想申请低保" in page
        assert await AuditLog.filter(action="referral.view", actor="adviser.a").count() == 1
        r = await mine.post(f"/console/referrals/{referral.id}/note",
                            {"kind": "attempt", "reached": "1", "text": "电话联系上，约上门"})
        assert r.status_code == 302
        assert (await mine.post(f"/console/referrals/{referral.id}/note",
                                {"kind": "note", "text": ""})).status_code == 422
        r = await mine.post(f"/console/referrals/{referral.id}/close", {"outcome": "referred"})
        assert r.status_code == 302
        row = await Referral.get(id=referral.id)
        assert row.status == "closed" and row.outcome == "referred" and row.first_contact_at
        closed = (await mine.get("/console/referrals?closed=1")).text
        assert f'id="referral-{referral.id}"' in closed and "已转介其他部门" in closed


async def test_admin_counts_page_and_street_binding_on_the_accounts_page(app: Sanic,
                                                                         console) -> None:  # type: ignore[no-untyped-def]
    made = await submit(app.ctx.cipher, "wusong")
    admin = await console("admin")
    log = (await admin.get("/console/audit")).text
    assert "居民提交救助顾问求助" in log and f"求助 #{made.id}" in log and "王小梅" not in log
    stats = (await admin.get("/console/referrals/stats")).text
    assert 'id="stats-wusong"' in stats and "吴淞街道" in stats and "王" not in stats
    r = await admin.post("/console/staff", {"username": "adviser.new", "role": "adviser",
                                            "password": "first-day-pass", "streets": ["gucun", "wusong"]})
    assert r.status_code == 302, r.text
    page = (await admin.get("/console/staff")).text
    assert "社区救助顾问" in page and "吴淞街道、顾村镇" in page
    refused = await admin.post("/console/staff", {"username": "adviser.none", "role": "adviser",
                                                  "password": "first-day-pass"})
    assert refused.status_code == 422 and "至少一个服务街镇" in refused.text
