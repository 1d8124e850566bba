"""Anonymous counts of referrals, and their erasure after the retention period.

A referral that leaves the ``referral`` table (withdrawn by the resident, or erased by retention
``settings.retention_referral_days`` after it was closed) leaves one ``ReferralTally`` line: its
street, the month it was asked in, urgency, outcome and hours to first contact. The counts page
reads live rows (their anonymous columns only) and the tally together, so every request counts
exactly once whatever became of it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import sql, tz
from core.models import Referral, ReferralEvent, ReferralTally
from core.models.referral import OUTCOMES

# What a tally line's outcome may be: a closing outcome, "withdrawn", or "" (erased while open).
TALLY_OUTCOMES = (*OUTCOMES, "withdrawn", "")
BATCH = 200


def hours_between(start: datetime | str | None, end: datetime | str | None) -> float | None:
    first, last = sql.aware(start), sql.aware(end)
    if first is None or last is None:
        return None
    return round((last - first).total_seconds() / 3600, 2)


async def tally(referral: Referral, outcome: str, *, conn: BaseDBAsyncClient | None = None) -> None:
    created = sql.aware(referral.created_at) or referral.created_at
    await ReferralTally.create(
        street=referral.street, month=tz.local(created).strftime("%Y-%m"),
        urgent=referral.urgent, outcome=outcome,
        hours_to_contact=hours_between(referral.created_at, referral.first_contact_at),
        using_db=conn)


@dataclass
class StreetCounts:
    street: str
    requests: int = 0
    urgent: int = 0
    open: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    contact_hours: list[float] = field(default_factory=list)

    @property
    def median_hours(self) -> float | None:
        return round(statistics.median(self.contact_hours), 1) if self.contact_hours else None


async def counts() -> dict[str, StreetCounts]:
    """Per street code: requests, urgent ones, still open, outcomes, median hours to contact."""
    out: dict[str, StreetCounts] = {}

    def add(street: str, urgent: bool, outcome: str, hours: float | None, is_open: bool) -> None:
        row = out.setdefault(street, StreetCounts(street))
        row.requests += 1
        row.urgent += int(urgent)
        row.open += int(is_open)
        if outcome:
            row.outcomes[outcome] = row.outcomes.get(outcome, 0) + 1
        if hours is not None:
            row.contact_hours.append(hours)

    live: list[dict[str, Any]] = await Referral.all().values(
        "street", "urgent", "status", "outcome", "created_at", "first_contact_at")
    for r in live:
        add(r["street"], r["urgent"], r["outcome"], hours_between(r["created_at"], r["first_contact_at"]),
            r["status"] != "closed")
    for t in await ReferralTally.all().values("street", "urgent", "outcome", "hours_to_contact"):
        add(t["street"], t["urgent"], t["outcome"], t["hours_to_contact"], False)
    return out


async def erase_closed(cutoff: datetime, batch_size: int = BATCH) -> int:
    """Deletes referrals closed before ``cutoff`` (and their notes), leaving a tally line each.
    Batches of short transactions, so a first run over years of rows holds no long lock."""
    erased = 0
    while True:
        async with in_transaction() as conn:
            rows = await (Referral.filter(status="closed", closed_at__lt=cutoff).using_db(conn)
                          .order_by("id").limit(batch_size))
            for referral in rows:
                await tally(referral, referral.outcome, conn=conn)
            ids = [r.id for r in rows]
            if ids:
                await ReferralEvent.filter(referral_id__in=ids).using_db(conn).delete()
                erased += await Referral.filter(id__in=ids).using_db(conn).delete()
        if len(rows) < batch_size:
            return erased
