"""Booking endpoints: contract shapes, rules, cancel/reschedule, waiting list, personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import httpx

from core.models import Booking, Notification, Slot
from tests.miniapp_api.conftest import couple, make_id, make_slot

API = "/api/v1/miniapp"


async def test_services_and_slots_in_shanghai_time(client: httpx.AsyncClient) -> None:
    services = (await client.get(f"{API}/services")).json()["services"]
    assert {s["code"] for s in services} >= {"marriage_registration", "collective_ceremony",
                                             "eco_burial_consultation", "charity_event"}
    assert all(s["name"] for s in services)
    slot = await make_slot("marriage_registration", 5)
    day = slot.starts_at.astimezone(timezone(timedelta(hours=8))).date().isoformat()
    r = await client.get(f"{API}/slots", params={"service": "marriage_registration", "date": day})
    [row] = r.json()["slots"]
    assert row["id"] == slot.id and row["capacity"] == 5 and row["remaining"] == 5
    assert row["starts_at"].endswith("+08:00") and row["starts_at"].startswith(f"{day}T09:00")
    bad = await client.get(f"{API}/slots", params={"service": "nope"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "service"


async def test_marriage_booking_is_confirmed_masked_and_encrypted(client, login) -> None:
    auth = await login("u1")
    slot = await make_slot("marriage_registration", 2)
    body = couple(slot.id)
    r = await client.post(f"{API}/bookings", json=body, headers=auth)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] == "confirmed" and len(out["code"]) == 8
    assert out["applicant"]["party_a"]["id_number"] == "3101**********" + body["party_a"]["id_number"][-4:]
    assert out["applicant"]["phone"] == "138****0014"
    assert out["qr_payload"].startswith(f"BSMZ1:{out['id']}:{out['code']}:")
    assert out["starts_at"].endswith("+08:00")
    # Nothing readable at rest.
    stored = await Booking.get(id=out["id"])
    assert body["party_a"]["id_number"] not in stored.personal_enc
    assert body["party_a"]["id_number"] not in json.dumps(stored.masked)
    assert (await Slot.get(id=slot.id)).booked == 1
    listed = (await client.get(f"{API}/bookings", headers=auth)).json()["bookings"]
    assert [b["id"] for b in listed] == [out["id"]]
    ics = await client.get(f"{API}/bookings/{out['id']}/ics", headers=auth)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text and out["code"] in ics.text
    # A reminder is queued for the day before.
    assert await Notification.filter(booking_id=out["id"], kind="reminder", status="pending").exists()
    # Other users cannot see it.
    other = await login("u2")
    assert (await client.get(f"{API}/bookings/{out['id']}", headers=other)).status_code == 404


async def test_invalid_input_names_the_field_and_saves_nothing(client, login) -> None:
    auth = await login("u1")
    slot = await make_slot("marriage_registration", 2)
    cases = {
        "party_a.id_number": couple(slot.id, party_a={"name": "张三", "id_number": "310113199001010015"}),
        "phone": couple(slot.id, phone="12345"),
        "party_b.id_number": couple(slot.id, party_b={"name": "李四",
                                                      "id_number": make_id("20100101", male=False)}),
        "slot_id": {**couple(slot.id), "slot_id": "x"},
    }
    for field, body in cases.items():
        r = await client.post(f"{API}/bookings", json=body, headers=auth)
        assert r.status_code == 422, (field, r.text)
        err = r.json()["error"]
        assert err["code"] == "invalid_input" and err["field"] == field and err["message"]
    broken = await client.post(f"{API}/bookings", content=b"{not json", headers=auth)
    assert broken.status_code in (400, 422)
    assert await Booking.all().count() == 0 and (await Slot.get(id=slot.id)).booked == 0


async def test_one_active_marriage_booking_per_person_across_slots(client, login) -> None:
    a, b = await login("ua"), await login("ub")
    s1, s2 = await make_slot("marriage_registration", 5), await make_slot("marriage_registration", 5,
                                                                          hour=14)
    first = await client.post(f"{API}/bookings", json=couple(s1.id), headers=a)
    assert first.status_code == 201
    # Party B again with a different partner, from another account, on another slot.
    other = couple(s2.id, seq=7)
    other["party_b"] = couple(s1.id)["party_b"]
    dup = await client.post(f"{API}/bookings", json=other, headers=b)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_booking"
    # After cancelling, the person may book again.
    assert (await client.post(f"{API}/bookings/{first.json()['id']}/cancel", headers=a)).status_code == 200
    assert (await client.post(f"{API}/bookings", json=other, headers=b)).status_code == 201


async def test_per_service_uniqueness_rules(client, login) -> None:
    auth = await login("u1")
    event = await make_slot("charity_event", 10)
    body = {"slot_id": event.id, "name": "陈七", "phone": "13900000000", "party_size": 3}
    assert (await client.post(f"{API}/bookings", json=body, headers=auth)).status_code == 201
    assert (await Slot.get(id=event.id)).booked == 3  # party_size counts
    again = await client.post(f"{API}/bookings", json=body, headers=auth)
    assert again.json()["error"]["code"] == "duplicate_booking"
    eco = [await make_slot("eco_burial_consultation", 5, hour=h) for h in (9, 10, 11)]
    codes = []
    for s in eco:
        r = await client.post(f"{API}/bookings", headers=auth, json={
            "slot_id": s.id, "name": "陈七", "phone": "13900000000", "burial_type": "tree"})
        codes.append(r.status_code)
    assert codes == [201, 201, 409]
    ceremony = await make_slot("collective_ceremony", 10, days_ahead=20)
    assert (await client.post(f"{API}/bookings", json=couple(ceremony.id), headers=auth)).status_code == 201
    dup = await client.post(f"{API}/bookings", json=couple(ceremony.id), headers=await login("u2"))
    assert dup.json()["error"]["code"] == "duplicate_booking"


async def test_slot_full_not_open_and_closed(client, login) -> None:
    auth = await login("u1")
    slot = await make_slot("charity_event", 2)
    body = {"slot_id": slot.id, "name": "陈七", "phone": "13900000000", "party_size": 3}
    full = await client.post(f"{API}/bookings", json=body, headers=auth)
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
    opens = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    later = await make_slot("charity_event", 2, opens_at=opens)
    r = await client.post(f"{API}/bookings", json={**body, "slot_id": later.id, "party_size": 1},
                          headers=auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_open"
    # The opening moment reaches the resident beside the message (Shanghai time, like slots).
    assert datetime.fromisoformat(r.json()["error"]["opens_at"]) == opens
    assert r.json()["error"]["opens_at"].endswith("+08:00")
    far = await make_slot("charity_event", 2, days_ahead=60)
    r = await client.post(f"{API}/bookings", json={**body, "slot_id": far.id, "party_size": 1},
                          headers=auth)
    assert r.json()["error"]["code"] == "not_open"
    gone = await make_slot("charity_event", 2, days_ahead=-1)
    r = await client.post(f"{API}/bookings", json={**body, "slot_id": gone.id, "party_size": 1},
                          headers=auth)
    assert r.json()["error"]["code"] == "booking_closed"
    missing = await client.post(f"{API}/bookings", json={**body, "slot_id": 999999}, headers=auth)
    assert missing.status_code == 404


async def test_cancel_frees_the_place_once(client, login) -> None:
    auth = await login("u1")
    slot = await make_slot("charity_event", 1)
    body = {"slot_id": slot.id, "name": "陈七", "phone": "13900000000", "party_size": 1}
    booking = (await client.post(f"{API}/bookings", json=body, headers=auth)).json()
    r = await client.post(f"{API}/bookings/{booking['id']}/cancel", headers=auth)
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and "qr_payload" not in r.json()
    again = await client.post(f"{API}/bookings/{booking['id']}/cancel", headers=auth)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_cancelled"
    assert (await Slot.get(id=slot.id)).booked == 0
    assert not await Notification.filter(booking_id=booking["id"], status="pending").exists()


async def test_reschedule_takes_the_new_place_or_keeps_the_old(client, login) -> None:
    auth, other = await login("u1"), await login("u2")
    s1 = await make_slot("marriage_registration", 1)
    s2 = await make_slot("marriage_registration", 1, hour=14)
    s3 = await make_slot("marriage_registration", 1, hour=15)
    mine = (await client.post(f"{API}/bookings", json=couple(s1.id), headers=auth)).json()
    assert (await client.post(f"{API}/bookings", json=couple(s2.id, seq=5), headers=other)).status_code == 201
    full = await client.post(f"{API}/bookings/{mine['id']}/reschedule", json={"slot_id": s2.id},
                             headers=auth)
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
    assert (await Booking.get(id=mine["id"])).slot_id == s1.id  # type: ignore[attr-defined]
    assert [(await Slot.get(id=s.id)).booked for s in (s1, s2, s3)] == [1, 1, 0]
    moved = await client.post(f"{API}/bookings/{mine['id']}/reschedule", json={"slot_id": s3.id},
                              headers=auth)
    assert moved.status_code == 200 and moved.json()["slot_id"] == s3.id, moved.text
    assert [(await Slot.get(id=s.id)).booked for s in (s1, s2, s3)] == [0, 1, 1]


async def test_waiting_list_is_promoted_on_cancel(client, login) -> None:
    first, second, third = await login("u1"), await login("u2"), await login("u3")
    slot = await make_slot("charity_event", 1)
    body = {"slot_id": slot.id, "name": "陈七", "phone": "13900000000", "party_size": 1}
    booking = (await client.post(f"{API}/bookings", json=body, headers=first)).json()
    own = await client.post(f"{API}/waitlist", json=body, headers=first)
    assert own.status_code == 409 and own.json()["error"]["code"] == "duplicate_booking"
    w2 = await client.post(f"{API}/waitlist", json={**body, "name": "周八"}, headers=second)
    w3 = await client.post(f"{API}/waitlist", json={**body, "name": "吴九"}, headers=third)
    assert (w2.status_code, w2.json()["position"], w3.json()["position"]) == (201, 1, 2)
    dup = await client.post(f"{API}/waitlist", json=body, headers=second)
    assert dup.json()["error"]["code"] == "already_waiting"

    await client.post(f"{API}/bookings/{booking['id']}/cancel", headers=first)
    [promoted] = (await client.get(f"{API}/bookings", headers=second)).json()["bookings"]
    assert promoted["status"] == "confirmed" and promoted["applicant"]["name"] == "周*"
    assert (await Slot.get(id=slot.id)).booked == 1
    assert await Notification.filter(kind="promoted", booking_id=promoted["id"]).exists()
    [still] = (await client.get(f"{API}/waitlist", headers=third)).json()["waitlist"]
    assert still["status"] == "waiting" and still["position"] == 1
    free = await make_slot("charity_event", 5, hour=15)
    r = await client.post(f"{API}/waitlist", json={**body, "slot_id": free.id}, headers=third)
    assert r.json()["error"]["code"] == "slot_available"


async def test_rescheduling_a_charity_sign_up_moves_its_one_per_event_rule(client, login) -> None:
    auth = await login("u1")
    e1, e2 = await make_slot("charity_event", 5), await make_slot("charity_event", 5, hour=15)
    body = {"slot_id": e1.id, "name": "陈七", "phone": "13900000000", "party_size": 2}
    booking = (await client.post(f"{API}/bookings", json=body, headers=auth)).json()
    moved = await client.post(f"{API}/bookings/{booking['id']}/reschedule", json={"slot_id": e2.id},
                              headers=auth)
    assert moved.status_code == 200
    assert [(await Slot.get(id=s.id)).booked for s in (e1, e2)] == [0, 2]
    # The old event is free for this user again; the new one is not.
    assert (await client.post(f"{API}/bookings", json=body, headers=auth)).status_code == 201
    again = await client.post(f"{API}/bookings", json={**body, "slot_id": e2.id}, headers=auth)
    assert again.json()["error"]["code"] == "duplicate_booking"
    other = await make_slot("eco_burial_consultation", 5)
    wrong = await client.post(f"{API}/bookings/{booking['id']}/reschedule", json={"slot_id": other.id},
                              headers=auth)
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "slot_id"


async def test_a_full_slot_is_answered_from_memory_but_never_wrongly(client, login) -> None:
    first, second = await login("rush1"), await login("rush2")
    slot = await make_slot("marriage_registration", 1)
    won = await client.post(f"{API}/bookings", json=couple(slot.id, seq=1),
                            headers={**first, "Idempotency-Key": "k-1"})
    assert won.status_code == 201
    for _ in range(3):  # the first refusal reads the slot; the next ones are answered from memory
        late = await client.post(f"{API}/bookings", json=couple(slot.id, seq=2), headers=second)
        assert late.status_code == 409 and late.json()["error"]["code"] == "slot_full"
    # The winner's retry with its key still gets its booking, not "full".
    again = await client.post(f"{API}/bookings", json=couple(slot.id, seq=1),
                              headers={**first, "Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.json()["id"] == won.json()["id"]
    # A cancellation on this worker frees the place for the very next attempt.
    cancelled = await client.post(f"{API}/bookings/{won.json()['id']}/cancel", headers=first)
    assert cancelled.status_code == 200
    now_in = await client.post(f"{API}/bookings", json=couple(slot.id, seq=2), headers=second)
    assert now_in.status_code == 201
    assert (await Slot.get(id=slot.id)).booked == 1
