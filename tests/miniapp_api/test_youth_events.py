"""幸福加油站 youth meet-ups through the mini-program API, on SQLite and on PostgreSQL: the age
range on the event's day, one sign-up per person per event, the single-status confirmation, and a
gender-split event that stays balanced under concurrency, through waiting list, cancel and close."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from sanic import Sanic

from core.booking.checkin import check_in_any
from core.booking.errors import BookingError
from core.booking.reminders import send_due
from core.booking.rules import SHANGHAI
from core.booking.slots import open_slot
from core.booking.staff import change_capacity, close_slot
from core.crypto import FieldCipher
from core.models import Booking, Notification, Slot
from tests.miniapp_api.conftest import local_day, make_id

API = "/api/v1/miniapp"
YOUTH = "youth_event"


async def youth_slot(capacity: int = 10, *, days_ahead: int = 5, hour: int = 14,
                     **details: Any) -> Slot:
    starts = datetime.combine(local_day(days_ahead), time(hour), SHANGHAI)
    return await open_slot(YOUTH, starts, starts + timedelta(hours=2), capacity, **details)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def signup(slot: Slot | int, *, birth: date | None = None, male: bool = True, seq: int = 1,
           **over: Any) -> dict[str, Any]:
    """A sign-up; by default of someone turning 30 this year, in every event's range."""
    born = (birth or years_before(local_day(0), 30)).strftime("%Y%m%d")
    body = {"slot_id": slot if isinstance(slot, int) else slot.id, "name": "王小明",
            "id_number": make_id(born, male=male, seq=seq), "phone": "13800000018",
            "single": True}
    body.update(over)
    return body


def error_of(r: httpx.Response) -> tuple[int, str, str | None]:
    error = r.json()["error"]
    return r.status_code, error["code"], error.get("field")


async def test_the_services_list_describes_youth_events(client: httpx.AsyncClient) -> None:
    services = {s["code"]: s for s in (await client.get(f"{API}/services")).json()["services"]}
    youth = services[YOUTH]
    assert "幸福加油站" in youth["name"]
    assert "单身" in youth["description"] and "18至45周岁" in youth["description"]
    assert youth["age_range_default"] == [18, 45] and youth["single_required"] is True


async def test_age_on_the_event_day_decides(client, login) -> None:
    slot = await youth_slot()
    day = slot.starts_at.astimezone(SHANGHAI).date()
    cases = [  # (birth, accepted)
        (years_before(day, 18) + timedelta(days=1), False),  # turns 18 the day after the event
        (years_before(day, 18) - timedelta(days=1), True),  # turned 18 the day before
        (years_before(day, 46) + timedelta(days=1), True),  # still 45 on the day
        (years_before(day, 46) - timedelta(days=1), False),  # turned 46 the day before
    ]
    for i, (birth, accepted) in enumerate(cases):
        r = await client.post(f"{API}/bookings", json=signup(slot, birth=birth, seq=i + 1),
                              headers=await login(f"age{i}"))
        if accepted:
            assert r.status_code == 201, (birth, r.text)
        else:
            assert error_of(r) == (422, "invalid_input", "id_number"), (birth, r.text)
            assert "18至45周岁" in r.json()["error"]["message"]
    assert (await Slot.get(id=slot.id)).booked == 2


async def test_a_slot_of_its_own_range(client, login) -> None:
    slot = await youth_slot(age_min=25, age_max=35)
    day = slot.starts_at.astimezone(SHANGHAI).date()
    young = await client.post(f"{API}/bookings", json=signup(slot, birth=years_before(day, 24)),
                              headers=await login("range1"))
    assert error_of(young) == (422, "invalid_input", "id_number")
    assert "25至35周岁" in young.json()["error"]["message"]
    ok = await client.post(f"{API}/bookings", json=signup(slot, birth=years_before(day, 35), seq=2),
                           headers=await login("range2"))
    assert ok.status_code == 201, ok.text


