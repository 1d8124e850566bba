"""Retention (#19 item 11): expired sessions go, personal fields of bookings and waiting-list
entries are erased 180 days after the slot while every count stays, once a day across workers.
All on the real database with a fixed clock; the console is read over HTTP afterwards."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import openpyxl
import pytest
from sanic import Sanic

from content.dashboard import dashboard_context
from core import retention
from core.booking import BookingError, staff
from core.booking import service as booking_service
from core.booking import waitlist as waitlists
from core.booking.checkin import check_in_any
from core.booking.commands import Book, JoinWaitlist
from core.booking.rules import SHANGHAI
from core.booking.slots import open_slot
from core.crypto import FieldCipher
from core.models import (
    Booking,
    BookingClaim,
    BookingLookup,
    DailyCount,
    IdempotencyKey,
    MiniappSession,
    MiniappUser,
    Notification,
    Slot,
    StaffSession,
    StaffUser,
    UnansweredQuestion,
    WaitlistEntry,
    WechatUserState,
)
from core.settings import Settings
from tests.content.conftest import ConsoleFactory, console  # noqa: F401 - fixture
from tests.miniapp_api.conftest import couple, make_id

# 04:00 in Shanghai: past retention.RUN_FROM_HOUR, so the daily gate lets it run.
NOW = datetime(2026, 6, 1, 4, 0, tzinfo=SHANGHAI)
_BOOKING_FIELDS = ("id", "slot_id", "service", "status", "code", "party_size", "cancelled_at",
                   "checked_in_at", "no_show_at", "created_at")


@pytest.fixture
def cipher(app: Sanic) -> FieldCipher:
    return FieldCipher(app.ctx.settings.secret_key)


@pytest.fixture
def settings_of(app: Sanic) -> Settings:
    return app.ctx.settings  # type: ignore[no-any-return]


async def _slot(days_ago: int, service: str, capacity: int = 10) -> Slot:
    day = (NOW - timedelta(days=days_ago)).date()
    starts = datetime.combine(day, time(10), SHANGHAI)
    return await open_slot(service, starts, starts + timedelta(hours=1), capacity)


async def _user() -> int:
    return (await MiniappUser.create(openid=f"o-{uuid.uuid4().hex[:12]}")).id


def _before(slot: Slot) -> datetime:
    return slot.starts_at - timedelta(days=2)  # when the resident booked: inside every window


async def _marriage(cipher: FieldCipher, slot: Slot, seq: int, user: int | None = None) -> Booking:
    booking, _ = await booking_service.book(
        cipher, Book.from_body(couple(slot.id, seq), user_id=user or await _user(), key=f"key-{seq}"),
        now=_before(slot))
    return booking


async def _charity(cipher: FieldCipher, slot: Slot, user: int | None = None, size: int = 2) -> Booking:
    body = {"slot_id": slot.id, "name": "陈七", "phone": "13900000000", "party_size": size}
    booking, _ = await booking_service.book(cipher, Book.from_body(body, user_id=user or await _user()),
                                            now=_before(slot))
    return booking


async def _rows(ids: list[int]) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in await Booking.filter(id__in=ids).values(*_BOOKING_FIELDS)}


async def _places() -> dict[int, tuple[int, int]]:
    return {s.id: (s.booked, s.capacity) for s in await Slot.all()}


async def _erased_user() -> int:
    return (await MiniappUser.get(openid=retention.ERASED_OPENID)).id


async def test_expired_sessions_and_conversation_state_go_and_live_ones_stay(
        app: Sanic, settings_of: Settings) -> None:
    user = await _user()
    staffer = await StaffUser.create(username="clerk", password_hash="x", role="registrar")
    for name, expires in (("old", NOW - timedelta(minutes=1)), ("live", NOW + timedelta(hours=1))):
        await MiniappSession.create(user_id=user, token_hash=f"mini-{name}", session_key_enc="v2.x",
                                    expires_at=expires)
        await StaffSession.create(token_hash=f"staff-{name}", user=staffer, csrf="c", expires_at=expires)
        await WechatUserState.create(user=f"o-{name}", suggestions=["kb-1"], expires_at=expires)
    report = await retention.run_retention(settings_of, NOW)
    assert (report.miniapp_sessions, report.staff_sessions, report.wechat_states) == (1, 1, 1)
    assert await MiniappSession.all().values_list("token_hash", flat=True) == ["mini-live"]
    assert await StaffSession.all().values_list("token_hash", flat=True) == ["staff-live"]
    assert await WechatUserState.all().values_list("user", flat=True) == ["o-live"]


async def test_bookings_past_the_period_are_erased_and_every_count_stays(
        app: Sanic, cipher: FieldCipher, settings_of: Settings) -> None:
    old_marriage, old_charity = await _slot(181, "marriage_registration"), await _slot(181, "charity_event")
    recent = await _slot(179, "marriage_registration")
    resident = await _user()
    arrived = await _marriage(cipher, old_marriage, 1, resident)
    await check_in_any(cipher, arrived.code, now=old_marriage.starts_at)
    absent = await _charity(cipher, old_charity)
    await staff.mark_no_show(absent.id, now=old_charity.starts_at + timedelta(hours=2))
    cancelled = await _charity(cipher, old_charity, size=1)
    await booking_service.cancel(cancelled.id, user_id=cancelled.user_id,  # type: ignore[attr-defined]
                                 now=_before(old_charity))
    kept = await _marriage(cipher, recent, 2)
    old_ids = [arrived.id, absent.id, cancelled.id]
    kept_row = await Booking.get(id=kept.id)
    before_rows, before_places = await _rows([*old_ids, kept.id]), await _places()
    dashboard_before = await dashboard_context(datetime.now(UTC))

    report = await retention.run_retention(settings_of, NOW)

    assert report.bookings == 3
    # The rows stay with their slot, status, party size and marks: nothing any count reads moved.
    assert await _rows([*old_ids, kept.id]) == before_rows
    assert await _places() == before_places
    dashboard_after = await dashboard_context(datetime.now(UTC))
    assert dashboard_after["totals"] == dashboard_before["totals"]
    assert dashboard_after["booking_table"] == dashboard_before["booking_table"]
    # What identified the people is gone: the ciphertext, the masked copy, the account link, the
    # claims (keyed hashes of ID numbers), notifications and idempotency keys.
    erased_user = await _erased_user()
    for booking in await Booking.filter(id__in=old_ids):
        assert booking.personal_enc == ""
        assert booking.user_id == erased_user  # type: ignore[attr-defined]
        assert booking.masked["erased"] is True and booking.masked["name"] == retention.ERASED_LABEL
        assert not {"phone", "party_a", "party_b"} & set(booking.masked)
    assert (await Booking.get(id=absent.id)).masked["party_size"] == 2  # a choice, not a person
    assert not await Booking.filter(user_id=resident).exists()
    hashed = cipher.lookup_hash(make_id("19900101", male=True, seq=1))
    assert not await BookingClaim.filter(key__contains=hashed).exists()
    assert not await BookingClaim.filter(booking_id__in=old_ids).exists()
    # The counter's search hashes of phone and names go with them (issue #14).
    assert not await BookingLookup.filter(booking_id__in=old_ids).exists()
    assert not await Notification.filter(booking_id__in=old_ids).exists()
    assert not await IdempotencyKey.filter(booking_id__in=old_ids).exists()
    # 179 days: untouched, down to the ciphertext and its claims.
    fresh = await Booking.get(id=kept.id)
    assert (fresh.personal_enc, fresh.masked, fresh.user_id) == (  # type: ignore[attr-defined]
        kept_row.personal_enc, kept_row.masked, kept_row.user_id)  # type: ignore[attr-defined]
    assert await BookingClaim.filter(booking_id=kept.id).count() == 2
    assert await BookingLookup.filter(booking_id=kept.id).count() == 3
    assert await Notification.filter(booking_id=kept.id).exists()
    assert await IdempotencyKey.filter(booking_id=kept.id).exists()
    # Code that decrypts the personal form refuses cleanly instead of failing.
    with pytest.raises(BookingError, match="booking_not_found"):
        await booking_service.reschedule(cipher, arrived.id, recent.id, user_id=resident,
                                         now=_before(old_marriage))


async def test_waiting_list_entries_are_erased_likewise(app: Sanic, cipher: FieldCipher,
                                                        settings_of: Settings) -> None:
    entries = {}
    for days_ago in (181, 179):
        slot = await _slot(days_ago, "charity_event", capacity=1)
        await _charity(cipher, slot, size=1)
        body = {"slot_id": slot.id, "name": "王五", "phone": "13700000000", "party_size": 1}
        user = await _user()
        cmd = JoinWaitlist.from_body(body, user_id=user)
        entries[days_ago] = (await waitlists.join(cipher, cmd, now=_before(slot)), user)
    old, old_user = entries[181]
    kept, kept_user = entries[179]

    report = await retention.run_retention(settings_of, NOW)

    assert report.waitlist == 1
    erased = await WaitlistEntry.get(id=old.id)
    assert (erased.personal_enc, erased.active_key) == ("", None)
    assert erased.user_id == await _erased_user()  # type: ignore[attr-defined]
    assert erased.masked == {"erased": True, "name": retention.ERASED_LABEL, "party_size": 1}
    assert (erased.status, erased.slot_id, erased.party_size) == (  # type: ignore[attr-defined]
        "waiting", old.slot_id, 1)  # type: ignore[attr-defined]
    untouched = await WaitlistEntry.get(id=kept.id)
    assert (untouched.personal_enc, untouched.masked, untouched.user_id) == (  # type: ignore[attr-defined]
        kept.personal_enc, kept.masked, kept_user)
    assert old_user != kept_user
    # An erased entry still first in line is skipped, not a crash, if places ever free up.
    assert await waitlists.promote(cipher, old.slot_id, now=NOW) == []  # type: ignore[attr-defined]
    assert (await WaitlistEntry.get(id=old.id)).status == "skipped"


async def test_running_again_changes_nothing_and_batches_cover_everything(
        app: Sanic, cipher: FieldCipher, settings_of: Settings) -> None:
    slot = await _slot(400, "marriage_registration")
    ids = [(await _marriage(cipher, slot, seq)).id for seq in range(1, 6)]
    first = await retention.run_retention(settings_of, NOW, batch_size=2)  # 5 rows: 3 batches
    assert first.bookings == 5
    after_first = [(b.personal_enc, b.masked, b.user_id) for b in  # type: ignore[attr-defined]
                   await Booking.filter(id__in=ids).order_by("id")]
    again = await retention.run_retention(settings_of, NOW, batch_size=2)
    assert again == retention.RetentionReport()
    assert [(b.personal_enc, b.masked, b.user_id) for b in  # type: ignore[attr-defined]
            await Booking.filter(id__in=ids).order_by("id")] == after_first
    assert await MiniappUser.filter(openid=retention.ERASED_OPENID).count() == 1


async def test_unanswered_questions_past_their_period_are_deleted(app: Sanic,
                                                                  settings_of: Settings) -> None:
    for days_ago in (91, 89):
        row = await UnansweredQuestion.create(text="q", normalized=f"q{days_ago}", reason="none",
                                              channel="api")
        await UnansweredQuestion.filter(id=row.id).update(created_at=NOW - timedelta(days=days_ago))
    report = await retention.run_retention(settings_of, NOW)
    assert report.unanswered == 1
    assert await UnansweredQuestion.all().values_list("normalized", flat=True) == ["q89"]


async def test_it_runs_once_a_day_whichever_worker_asks(app: Sanic, cipher: FieldCipher,
                                                        settings_of: Settings) -> None:
    slot = await _slot(181, "charity_event")
    await _charity(cipher, slot)
    workers = [retention.DailyRetention() for _ in range(4)]  # four workers, maybe on two hosts
    night = NOW.replace(hour=retention.RUN_FROM_HOUR - 1)
    assert [await w.maybe_run(settings_of, night) for w in workers] == [None] * 4
    reports = await asyncio.gather(*(w.maybe_run(settings_of, NOW) for w in workers))
    assert [r.bookings for r in reports if r is not None] == [1]
    assert [await w.maybe_run(settings_of, NOW + timedelta(hours=5)) for w in workers] == [None] * 4
    next_day = await asyncio.gather(*(w.maybe_run(settings_of, NOW + timedelta(days=1)) for w in workers))
    assert sum(r is not None for r in next_day) == 1
    assert await DailyCount.filter(metric=retention.RUN_METRIC).count() == 2


async def test_console_shows_erased_bookings_without_failing(
        app: Sanic, cipher: FieldCipher, settings_of: Settings, console: ConsoleFactory) -> None:  # noqa: F811
    slot = await _slot(181, "marriage_registration")
    booking = await _marriage(cipher, slot, 1)
    await retention.run_retention(settings_of, NOW)
    registrar = await console("registrar")
    page = await registrar.get(f"/console/slots/{slot.id}")
    assert page.status_code == 200 and retention.ERASED_LABEL in page.text and booking.code in page.text
    csv = await registrar.get(f"/console/slots/{slot.id}/export", params={"format": "csv"})
    assert csv.status_code == 200 and retention.ERASED_LABEL in csv.content.decode("utf-8-sig")
    xlsx = await registrar.get(f"/console/slots/{slot.id}/export", params={"format": "xlsx"})
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    day = slot.starts_at.astimezone(SHANGHAI).date()
    assert [c.value for c in sheet[2]][:5] == [booking.code, "结婚登记", day.isoformat(), "10:00-11:00",
                                               retention.ERASED_LABEL]
    ranged = await registrar.get("/console/bookings/export", params={
        "format": "csv", "service": "marriage_registration", "from": day.isoformat(),
        "to": day.isoformat()})
    assert ranged.status_code == 200 and booking.code in ranged.content.decode("utf-8-sig")
    # The counter: another day's booking is refused as such, with the erased label as its name.
    counter = await registrar.post("/console/checkin", {"code": booking.code})
    assert counter.status_code == 409 and retention.ERASED_LABEL in counter.text
