"""清明/冬至 tomb-sweeping reservations (issue #15, CONTRACT "Second wave"): a booker and up to four
companions, each named with an ID number, each taking a place; one active reservation per person
per day, as booker or companion, at any place."""

from __future__ import annotations

import asyncio
from typing import Any

from core.models import Booking, BookingClaim, Slot
from tests.miniapp_api.conftest import make_id, make_slot

API = "/api/v1/miniapp"


def person(seq: int, name: str = "王五") -> dict[str, str]:
    return {"name": name, "id_number": make_id("19600101", seq=seq)}


def body(slot_id: int, seq: int = 1, companions: int = 0, **over: Any) -> dict[str, Any]:
    return {"slot_id": slot_id, **person(seq, "赵一"), "phone": "13800000000",
            "companions": [person(seq * 10 + i, "钱二") for i in range(1, companions + 1)],
            "plate": None, **over}


async def tomb_slot(capacity: int = 10, *, hour: int = 8, days_ahead: int = 3,
                    place: str = "示例墓园") -> Slot:
    slot = await make_slot("tomb_sweeping", capacity, days_ahead=days_ahead, hour=hour)
    slot.place = place
    await slot.save(update_fields=["place"])
    return slot


async def test_the_service_is_listed(client) -> None:
    services = (await client.get(f"{API}/services")).json()["services"]
    tomb = next(s for s in services if s["code"] == "tomb_sweeping")
    assert tomb["name"] and tomb["max_companions"] == 4


async def test_every_person_takes_a_place_and_the_view_lists_companions_masked(client, login) -> None:
    auth = await login("tomb-family")
    slot = await tomb_slot(10)
    r = await client.post(f"{API}/bookings", json=body(slot.id, companions=3, plate="沪A·12345"),
                          headers=auth)
    assert r.status_code == 201, r.text
    booking = r.json()
    assert booking["party_size"] == 4
    assert [c["name"] for c in booking["companions"]] == ["钱*"] * 3
    for c in booking["companions"]:
        assert "*" in c["id_number"] and len(c["id_number"]) == 18
    assert booking["applicant"]["plate"] == "沪A***45"
    assert (await Slot.get(id=slot.id)).booked == 4
    listed = (await client.get(f"{API}/bookings", headers=auth)).json()["bookings"][0]
    assert listed["party_size"] == 4 and len(listed["companions"]) == 3
    # Nothing readable at rest: the full ID numbers are only in the encrypted column.
    row = await Booking.get(id=booking["id"])
    assert person(11)["id_number"] not in row.personal_enc + str(row.masked)


async def test_five_companions_are_refused(client, login) -> None:
    auth = await login("tomb-five")
    slot = await tomb_slot(20)
    r = await client.post(f"{API}/bookings", json=body(slot.id, companions=5), headers=auth)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_input" and r.json()["error"]["field"] == "companions"
    assert (await Slot.get(id=slot.id)).booked == 0


async def test_a_party_larger_than_the_places_left_is_refused_whole(client, login) -> None:
    first, second = await login("tomb-a"), await login("tomb-b")
    slot = await tomb_slot(4)
    assert (await client.post(f"{API}/bookings", json=body(slot.id, seq=1, companions=1),
                              headers=first)).status_code == 201
    r = await client.post(f"{API}/bookings", json=body(slot.id, seq=2, companions=2), headers=second)
    assert r.status_code == 409 and r.json()["error"]["code"] == "slot_full"
    ok = await client.post(f"{API}/bookings", json=body(slot.id, seq=2, companions=1), headers=second)
    assert ok.status_code == 201
    assert (await Slot.get(id=slot.id)).booked == 4


async def test_one_reservation_per_person_per_day_as_booker_or_companion(client, login) -> None:
    son, daughter = await login("tomb-son"), await login("tomb-daughter")
    morning = await tomb_slot(50, hour=8, place="示例墓园")
    afternoon = await tomb_slot(50, hour=13, place="示例骨灰堂")  # same day, another place
    next_day = await tomb_slot(50, hour=8, days_ahead=4)
    mine = body(morning.id, seq=1, companions=2)
    assert (await client.post(f"{API}/bookings", json=mine, headers=son)).status_code == 201
    # The daughter books her father's companion (seq 11) as her own companion the same day.
    theirs = body(afternoon.id, seq=2, companions=0)
    theirs["companions"] = [person(11, "钱二")]
    r = await client.post(f"{API}/bookings", json=theirs, headers=daughter)
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_booking"
    # ... and the son's booker as her booker.
    r = await client.post(f"{API}/bookings", json={**body(afternoon.id, seq=1)}, headers=daughter)
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_booking"
    # Another day is another day.
    theirs["slot_id"] = next_day.id
    assert (await client.post(f"{API}/bookings", json=theirs, headers=daughter)).status_code == 201
    assert (await Slot.get(id=afternoon.id)).booked == 0