async def test_single_status_is_required_and_recorded(client, login) -> None:
    slot = await youth_slot()
    auth = await login("single")
    for bad in ({"single": False}, {"single": "true"}):
        r = await client.post(f"{API}/bookings", json=signup(slot, **bad), headers=auth)
        assert error_of(r) == (422, "invalid_input", "single") and "单身" in r.json()["error"]["message"]
    missing = signup(slot)
    del missing["single"]
    r = await client.post(f"{API}/bookings", json=missing, headers=auth)
    assert error_of(r) == (422, "invalid_input", "single")
    assert await Booking.filter(slot_id=slot.id).count() == 0
    ok = await client.post(f"{API}/bookings", json=signup(slot), headers=auth)
    assert ok.status_code == 201 and ok.json()["applicant"]["single"] is True
    assert ok.json()["applicant"]["id_number"].count("*") >= 8  # masked, as everywhere


async def test_one_sign_up_per_person_per_event(client, login) -> None:
    slot, other_event = await youth_slot(), await youth_slot(hour=18)
    me, friend = await login("dup-me"), await login("dup-friend")
    first = await client.post(f"{API}/bookings", json=signup(slot), headers=me)
    assert first.status_code == 201
    # The same ID number from another account, and the same account with another ID number.
    again = await client.post(f"{API}/bookings", json=signup(slot, phone="13900000019"), headers=friend)
    assert error_of(again)[:2] == (409, "duplicate_booking")
    second_person = await client.post(f"{API}/bookings", json=signup(slot, seq=7), headers=me)
    assert error_of(second_person)[:2] == (409, "duplicate_booking")
    # Another event is another sign-up.
    elsewhere = await client.post(f"{API}/bookings", json=signup(other_event), headers=friend)
    assert elsewhere.status_code == 201
    assert (await Slot.get(id=slot.id)).booked == 1
    # Cancelling ends the sign-up: the same person may sign up again.
    await client.post(f"{API}/bookings/{first.json()['id']}/cancel", headers=me)
    back = await client.post(f"{API}/bookings", json=signup(slot), headers=friend)
    assert back.status_code == 201, back.text


async def test_simultaneous_sign_ups_of_one_person_make_one(client, login) -> None:
    slot = await youth_slot(20)
    phones = [await login(f"same{i}") for i in range(8)]
    results = await asyncio.gather(*[client.post(f"{API}/bookings", json=signup(slot), headers=auth)
                                     for auth in phones])
    assert sorted(r.status_code for r in results) == [201] + [409] * 7
    assert (await Slot.get(id=slot.id)).booked == 1


async def test_a_split_event_refuses_a_gender_whose_half_is_taken(client, login) -> None:
    slot = await youth_slot(3, gender_split=True)  # 2 places each way, 3 in all
    men = [await client.post(f"{API}/bookings", json=signup(slot, seq=i), headers=await login(f"m{i}"))
           for i in range(1, 4)]
    assert [r.status_code for r in men[:2]] == [201, 201]
    status, code, _ = error_of(men[2])
    assert (status, code) == (409, "gender_full") and "男女各半" in men[2].json()["error"]["message"]
    listed = (await client.get(f"{API}/slots", params={"service": YOUTH})).json()["slots"]
    [row] = [s for s in listed if s["id"] == slot.id]
    assert (row["remaining"], row["remaining_men"], row["remaining_women"]) == (1, 0, 1)
    woman = await client.post(f"{API}/bookings", json=signup(slot, male=False, seq=9),
                              headers=await login("w1"))
    assert woman.status_code == 201
    slot = await Slot.get(id=slot.id)
    assert (slot.booked, slot.booked_m, slot.booked_f) == (3, 2, 1)
    late = await client.post(f"{API}/bookings", json=signup(slot, male=False, seq=10),
                             headers=await login("w2"))
    assert error_of(late)[:2] == (409, "slot_full")


async def test_concurrent_sign_ups_keep_the_event_balanced_and_full(client, login) -> None:
    slot = await youth_slot(9, gender_split=True)  # at most 5 of each, exactly 9 in all
    # Men first: without the split they would take every place before a woman's request ran.
    people = [(i, i < 20) for i in range(30)]
    auths = [await login(f"rush-y{i}") for i, _ in people]
    results = await asyncio.gather(*[
        client.post(f"{API}/bookings", json=signup(slot, male=male, seq=i + 1), headers=auth)
        for (i, male), auth in zip(people, auths, strict=True)])
    assert all(r.status_code in (201, 409) for r in results), [r.text for r in results]
    assert {r.json()["error"]["code"] for r in results if r.status_code == 409} <= {
        "gender_full", "slot_full"}
    confirmed = await Booking.filter(slot_id=slot.id, status="confirmed").values_list(
        "gender_place", flat=True)
    assert len(confirmed) == 9 and max(confirmed.count("M"), confirmed.count("F")) == 5
    fresh = await Slot.get(id=slot.id)
    assert (fresh.booked, fresh.booked_m + fresh.booked_f) == (9, 9)
    assert {fresh.booked_m, fresh.booked_f} == {4, 5}


