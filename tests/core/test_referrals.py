"""The adviser's side of referrals (core.referral_desk) and the counts: street isolation, masked
data until claimed, audited views, claim → contact → close, overdue after two working days, and
the adviser role's street binding (core.accounts)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sanic import Sanic

from core import accounts, referral_desk, referral_stats, referrals
from core.accounts import AuthError
from core.crypto import FieldCipher
from core.models import AuditLog, MiniappUser, Referral, ReferralEvent, StaffUser
from core.referral_desk import Desk, ReferralError
from core.tz import SHANGHAI

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
WUSONG = Desk("adviser.wusong", False, ("wusong",))
GUCUN = Desk("adviser.gucun", False, ("gucun", "luodian"))
ADMIN = Desk("boss", True, ())


async def submit(cipher: FieldCipher, street: str = "wusong", *, urgent: bool = False,
                 name: str = "王小梅", now: datetime = NOW) -> Referral:
    user = await MiniappUser.create(openid=f"o-{street}-{name}-{urgent}-{now.timestamp()}")
    cmd = referrals.SubmitReferral.from_body(
        {"street": street, "name": name, "phone": "13912345678", "consent": True, "urgent": urgent,
         "answers": {"income_band": "low"}, "note": "想申请低保"}, user_id=user.id)
    return await referrals.submit(cipher, cmd, now=now)


async def test_an_adviser_never_sees_another_streets_referral(app: Sanic) -> None:
    cipher = app.ctx.cipher
    theirs = await submit(cipher, "wusong")
    for action in (referral_desk.view(cipher, GUCUN, theirs.id),
                   referral_desk.claim(GUCUN, theirs.id, now=NOW),
                   referral_desk.add_note(cipher, GUCUN, theirs.id, "x", now=NOW),
                   referral_desk.close(GUCUN, theirs.id, "applied", now=NOW)):
        with pytest.raises(ReferralError) as err:
            await action
        assert err.value.code == "referral_not_found"
    assert await referral_desk.queue(GUCUN) == []
    assert [r.id for r in await referral_desk.queue(WUSONG)] == [theirs.id]
    assert [r.id for r in await referral_desk.queue(ADMIN)] == [theirs.id]
    assert (await Referral.get(id=theirs.id)).claimed_by == ""


async def test_masked_until_claimed_then_every_view_is_audited(app: Sanic) -> None:
    cipher = app.ctx.cipher
    referral = await submit(cipher)
    seen = await referral_desk.view(cipher, WUSONG, referral.id)
    assert not seen.mine and seen.personal == {"name": "王*梅", "phone": "139****5678"}
    assert not await AuditLog.filter(action="referral.view").exists()

    await referral_desk.claim(WUSONG, referral.id, now=NOW)
    seen = await referral_desk.view(cipher, WUSONG, referral.id)
    assert seen.mine and seen.personal["phone"] == "13912345678" and seen.personal["note"] == "想申请低保"
    await referral_desk.view(cipher, WUSONG, referral.id)
    views = await AuditLog.filter(action="referral.view").values("actor", "target", "before", "after")
    assert views == [{"actor": WUSONG.username, "target": f"referral:{referral.id}", "before": None,
                      "after": None}] * 2
    # The admin sees it, masked: it is not theirs.
    assert not (await referral_desk.view(cipher, ADMIN, referral.id)).mine


async def test_claim_contact_and_close(app: Sanic) -> None:
    cipher = app.ctx.cipher
    referral = await submit(cipher)
    other = Desk("adviser.two", False, ("wusong",))
    with pytest.raises(ReferralError, match="referral_not_yours"):
        await referral_desk.add_note(cipher, WUSONG, referral.id, "打了电话", now=NOW, attempt=True)
    await referral_desk.claim(WUSONG, referral.id, now=NOW)
    with pytest.raises(ReferralError, match="referral_claimed"):
        await referral_desk.claim(other, referral.id, now=NOW)
    with pytest.raises(ReferralError, match="referral_bad_text"):
        await referral_desk.add_note(cipher, WUSONG, referral.id, "  ", now=NOW)

    later = NOW + timedelta(hours=5)
    await referral_desk.add_note(cipher, WUSONG, referral.id, "无人接听", now=NOW + timedelta(hours=1),
                                 attempt=True, reached=False)
    assert (await Referral.get(id=referral.id)).status == "submitted"
    await referral_desk.add_note(cipher, WUSONG, referral.id, "已联系上，约周四上门", now=later,
                                 attempt=True, reached=True)
    await referral_desk.add_note(cipher, WUSONG, referral.id, "老人独居，需助餐", now=later)
    row = await Referral.get(id=referral.id)
    assert row.status == "contacted" and row.first_contact_at == later
    # Notes are encrypted at rest.
    stored = json.dumps(await ReferralEvent.all().values("text_enc"), ensure_ascii=False)
    assert "上门" not in stored and "助餐" not in stored
    events = (await referral_desk.view(cipher, WUSONG, referral.id)).events
    assert [(e.kind, e.text) for e in events] == [
        ("attempt", "无人接听"), ("attempt", "已联系上，约周四上门"), ("note", "老人独居，需助餐")]
    assert all(e.text == "" for e in (await referral_desk.view(cipher, other, referral.id)).events)

    with pytest.raises(ReferralError, match="referral_bad_outcome"):
        await referral_desk.close(WUSONG, referral.id, "done", now=later)
    await referral_desk.close(WUSONG, referral.id, "applied", now=later)
    row = await Referral.get(id=referral.id)
    assert row.status == "closed" and row.outcome == "applied" and row.closed_at == later
    with pytest.raises(ReferralError, match="referral_closed"):
        await referral_desk.add_note(cipher, WUSONG, referral.id, "再补充", now=later)
    actions = await AuditLog.all().order_by("id").values_list("action", flat=True)
    assert actions.count("referral.attempt") == 2 and "referral.close" in actions
    # No audit row carries the resident's name, phone or any note text.
    everything = json.dumps(await AuditLog.all().values(), default=str, ensure_ascii=False)
    for secret in ("王小梅", "13912345678", "上门", "助餐", "低保"):
        assert secret not in everything


async def test_queue_puts_uncontacted_and_urgent_first(app: Sanic) -> None:
    cipher = app.ctx.cipher
    old = await submit(cipher, name="甲甲")
    contacted = await submit(cipher, name="乙乙")
    urgent = await submit(cipher, name="丙丙", urgent=True)
    await referral_desk.claim(WUSONG, contacted.id, now=NOW)
    await referral_desk.add_note(cipher, WUSONG, contacted.id, "联系上了", now=NOW, attempt=True,
                                 reached=True)
    assert [r.id for r in await referral_desk.queue(WUSONG)] == [urgent.id, old.id, contacted.id]


def test_overdue_after_two_working_days_skipping_weekends_and_holidays() -> None:
    friday = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    assert referral_desk.overdue_at(friday) == datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)  # Tue
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)
    assert referral_desk.overdue_at(saturday) == datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
    assert referral_desk.overdue_at(monday) == datetime(2026, 12, 9, 9, 0, tzinfo=SHANGHAI)
    assert referral_desk.overdue_at(monday, [date(2026, 12, 8)]) == \
        datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)


async def test_overdue_only_while_not_yet_contacted(app: Sanic) -> None:
    cipher = app.ctx.cipher
    friday = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    referral = await Referral.get(id=(await submit(cipher)).id)
    referral.created_at = friday
    assert not referral_desk.is_overdue(referral, datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI))
    assert referral_desk.is_overdue(referral, datetime(2026, 12, 8, 11, 0, tzinfo=SHANGHAI))
    referral.status = "contacted"
    assert not referral_desk.is_overdue(referral, datetime(2026, 12, 9, 11, 0, tzinfo=SHANGHAI))


async def test_counts_per_street_include_withdrawn_and_median_contact(app: Sanic) -> None:
    cipher = app.ctx.cipher
    fast, slow = await submit(cipher, name="快快"), await submit(cipher, name="慢慢")
    withdrawn = await submit(cipher, "gucun", urgent=True)
    await referrals.withdraw(withdrawn.user_id, withdrawn.id, now=NOW)
    for referral, hours in ((fast, 2), (slow, 10)):
        await referral_desk.claim(WUSONG, referral.id, now=NOW)
        await referral_desk.add_note(cipher, WUSONG, referral.id, "联系上了", attempt=True, reached=True,
                                     now=referral.created_at + timedelta(hours=hours))
    await referral_desk.close(WUSONG, fast.id, "no_need", now=NOW)
    counts = await referral_stats.counts()
    assert counts["wusong"].requests == 2 and counts["wusong"].open == 1
    assert counts["wusong"].outcomes == {"no_need": 1} and counts["wusong"].median_hours == 6.0
    assert counts["gucun"].requests == 1 and counts["gucun"].urgent == 1
    assert counts["gucun"].outcomes == {"withdrawn": 1}


async def test_adviser_accounts_are_bound_to_known_streets(app: Sanic) -> None:
    with pytest.raises(AuthError, match="adviser_streets"):
        await accounts.add_staff("adviser.none", "adviser", "long-enough-pass")
    with pytest.raises(AuthError, match="adviser_streets"):
        await accounts.add_staff("adviser.bad", "adviser", "long-enough-pass", streets=("pudong",))
    user = await accounts.add_staff("adviser.ok", "adviser", "long-enough-pass",
                                    streets=("luodian", "wusong", "wusong"))
    assert user.streets == "wusong,luodian"  # the file's order, once each
    assert (await referral_desk.desk_of(user.id)).streets == ("wusong", "luodian")
    editor = await accounts.add_staff("editor.x", "editor", "long-enough-pass", streets=("wusong",))
    assert editor.streets == ""  # only advisers serve streets

    admin = await accounts.add_staff("admin.x", "admin", "long-enough-pass")
    await accounts.change(admin, accounts.AccountChange(user.id, "streets", streets=("gucun",)))
    assert (await StaffUser.get(id=user.id)).streets == "gucun"
    with pytest.raises(AuthError, match="adviser_streets"):
        await accounts.change(admin, accounts.AccountChange(editor.id, "streets", streets=("gucun",)))
    # A role change to adviser needs streets; away from adviser drops them.
    with pytest.raises(AuthError, match="adviser_streets"):
        await accounts.change(admin, accounts.AccountChange(editor.id, "role", role="adviser"))
    await accounts.change(admin, accounts.AccountChange(user.id, "role", role="editor"))
    assert (await StaffUser.get(id=user.id)).streets == ""
    audit = await AuditLog.filter(action="staff.streets").values("before", "after")
    assert audit[0]["before"]["streets"] == "wusong,luodian" and audit[0]["after"]["streets"] == "gucun"