async def test_the_same_person_twice_in_one_party_is_refused(client, login) -> None:
    auth = await login("tomb-twice")
    slot = await tomb_slot(10)
    dup = body(slot.id, seq=1)
    dup["companions"] = [person(1, "赵一")]
    r = await client.post(f"{API}/bookings", json=dup, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "companions[0].id_number"


async def test_plates_are_checked(client, login) -> None:
    auth = await login("tomb-plate")
    slot = await tomb_slot(10)
    for bad in ("ABC123", "沪I12345", "沪A1234", 12345):
        r = await client.post(f"{API}/bookings", json=body(slot.id, plate=bad), headers=auth)
        assert r.status_code == 422 and r.json()["error"]["field"] == "plate", bad
        assert r.json()["error"]["message"]
    for good, seq in (("沪ad12345", 1), ("沪B 1234学", 2)):
        r = await client.post(f"{API}/bookings", json=body(slot.id, seq=seq, plate=good), headers=auth)
        assert r.status_code == 201, (good, r.text)


async def test_cancel_frees_every_place_and_the_day(client, login) -> None:
    auth = await login("tomb-cancel")
    slot = await tomb_slot(5)
    other = await tomb_slot(5, hour=13)
    made = await client.post(f"{API}/bookings", json=body(slot.id, companions=4), headers=auth)
    assert (await Slot.get(id=slot.id)).booked == 5
    r = await client.post(f"{API}/bookings/{made.json()['id']}/cancel", headers=auth)
    assert r.status_code == 200
    assert (await Slot.get(id=slot.id)).booked == 0
    assert not await BookingClaim.filter(booking_id=made.json()["id"]).exists()
    again = await client.post(f"{API}/bookings", json=body(other.id, companions=4), headers=auth)
    assert again.status_code == 201


async def test_reschedule_to_another_window_moves_the_whole_party(client, login) -> None:
    auth = await login("tomb-move")
    early, late = await tomb_slot(10, hour=8), await tomb_slot(3, hour=10)
    made = (await client.post(f"{API}/bookings", json=body(early.id, companions=3),
                              headers=auth)).json()
    full = await client.post(f"{API}/bookings/{made['id']}/reschedule", json={"slot_id": late.id},
                             headers=auth)
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
    assert (await Slot.get(id=early.id)).booked == 4  # untouched
    roomy = await tomb_slot(10, hour=13)
    moved = await client.post(f"{API}/bookings/{made['id']}/reschedule", json={"slot_id": roomy.id},
                              headers=auth)
    assert moved.status_code == 200, moved.text
    assert (await Slot.get(id=early.id)).booked == 0 and (await Slot.get(id=roomy.id)).booked == 4


async def test_concurrent_parties_never_exceed_capacity(client, login) -> None:
    slot = await tomb_slot(12)
    auths = [await login(f"tomb-rush-{i}") for i in range(10)]
    results = await asyncio.gather(*(
        client.post(f"{API}/bookings", json=body(slot.id, seq=100 + i, companions=i % 5),
                    headers=auth) for i, auth in enumerate(auths)))
    assert {r.status_code for r in results} <= {201, 409}
    taken = sum(r.json()["party_size"] for r in results if r.status_code == 201)
    assert taken == (await Slot.get(id=slot.id)).booked <= 12
    assert taken == sum(b.party_size for b in await Booking.filter(slot_id=slot.id))


async def test_a_waiting_party_is_promoted_when_enough_places_free(client, login) -> None:
    holder, waiting = await login("tomb-holder"), await login("tomb-waiting")
    slot = await tomb_slot(4)
    held = await client.post(f"{API}/bookings", json=body(slot.id, seq=1, companions=3), headers=holder)
    assert held.status_code == 201
    joined = await client.post(f"{API}/waitlist", json=body(slot.id, seq=2, companions=2), headers=waiting)
    assert joined.status_code == 201, joined.text
    cancelled = await client.post(f"{API}/bookings/{held.json()['id']}/cancel", headers=holder)
    assert cancelled.status_code == 200
    mine = (await client.get(f"{API}/bookings", headers=waiting)).json()["bookings"]
    assert [(b["status"], b["party_size"]) for b in mine] == [("confirmed", 3)]
    assert (await Slot.get(id=slot.id)).booked == 3


async def test_the_voucher_and_calendar_come_with_the_booking(client, login) -> None:
    auth = await login("tomb-voucher")
    slot = await tomb_slot(10)
    made = (await client.post(f"{API}/bookings", json=body(slot.id, companions=1), headers=auth)).json()
    assert made["qr_payload"] and made["ics_url"]
    ics = await client.get(made["ics_url"], headers=auth)
    assert ics.status_code == 200 and "BEGIN:VEVENT" in ics.text
