"""Retention (PIPL: personal data kept no longer than its purpose needs), run once a day.

What goes, and when:

- mini-program and console sessions, and the bot's conversation state (the numbered suggestions
  last offered to an openid and the topic of its last answer) and guided-flow state (the
  政策找人 self-check's answers, ``core.flows``): once they have expired;
- the personal fields of bookings and waiting-list entries: ``settings.retention_personal_days``
  after the slot's start. The row stays with its slot, service, status, party size and check-in /
  no-show marks, so every count (slot places, dashboard, exports' totals) is unchanged; what could
  identify the person goes: the encrypted form (emptied), the masked copy (replaced by a marker),
  the uniqueness claims (keyed hashes of ID numbers), the notifications and idempotency keys that
  tie the booking to the resident's account, and the account itself (the row is moved to
  ``ERASED_OPENID``, an account no WeChat login can ever resolve to, because ``user_id`` is not
  nullable and a schema change was not worth it);
- unanswered questions: ``settings.retention_unanswered_days`` after they were asked
  (``core.unanswered.purge_unanswered``); crisis messages kept for staff follow-up and answers
  kept for staff review likewise (``core.urgent.purge``, ``core.answer_review.purge``);
- referrals to the community assistance adviser: ``settings.retention_referral_days`` (default a
  year) after they were closed, row and staff notes deleted, one anonymous tally line kept for the
  counts (``core.referral_stats.erase_closed``).
- proxy-sweeping orders: ``retention_personal_days`` after the order's day, their personal fields,
  photos and notifications (``core.proxy_sweeping.retention``).

Erasure is idempotent (an erased row has an empty ``personal_enc`` and is never picked again) and
done in batches of ``BATCH`` rows, each its own short transaction, so a first run over years of
data never holds a long lock. Readers cope with erased rows: decrypting ``""`` raises
FieldDecryptError, which reschedule and waiting-list promotion already turn into a refusal or a
skip, and pages and exports show the masked copy, whose ``name`` is ``ERASED_LABEL``.

``DailyRetention`` makes the periodic job of every worker on every host run it at most once per
Shanghai day: the first to insert the day's ``daily_count`` row (unique day + metric) runs it.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from core import answer_review, flows, referral_stats, tz, urgent
from core.models import (
    Booking,
    BookingClaim,
    BookingLookup,
    DailyCount,
    IdempotencyKey,
    MiniappSession,
    MiniappUser,
    Notification,
    StaffSession,
    WaitlistEntry,
    WechatUserState,
)
from core.proxy_sweeping import retention as proxy_retention
from core.settings import Settings
from core.unanswered import purge_unanswered

log = logging.getLogger("baoshan.retention")

BATCH = 500
# WeChat openids are 28 characters of [A-Za-z0-9_-]: this one can never come back from a login.
ERASED_OPENID = "~erased-by-retention"
# What staff see instead of the names (console list, check-in, exports read ``masked["name"]``).
ERASED_LABEL = "已按规定删除"
# Kept in the masked copy: they describe the service asked for, not the person.
_KEPT_MASKED = ("burial_type", "party_size")
RUN_METRIC = "retention.run"
# The daily run starts from this Shanghai hour: away from midnight, when booking windows open.
RUN_FROM_HOUR = 3


@dataclass(frozen=True)
class RetentionReport:
    """Counts only: what one run removed or erased."""

    miniapp_sessions: int = 0
    staff_sessions: int = 0
    wechat_states: int = 0
    bookings: int = 0
    waitlist: int = 0
    unanswered: int = 0
    urgent: int = 0
    reviews: int = 0
    guided_flows: int = 0
    referrals: int = 0
    proxy_orders: int = 0  # --- proxy --- proxy-sweeping orders (core.proxy_sweeping.retention)


def erased_masked(masked: Any) -> dict[str, Any]:
    """The masked copy of an erased row: the marker, the label and the non-personal choices."""
    kept = {k: masked[k] for k in _KEPT_MASKED
            if isinstance(masked, dict) and isinstance(masked.get(k), str | int)}
    return {"erased": True, "name": ERASED_LABEL, **kept}


async def _erased_user_id() -> int:
    """The account erased rows are moved to. Never delete it: its rows cascade with it."""
    user = await MiniappUser.get_or_none(openid=ERASED_OPENID)
    if user is None:
        try:
            user = await MiniappUser.create(openid=ERASED_OPENID)
        except IntegrityError:  # another host created it at the same moment
            user = await MiniappUser.get(openid=ERASED_OPENID)
    user_id: int = user.id  # Tortoise types a model's fields as Any
    return user_id


async def _delete_batched(model: type[Model], key: str, batch_size: int, *conditions: Q,
                          **where: Any) -> int:
    """Deletes the rows matching ``where``, ``batch_size`` at a time (each statement is short)."""
    total = 0
    while True:
        keys = await model.filter(*conditions, **where).order_by(key).limit(batch_size) \
            .values_list(key, flat=True)
        if not keys:
            return total
        total += await model.filter(**{f"{key}__in": list(keys)}).delete()
        if len(keys) < batch_size:
            return total


def _by_masked(rows: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], list[int]]]:
    """Rows grouped by their erased masked copy: one UPDATE per group (a handful) per batch."""
    groups: dict[str, tuple[dict[str, Any], list[int]]] = {}
    for row in rows:
        masked = erased_masked(row["masked"])
        group_key = repr(sorted(masked.items()))
        groups.setdefault(group_key, (masked, []))[1].append(int(row["id"]))
    return groups


async def _erase(model: type[Model], cutoff: datetime, erased_user: int, batch_size: int) -> int:
    """Erases the personal fields of ``model`` rows (bookings or waiting-list entries) whose slot
    started before ``cutoff``. A row already erased has ``personal_enc == ""`` and is skipped."""
    erased, last_id = 0, 0
    while True:
        rows = await (model.filter(slot__starts_at__lt=cutoff, id__gt=last_id)
                      .exclude(personal_enc="").order_by("id").limit(batch_size)
                      .values("id", "masked"))
        if not rows:
            return erased
        last_id = int(rows[-1]["id"])
        ids = [int(row["id"]) for row in rows]
        changes: dict[str, Any] = {"personal_enc": "", "user_id": erased_user}
        if model is WaitlistEntry:
            changes["active_key"] = None  # "slot:user": would collide under the one account
        async with in_transaction():
            # The row first, then what hangs off it: the lock order of the booking service.
            for masked, group in _by_masked(rows).values():
                erased += await (model.filter(id__in=group).exclude(personal_enc="")
                                 .update(masked=masked, **changes))
            if model is Booking:
                await BookingClaim.filter(booking_id__in=ids).delete()
                # The search hashes of phone and names identify the person too (identity.py).
                await BookingLookup.filter(booking_id__in=ids).delete()
                await Notification.filter(booking_id__in=ids).delete()
                await IdempotencyKey.filter(booking_id__in=ids).delete()
        if len(rows) < batch_size:
            return erased


async def run_retention(settings: Settings, now: datetime, *, batch_size: int = BATCH
                        ) -> RetentionReport:
    """One retention pass at ``now``; safe to repeat and to run on two hosts at once."""
    # UTC bounds: SQLite compares the stored UTC text, where a +08:00 bound sorts wrongly.
    now = now.astimezone(UTC)
    personal_cutoff = now - timedelta(days=settings.retention_personal_days)
    erased_user = await _erased_user_id()
    report = RetentionReport(
        miniapp_sessions=await _delete_batched(MiniappSession, "id", batch_size, expires_at__lt=now),
        staff_sessions=await _delete_batched(StaffSession, "token_hash", batch_size, expires_at__lt=now),
        # A row holds suggestions and a topic, each with its own expiry: it goes once both have.
        wechat_states=await _delete_batched(
            WechatUserState, "user", batch_size,
            Q(topic_expires_at__isnull=True) | Q(topic_expires_at__lt=now), expires_at__lt=now),
        bookings=await _erase(Booking, personal_cutoff, erased_user, batch_size),
        waitlist=await _erase(WaitlistEntry, personal_cutoff, erased_user, batch_size),
        unanswered=await purge_unanswered(now - timedelta(days=settings.retention_unanswered_days)),
        urgent=await urgent.purge(now - timedelta(days=settings.retention_unanswered_days)),
        reviews=await answer_review.purge(now - timedelta(days=settings.retention_unanswered_days)),
        # The 政策找人 self-check's answers: gone once the flow expired (30 minutes).
        guided_flows=await flows.purge_expired(now, batch_size),
        referrals=await referral_stats.erase_closed(
            now - timedelta(days=settings.retention_referral_days), batch_size),
        proxy_orders=await proxy_retention.erase(settings.var_dir, tz.local_day(personal_cutoff),
                                                 erased_user, batch_size),
    )
    log.info("retention done", extra=asdict(report))  # counts only, never a row's content
    return report


async def claim_day(day: date) -> bool:
    """True for exactly one caller per day, across workers and hosts: the day's row is unique."""
    try:
        # A savepoint if a caller is inside a transaction: a failed INSERT would abort it on PG.
        async with in_transaction():
            await DailyCount.create(day=day, metric=RUN_METRIC, count=1)
    except IntegrityError:
        return False
    return True


async def release_day(day: date) -> None:
    """Gives a failed day back, so the next round (on any worker) tries again."""
    await DailyCount.filter(day=day, metric=RUN_METRIC).delete()


class DailyRetention:
    """Held by each worker's periodic job. After the day is settled (run here or claimed
    elsewhere) the worker remembers it and asks the database nothing more until the next day."""

    def __init__(self) -> None:
        self._settled: date | None = None

    async def maybe_run(self, settings: Settings, now: datetime) -> RetentionReport | None:
        local = tz.local(now)
        day = local.date()
        if local.hour < RUN_FROM_HOUR or self._settled == day:
            return None
        won = await claim_day(day)
        self._settled = day
        if not won:
            return None
        try:
            return await run_retention(settings, now)
        except Exception:
            self._settled = None
            await release_day(day)
            raise
