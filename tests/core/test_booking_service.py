"""The booking service called directly (as the bot or the console would), with an injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from sanic import Sanic

from core.booking import BookingError, codes, reads, rules, service
from core.booking.checkin import check_in
from core.booking.commands import Book
from core.booking.slots import local_times, open_slot
from core.crypto import FieldCipher
from core.models import MiniappUser, Setting


@pytest.fixture
def cipher(app: Sanic) -> FieldCipher:
    return FieldCipher(app.ctx.settings.secret_key)


async def _slot(day_offset: int = 0, hour: int = 15):  # type: ignore[no-untyped-def]
    day = (datetime.now(UTC).astimezone(rules.SHANGHAI) + timedelta(days=day_offset)).date()
    starts = datetime.combine(day, time(hour), rules.SHANGHAI)
    return await open_slot("charity_event", starts, starts + timedelta(hours=1), 5)


def _body(slot_id: int) -> dict:
    return {"slot_id": slot_id, "name": "陈七", "phone": "13900000000", "party_size": 1}


async def test_check_in_by_qr_once_on_the_day(app: Sanic, cipher: FieldCipher) -> None:
    user = await MiniappUser.create(openid="o-staff-test")
    slot = await _slot()
    morning = datetime.combine(slot.starts_at.astimezone(rules.SHANGHAI).date(), time(8),
                               rules.SHANGHAI)
    booking, created = await service.book(cipher, Book.from_body(_body(slot.id), user_id=user.id),
                                          now=morning)
    assert created
    payload = codes.qr_payload(cipher, booking.id, booking.code)
    with pytest.raises(BookingError, match="not_today"):
        await check_in(cipher, payload, now=morning - timedelta(days=1))
    with pytest.raises(BookingError, match="invalid_qr"):
        await check_in(cipher, payload[:-1] + ("0" if payload[-1] != "0" else "1"), now=morning)
    results = await asyncio.gather(*[check_in(cipher, payload, now=morning) for _ in range(3)],
                                   return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert {r.code for r in results if isinstance(r, BookingError)} == {"already_checked_in"}


async def test_staff_rules_override_the_defaults(app: Sanic, cipher: FieldCipher) -> None:
    user = await MiniappUser.create(openid="o-rules")
    slot = await _slot(day_offset=10)
    now = datetime.now(UTC)
    await Setting.create(key=reads.RULES_SETTING, value={"charity_event": {"days_ahead": 3}})
    with pytest.raises(BookingError, match="not_open"):
        await service.book(cipher, Book.from_body(_body(slot.id), user_id=user.id), now=now)
    await Setting.filter(key=reads.RULES_SETTING).update(value={"charity_event": {"days_ahead": 30}})
    booking, _ = await service.book(cipher, Book.from_body(_body(slot.id), user_id=user.id), now=now)
    assert booking.status == "confirmed"


def test_local_times_are_shanghai_wall_clock() -> None:
    starts, ends = local_times("2026-08-19", "09:00", "10:30")  # 七夕 2026
    assert starts.astimezone(UTC).hour == 1 and (ends - starts) == timedelta(minutes=90)
    with pytest.raises(BookingError):
        local_times("2026-08-19", "10:00", "09:00")
    with pytest.raises(BookingError):
        local_times("2026-02-30", "10:00", "11:00")


async def test_a_worker_remembers_the_slot_it_filled(app: Sanic, cipher: FieldCipher) -> None:
    """Thirty attempts at once on five places with the worker's memory: exactly five confirmed,
    the memory refuses the next attempt, and a place freed meanwhile is offered once it expires."""
    from core.booking.fullness import FullSlots
    from core.models import Booking

    slot = await _slot(day_offset=2)
    users = [await MiniappUser.create(openid=f"o-rush-{i}") for i in range(31)]
    clock = [100.0]
    full = FullSlots(clock=lambda: clock[0])

    async def attempt(user_id: int) -> str:
        try:
            await service.book(cipher, Book.from_body(_body(slot.id), user_id=user_id),
                               now=datetime.now(UTC), full=full)
            return "confirmed"
        except BookingError as exc:
            return exc.code

    outcomes = await asyncio.gather(*[attempt(u.id) for u in users[:30]])
    assert outcomes.count("confirmed") == 5 and outcomes.count("slot_full") == 25
    assert full.refuses(slot.id, 1)
    first = await Booking.filter(slot_id=slot.id).order_by("id").first()
    await service.cancel(first.id, user_id=first.user_id, now=datetime.now(UTC))  # type: ignore[union-attr]
    assert await attempt(users[30].id) == "slot_full"  # still within the memory's second
    clock[0] += 1.0
    assert await attempt(users[30].id) == "confirmed"
    assert (await reads.get_slot(slot.id)).booked == 5
