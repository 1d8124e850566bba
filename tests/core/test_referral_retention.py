"""Retention of referrals: a closed referral is erased (row and staff notes) once the retention
period after closing has passed, open and recently closed ones stay, and the counts do not change."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from sanic import Sanic

from core import referral_desk, referral_stats, retention
from core.models import Referral, ReferralEvent, ReferralTally
from core.settings import Settings
from tests.core.test_referrals import WUSONG, submit

NOW = datetime(2027, 12, 10, 4, 0, tzinfo=UTC)


async def test_closed_referrals_are_erased_after_a_year_keeping_counts(app: Sanic,
                                                                       migrated: Settings) -> None:
    cipher = app.ctx.cipher
    assert migrated.retention_referral_days == 365  # the default: a year after closing
    long_ago = NOW - timedelta(days=400)
    old = await submit(cipher, name="旧旧", now=long_ago)
    recent = await submit(cipher, name="新新", now=long_ago)
    still_open = await submit(cipher, name="开开", now=long_ago)
    for referral, closed_at in ((old, NOW - timedelta(days=366)), (recent, NOW - timedelta(days=300))):
        await referral_desk.claim(WUSONG, referral.id, now=long_ago)
        await referral_desk.add_note(cipher, WUSONG, referral.id, "联系上了", attempt=True, reached=True,
                                     now=referral.created_at + timedelta(hours=4))
        await referral_desk.close(WUSONG, referral.id, "applied", now=closed_at)
    before = await referral_stats.counts()

    report = await retention.run_retention(migrated, NOW)
    assert report.referrals == 1
    assert sorted(await Referral.all().values_list("id", flat=True)) == sorted([recent.id, still_open.id])
    assert not await ReferralEvent.filter(referral_id=old.id).exists()
    [tally] = await ReferralTally.all().values("street", "outcome", "hours_to_contact")
    assert tally == {"street": "wusong", "outcome": "applied", "hours_to_contact": 4.0}
    after = await referral_stats.counts()
    assert after["wusong"].requests == before["wusong"].requests == 3
    assert after["wusong"].outcomes == before["wusong"].outcomes == {"applied": 2}
    assert after["wusong"].median_hours == before["wusong"].median_hours == 4.0

    # Idempotent; a shorter setting reaches the recently closed one too.
    assert (await retention.run_retention(migrated, NOW)).referrals == 0
    shorter = dataclasses.replace(migrated, retention_referral_days=200)
    assert (await retention.run_retention(shorter, NOW)).referrals == 1
    assert await Referral.all().values_list("id", flat=True) == [still_open.id]
