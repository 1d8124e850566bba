"""Rush-day behaviour, on SQLite and on PostgreSQL: capacity, idempotency and uniqueness hold
when requests arrive at the same moment."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from core.models import Booking, IdempotencyKey, Slot
from tests.miniapp_api.conftest import couple, make_slot

API = "/api/v1/miniapp"


async def test_fifty_simultaneous_attempts_on_ten_places_confirm_exactly_ten(client, login) -> None:
    slot = await make_slot("marriage_registration", 10)
    users = [await login(f"rush{i}") for i in range(50)]
    results = await asyncio.gather(*[
        client.post(f"{API}/bookings", json=couple(slot.id, seq=i + 1), headers=auth)
        for i, auth in enumerate(users)])
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(201) == 10 and statuses.count(409) == 40, statuses
    assert {r.json()["error"]["code"] for r in results if r.status_code == 409} == {"slot_full"}
    assert await Booking.filter(slot_id=slot.id, status="confirmed").count() == 10
    assert (await Slot.get(id=slot.id)).booked == 10
    remaining = (await client.get(f"{API}/slots", params={"service": "marriage_registration"})).json()
    assert [s["remaining"] for s in remaining["slots"] if s["id"] == slot.id] == [0]


async def test_party_sizes_never_exceed_capacity(client, login) -> None:
    slot = await make_slot("charity_event", 10)
    users = [await login(f"family{i}") for i in range(12)]
    results = await asyncio.gather(*[
        client.post(f"{API}/bookings", headers=auth, json={
            "slot_id": slot.id, "name": "陈七", "phone": "13900000000", "party_size": 3})
        for auth in users])
    assert sum(r.status_code == 201 for r in results) == 3  # 3 x 3 = 9; a fourth family won't fit
    assert (await Slot.get(id=slot.id)).booked == 9


async def test_concurrent_retries_with_one_idempotency_key_make_one_booking(client, login) -> None:
    slot = await make_slot("marriage_registration", 10)
    auth = await login("retry")
    headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
    results = await asyncio.gather(*[
        client.post(f"{API}/bookings", json=couple(slot.id), headers=headers) for _ in range(20)])
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in results) == 19
    assert await Booking.filter(slot_id=slot.id).count() == 1
    assert (await Slot.get(id=slot.id)).booked == 1
    assert await IdempotencyKey.all().count() == 1
    # A later retry, after the slot filled up, still returns the same booking.
    again = await client.post(f"{API}/bookings", json=couple(slot.id), headers=headers)
    assert again.status_code == 201 and again.json()["id"] == results[0].json()["id"]


async def test_the_same_couple_from_two_phones_at_once_gets_one_booking(client, login) -> None:
    s1 = await make_slot("marriage_registration", 10)
    s2 = await make_slot("marriage_registration", 10, hour=14)
    phones = [await login(f"phone{i}") for i in range(10)]
    results = await asyncio.gather(*[
        client.post(f"{API}/bookings", json=couple(s1.id if i % 2 else s2.id), headers=auth)
        for i, auth in enumerate(phones)])
    assert sorted(r.status_code for r in results) == [201] + [409] * 9
    assert {r.json()["error"]["code"] for r in results if r.status_code == 409} == {"duplicate_booking"}
    assert (await Slot.get(id=s1.id)).booked + (await Slot.get(id=s2.id)).booked == 1


async def test_concurrent_cancels_free_the_place_once(client, login) -> None:
    slot = await make_slot("charity_event", 3)
    auth = await login("canceller")
    body = {"slot_id": slot.id, "name": "陈七", "phone": "13900000000", "party_size": 2}
    booking = (await client.post(f"{API}/bookings", json=body, headers=auth)).json()
    results = await asyncio.gather(*[
        client.post(f"{API}/bookings/{booking['id']}/cancel", headers=auth) for _ in range(8)])
    assert sorted(r.status_code for r in results) == [200] + [409] * 7
    assert (await Slot.get(id=slot.id)).booked == 0


async def test_no_server_errors_under_mixed_load(client: httpx.AsyncClient, login) -> None:
    slot = await make_slot("charity_event", 5)
    users = [await login(f"mix{i}") for i in range(15)]
    calls = []
    for i, auth in enumerate(users):
        body = {"slot_id": slot.id, "name": "陈七", "phone": "13900000000", "party_size": 1}
        calls.append(client.post(f"{API}/bookings", json=body, headers=auth))
        calls.append(client.post(f"{API}/waitlist", json=body, headers=auth))
        calls.append(client.get(f"{API}/slots", params={"service": "charity_event"}))
        if i % 3 == 0:
            calls.append(client.get(f"{API}/bookings", headers=auth))
    results = await asyncio.gather(*calls)
    assert all(r.status_code < 500 for r in results), [r.text for r in results if r.status_code >= 500]
    assert (await Slot.get(id=slot.id)).booked == 5


async def test_the_same_two_people_in_swapped_roles_at_once_get_one_booking(client, login) -> None:
    # Different slots, so the slot row lock does not serialize them: only the claim keys meet.
    slots = [await make_slot("marriage_registration", 50, hour=h) for h in (9, 10, 11, 14)]
    phones = [await login(f"swap{i}") for i in range(12)]
    bodies = []
    for i in range(12):
        body = couple(slots[i % 4].id, seq=3)
        if i % 2:
            body["party_a"], body["party_b"] = body["party_b"], body["party_a"]
        bodies.append(body)
    results = await asyncio.gather(*[client.post(f"{API}/bookings", json=b, headers=auth)
                                     for b, auth in zip(bodies, phones, strict=True)])
    assert sorted(r.status_code for r in results) == [201] + [409] * 11, [r.text for r in results]
    assert sum([(await Slot.get(id=s.id)).booked for s in slots]) == 1
