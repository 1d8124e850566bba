"""Staff editing slots and acting on several at once (core.booking: staff.edit_slot, bulk labels and
preview, the use cases close_slots / change_capacities) on the real database with a fixed clock;
and a closed slot's places left (core.booking.slots.places_left)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest
from sanic import Sanic

from core.booking import BookingError, bulk, staff
from core.booking import service as booking_service
from core.booking.commands import Book, ChangeCapacities, CloseSlots, EditSlot
from core.booking.fullness import FullSlots
from core.booking.rules import SHANGHAI
from core.booking.slots import open_slot, places_left
from core.booking.usecases import Bookings
from core.crypto import FieldCipher
from core.models import AuditLog, Booking, MiniappUser, Notification, Slot

MONDAY = date(2026, 5, 18)
NOW = datetime.combine(MONDAY, time(8, 0), SHANGHAI)


@pytest.fixture
def cipher(app: Sanic) -> FieldCipher:
    return FieldCipher(app.ctx.settings.secret_key)


def _uc(cipher: FieldCipher) -> Bookings:
    return Bookings(cipher, FullSlots(), lambda: NOW)


async def _slot(capacity: int = 10, *, hour: int = 15, days: int = 3,
                service: str = "charity_event") -> Slot:
    starts = datetime.combine(MONDAY + timedelta(days=days), time(hour), SHANGHAI)
    return await open_slot(service, starts, starts + timedelta(hours=1), capacity)


async def _book(cipher: FieldCipher, slot: Slot) -> Booking:
    user = await MiniappUser.create(openid=f"o-{uuid.uuid4().hex[:12]}")
    body = {"slot_id": slot.id, "name": "陈七", "phone": "13900000000", "party_size": 1}
    booking, _ = await booking_service.book(cipher, Book.from_body(body, user_id=user.id), now=NOW)
    return booking


def _edit(slot: Slot, **change: object) -> EditSlot:
    values: dict[str, object] = {"actor": "reg", "slot_id": slot.id, "title": slot.title,
                                 "theme": slot.theme, "place": slot.place,
                                 "starts_at": slot.starts_at, "ends_at": slot.ends_at}
    return EditSlot.model_validate({**values, **change})


async def test_an_unbooked_slot_changes_title_theme_place_and_time_with_an_audit_row(
        cipher: FieldCipher) -> None:
    slot = await _slot(service="collective_ceremony")
    later = datetime.combine(MONDAY + timedelta(days=5), time(10), SHANGHAI)
    saved = await _uc(cipher).edit_slot(_edit(slot, title=" 七夕  集体颁证 ", theme="七夕",
                                              place="宝山区婚姻登记处", starts_at=later,
                                              ends_at=later + timedelta(hours=2)))
    assert (saved.title, saved.theme, saved.place) == ("七夕 集体颁证", "七夕", "宝山区婚姻登记处")
    assert saved.starts_at == later and saved.ends_at == later + timedelta(hours=2)
    row = await AuditLog.get(action="slot.edit")
    assert row.target == f"slot:{slot.id}" and row.actor == "reg"
    assert row.before["title"] == "集体颁证" and row.after["theme"] == "七夕"
    assert row.after["starts_at"] == "2026-05-23T10:00+08:00"
    # An empty title means the service's name again; an unchanged form writes nothing.
    await _uc(cipher).edit_slot(_edit(saved, title=""))
    assert (await Slot.get(id=slot.id)).title == "集体颁证"
    await _uc(cipher).edit_slot(_edit(await Slot.get(id=slot.id)))
    assert await AuditLog.filter(action="slot.edit").count() == 2


async def test_a_booked_slot_keeps_its_time_and_place_but_may_be_renamed(cipher: FieldCipher) -> None:
    slot = await _slot()
    await _book(cipher, slot)
    for change in ({"starts_at": slot.starts_at + timedelta(hours=1),
                    "ends_at": slot.ends_at + timedelta(hours=1)}, {"place": "另一处"}):
        with pytest.raises(BookingError) as caught:
            await _uc(cipher).edit_slot(_edit(slot, **change))
        assert caught.value.code == "slot_has_bookings" and caught.value.params["booked"] == 1
    fresh = await Slot.get(id=slot.id)
    assert fresh.starts_at == slot.starts_at and fresh.place == ""
    await _uc(cipher).edit_slot(_edit(slot, title="慈善义卖", theme="敬老"))
    fresh = await Slot.get(id=slot.id)
    assert (fresh.title, fresh.theme) == ("慈善义卖", "敬老")


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"theme": "主" * 101}, "theme", "不能超过 100 个字"),
    ({"ends_offset": -2}, "ends_at", "结束时间应晚于开始时间"),
    ({"past": True}, "starts_at", "应晚于现在"),
])
async def test_bad_edits_are_refused_naming_the_field(cipher: FieldCipher, change: dict, field: str,
                                                      says: str) -> None:
    slot = await _slot()
    values: dict[str, object] = {}
    if "theme" in change:
        values["theme"] = change["theme"]
    if "ends_offset" in change:
        values["ends_at"] = slot.starts_at + timedelta(hours=change["ends_offset"])
    if "past" in change:
        values["starts_at"], values["ends_at"] = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    with pytest.raises(BookingError) as caught:
        await _uc(cipher).edit_slot(_edit(slot, **values))
    assert caught.value.field == field and says in (caught.value.detail or "")


async def test_a_closed_slot_cannot_be_edited_and_has_no_places_left(cipher: FieldCipher) -> None:
    slot = await _slot(capacity=4)
    await _book(cipher, slot)
    assert places_left(await Slot.get(id=slot.id)) == 3
    await staff.close_slot(slot.id, "场地检修", now=NOW)
    closed = await Slot.get(id=slot.id)
    assert closed.booked == 0 and places_left(closed) == 0  # capacity - booked would say 4
    with pytest.raises(BookingError) as caught:
        await _uc(cipher).edit_slot(_edit(closed, title="新标题"))
    assert caught.value.code == "slot_closed"


async def test_bulk_open_carries_labels_and_preview_writes_nothing(app: Sanic) -> None:
    labels = bulk.SlotLabels("“520”集体颁证", "520", "宝山区婚姻登记处", 18, 45, True)
    req = bulk.BulkRequest(service="collective_ceremony", first_day=MONDAY + timedelta(days=1),
                           last_day=MONDAY + timedelta(days=2), windows=bulk.parse_windows("09:00-10:00"),
                           capacity=20, labels=labels)
    plan = await bulk.preview_bulk(req, now=NOW)
    assert len(plan.slots) == 2 and await Slot.all().count() == 0
    await bulk.open_bulk(req, now=NOW)
    slots = await Slot.all().order_by("starts_at")
    assert [(s.title, s.theme, s.place, s.age_min, s.age_max, s.gender_split) for s in slots] == [
        ("“520”集体颁证", "520", "宝山区婚姻登记处", 18, 45, True)] * 2
    for bad, field in ((bulk.SlotLabels(age_min=30, age_max=20), "age_max"),
                       (bulk.SlotLabels(age_min=200), "age_min"),
                       (bulk.SlotLabels(place="地" * 101), "place")):
        with pytest.raises(BookingError) as caught:
            bad.checked()
        assert caught.value.field == field


async def test_bulk_close_closes_each_selected_open_slot_with_its_own_audit_row(
        cipher: FieldCipher) -> None:
    first, second, other = await _slot(hour=9), await _slot(hour=10), await _slot(hour=11)
    await _book(cipher, first)
    await _book(cipher, second)
    await staff.close_slot(other.id, "早已关闭", now=NOW)
    closed, residents = await _uc(cipher).close_slots(CloseSlots(
        actor="reg", slot_ids=(first.id, second.id, other.id), reason="台风停办"))
    assert (closed, residents) == (2, 2)
    assert await Booking.filter(status="closed").count() == 2
    assert await Notification.filter(kind="slot_closed").count() == 2
    rows = await AuditLog.filter(action="slot.close", actor="reg").order_by("id")
    assert {r.target for r in rows} == {f"slot:{first.id}", f"slot:{second.id}"}
    with pytest.raises(BookingError) as caught:  # a reason is required, as for one slot
        await _uc(cipher).close_slots(CloseSlots(actor="reg", slot_ids=(first.id,), reason=" "))
    assert caught.value.field == "reason"
    with pytest.raises(BookingError) as caught:
        await _uc(cipher).close_slots(CloseSlots(actor="reg", slot_ids=(), reason="x"))
    assert caught.value.field == "slot_ids"


async def test_bulk_capacity_never_goes_below_booked_and_audits_each_slot(cipher: FieldCipher) -> None:
    small, busy = await _slot(capacity=5, hour=9), await _slot(capacity=5, hour=10)
    for _ in range(3):
        await _book(cipher, busy)
    with pytest.raises(BookingError) as caught:
        await _uc(cipher).change_capacities(ChangeCapacities(actor="reg", slot_ids=(small.id, busy.id),
                                                             capacity=2))
    assert caught.value.field == "capacity" and "已约 3" in (caught.value.detail or "")
    assert [s.capacity for s in await Slot.all().order_by("id")] == [5, 5]  # all or nothing
    changed, _ = await _uc(cipher).change_capacities(ChangeCapacities(
        actor="reg", slot_ids=(small.id, busy.id), capacity=3))
    assert changed == 2 and [s.capacity for s in await Slot.all().order_by("id")] == [3, 3]
    assert await AuditLog.filter(action="slot.capacity", actor="reg").count() == 2