async def test_cancel_frees_the_gender_place_for_the_waiting_list(client, login) -> None:
    slot = await youth_slot(2, gender_split=True)  # one man, one woman
    man = await login("wl-man")
    booked = (await client.post(f"{API}/bookings", json=signup(slot, seq=1), headers=man)).json()
    # Another man waits: the slot has a place, but not for him.
    second, woman_waiting = await login("wl-man2"), await login("wl-woman")
    r = await client.post(f"{API}/bookings", json=signup(slot, seq=2), headers=second)
    assert error_of(r)[:2] == (409, "gender_full")
    entry = await client.post(f"{API}/waitlist", json=signup(slot, seq=2), headers=second)
    assert entry.status_code == 201, entry.text
    # A woman need not wait: her place is free.
    r = await client.post(f"{API}/waitlist", json=signup(slot, male=False, seq=3), headers=woman_waiting)
    assert error_of(r)[:2] == (409, "slot_available")
    cancelled = await client.post(f"{API}/bookings/{booked['id']}/cancel", headers=man)
    assert cancelled.status_code == 200
    [mine] = (await client.get(f"{API}/waitlist", headers=second)).json()["waitlist"]
    assert mine["status"] == "promoted" and mine["booking_id"]
    fresh = await Slot.get(id=slot.id)
    assert (fresh.booked, fresh.booked_m, fresh.booked_f) == (1, 1, 0)
    assert await Notification.filter(booking_id=mine["booking_id"], kind="promoted").exists()


async def test_a_freed_place_passes_over_a_waiting_gender_whose_half_is_full(
        app: Sanic, client, login) -> None:
    slot = await youth_slot(2, gender_split=True)
    m1, w1, m2, w2 = [await login(f"pass-{n}") for n in ("m1", "w1", "m2", "w2")]
    await client.post(f"{API}/bookings", json=signup(slot, seq=1), headers=m1)
    woman = (await client.post(f"{API}/bookings", json=signup(slot, male=False, seq=2),
                               headers=w1)).json()
    # Both wait on a full slot: the man first in line, then a woman.
    assert (await client.post(f"{API}/waitlist", json=signup(slot, seq=3), headers=m2)).status_code == 201
    assert (await client.post(f"{API}/waitlist", json=signup(slot, male=False, seq=4),
                              headers=w2)).status_code == 201
    await client.post(f"{API}/bookings/{woman['id']}/cancel", headers=w1)
    [his] = (await client.get(f"{API}/waitlist", headers=m2)).json()["waitlist"]
    [hers] = (await client.get(f"{API}/waitlist", headers=w2)).json()["waitlist"]
    assert his["status"] == "waiting" and his["position"] == 1  # keeps his place in line
    assert hers["status"] == "promoted"
    fresh = await Slot.get(id=slot.id)
    assert (fresh.booked_m, fresh.booked_f) == (1, 1)


async def test_reminder_check_in_and_closing_work_as_for_other_events(app: Sanic, client, login,
                                                                     wechat) -> None:
    slot = await youth_slot(4, gender_split=True, days_ahead=2)
    auth = await login("life")
    await client.post(f"{API}/subscriptions", json={"template_id": "TPL_reminder-1"}, headers=auth)
    booking = (await client.post(f"{API}/bookings", json=signup(slot), headers=auth)).json()
    note = await Notification.get(booking_id=booking["id"], kind="reminder")
    assert await send_due(app.ctx.wechat, note.due_at + timedelta(minutes=1)) == 1
    assert wechat.sent[-1]["data"]["thing1"]["value"].startswith("幸福加油站")
    cipher = FieldCipher(app.ctx.settings.secret_key)
    arrived = await check_in_any(cipher, booking["code"], now=slot.starts_at)
    assert arrived.checked_in_at is not None
    other = (await client.post(f"{API}/bookings", json=signup(slot, male=False, seq=5),
                               headers=await login("life2"))).json()
    closure = await close_slot(slot.id, "场地临时调整", now=slot.starts_at - timedelta(days=1))
    assert closure.bookings == 2
    fresh = await Slot.get(id=slot.id)
    assert (fresh.booked, fresh.booked_m, fresh.booked_f) == (0, 0, 0)
    assert (await Booking.get(id=other["id"])).status == "closed"


