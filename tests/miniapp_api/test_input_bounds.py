"""#19 item 6: integers from a request are bounded; one bad booking in a rush fails alone."""

from __future__ import annotations

import asyncio

import httpx

from tests.miniapp_api.conftest import make_slot

API = "/api/v1/miniapp"


async def test_an_oversized_slot_id_fails_alone_among_valid_bookings(client: httpx.AsyncClient,
                                                                     login) -> None:
    slot = await make_slot("charity_event", capacity=20)
    headers = [await login(f"resident{n}") for n in range(13)]
    bodies = [{"slot_id": slot.id, "name": "陈七", "phone": f"139000000{n:02d}", "party_size": 1}
              for n in range(12)]
    bodies.append({**bodies[0], "slot_id": 2**63, "phone": "13900000099"})
    answers = await asyncio.gather(*[client.post(f"{API}/bookings", json=b, headers=h)
                                     for b, h in zip(bodies, headers, strict=True)])
    assert [r.status_code for r in answers[:12]] == [201] * 12, [r.text for r in answers[:12]]
    bad = answers[12]
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "slot_id"


async def test_large_ids_in_paths_are_404_not_500(client: httpx.AsyncClient, login) -> None:
    auth = await login("someone")
    for method, path in [("GET", f"{API}/bookings/{2**63}"), ("GET", f"{API}/bookings/{10**30}"),
                         ("POST", f"{API}/bookings/{2**31}/cancel"),
                         ("GET", f"{API}/bookings/{2**40}/ics")]:
        r = await client.request(method, path, headers=auth)
        assert r.status_code == 404, (path, r.status_code, r.text)
        assert r.json()["error"]["code"] == "booking_not_found"  # the handler's own answer


async def test_an_oversized_slot_id_on_reschedule_and_waitlist_is_422(client: httpx.AsyncClient,
                                                                      login) -> None:
    auth = await login("someone")
    r = await client.post(f"{API}/waitlist", json={"slot_id": 2**63, "name": "陈七",
                                                   "phone": "13900000000"}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "slot_id"