async def test_capacity_cut_keeps_each_gender_within_its_half(client, login) -> None:
    slot = await youth_slot(6, gender_split=True)
    for i in range(3):
        r = await client.post(f"{API}/bookings", json=signup(slot, seq=i + 1),
                              headers=await login(f"cut{i}"))
        assert r.status_code == 201
    try:
        await change_capacity(slot.id, 4)  # 3 men booked, only 2 would fit
    except BookingError as exc:
        assert (exc.code, exc.params["men"], exc.params["women"]) == ("capacity_below_gender", 3, 0)
    else:
        raise AssertionError("a cut below a gender's count must be refused")
    assert (await change_capacity(slot.id, 5)).after == 5  # half of 5 rounds up to 3


async def test_the_slot_list_shows_title_theme_place_and_age_range(client) -> None:
    youth = await youth_slot(8, title="幸福加油站·夏日交友会", theme="七夕", place="示例活动场地",
                             age_min=22, gender_split=True)
    plain = await youth_slot(8, hour=9)
    rows = (await client.get(f"{API}/slots", params={"service": YOUTH})).json()["slots"]
    by_id = {row["id"]: row for row in rows}
    row = by_id[youth.id]
    assert (row["title"], row["theme"], row["place"]) == ("幸福加油站·夏日交友会", "七夕", "示例活动场地")
    assert (row["age_min"], row["age_max"], row["gender_split"]) == (22, 45, True)
    assert (row["remaining_men"], row["remaining_women"]) == (4, 4)
    bare = by_id[plain.id]
    assert bare["theme"] == "" and "place" not in bare and "remaining_men" not in bare
    assert (bare["age_min"], bare["age_max"], bare["gender_split"]) == (18, 45, False)
    ceremony_start = datetime.combine(local_day(6), time(10), SHANGHAI)
    await open_slot("collective_ceremony", ceremony_start, ceremony_start + timedelta(hours=1), 20,
                    title="5·20 集体颁证", theme="520")
    [ceremony] = (await client.get(f"{API}/slots", params={"service": "collective_ceremony"})
                  ).json()["slots"]
    assert (ceremony["title"], ceremony["theme"]) == ("5·20 集体颁证", "520")
    assert "age_min" not in ceremony and "place" not in ceremony


async def test_moving_to_another_event_checks_its_range_and_moves_the_gender_place(client, login) -> None:
    first = await youth_slot(4, gender_split=True)
    narrow = await youth_slot(4, hour=18, age_max=25)
    full_for_men = await youth_slot(2, days_ahead=6, gender_split=True)
    await client.post(f"{API}/bookings", json=signup(full_for_men, seq=8), headers=await login("mv0"))
    auth = await login("mover")
    forty = years_before(local_day(0), 40)
    booked = (await client.post(f"{API}/bookings", json=signup(first, birth=forty),
                                headers=auth)).json()
    move = f"{API}/bookings/{booked['id']}/reschedule"
    too_old = await client.post(move, json={"slot_id": narrow.id}, headers=auth)
    assert error_of(too_old) == (422, "invalid_input", "id_number")
    no_half = await client.post(move, json={"slot_id": full_for_men.id}, headers=auth)
    assert error_of(no_half)[:2] == (409, "gender_full")
    assert ((await Slot.get(id=first.id)).booked_m, (await Slot.get(id=full_for_men.id)).booked_m) == (1, 1)
    later = await youth_slot(4, days_ahead=7, gender_split=True)
    moved = await client.post(move, json={"slot_id": later.id}, headers=auth)
    assert moved.status_code == 200, moved.text
    old, new = await Slot.get(id=first.id), await Slot.get(id=later.id)
    assert (old.booked, old.booked_m, new.booked, new.booked_m) == (0, 0, 1, 1)
    # The sign-up moved with it: the same person is now signed up for the new event only.
    again = await client.post(f"{API}/bookings", json=signup(later, birth=forty),
                              headers=await login("mover2"))
    assert error_of(again)[:2] == (409, "duplicate_booking")
    back = await client.post(f"{API}/bookings", json=signup(first, birth=forty),
                             headers=await login("mover3"))
    assert back.status_code == 201
