"""社会组织登记咨询 (social_org_consultation): a bookable service of its own, offered at the end of
the 社会组织 guides; one active consultation per resident."""

from __future__ import annotations

from typing import Any

import httpx

from core.booking import rules
from tests.miniapp_api.conftest import make_slot

API = "/api/v1/miniapp"
SERVICE = "social_org_consultation"


async def test_listed_with_its_name_and_windows(client: httpx.AsyncClient) -> None:
    services = {s["code"]: s for s in (await client.get(f"{API}/services")).json()["services"]}
    assert services[SERVICE]["name"] == "社会组织登记咨询"
    assert services[SERVICE]["days_ahead"] == 30 and services[SERVICE]["topics"]
    assert rules.DEFAULT_RULES[SERVICE].close_minutes_before == 60


async def test_one_active_consultation_per_resident(client: httpx.AsyncClient, login: Any) -> None:
    auth = await login("socialorg-1")
    first, second = await make_slot(SERVICE, 3), await make_slot(SERVICE, 3, hour=14)
    body = {"slot_id": first.id, "name": "王五", "phone": "13900000001", "topic": "setup"}
    r = await client.post(f"{API}/bookings", json=body, headers=auth)
    assert r.status_code == 201, r.text
    booked = r.json()
    assert booked["status"] == "confirmed" and booked["applicant"]["topic"] == "setup"
    assert booked["applicant"]["phone"] != "13900000001"  # masked

    again = await client.post(f"{API}/bookings", json={**body, "slot_id": second.id}, headers=auth)
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_booking"

    bad = await client.post(f"{API}/bookings", json={**body, "topic": "lottery"},
                            headers=await login("socialorg-2"))
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "topic"

    cancel = await client.post(f"{API}/bookings/{booked['id']}/cancel", headers=auth)
    assert cancel.status_code == 200
    later = await client.post(f"{API}/bookings", json={**body, "slot_id": second.id}, headers=auth)
    assert later.status_code == 201


async def test_asking_to_book_it_is_a_booking_intent(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/knowledge/search",
                             params={"q": "我想预约社会组织登记咨询"})).json()
    assert body["intent"] == "booking" and "社会组织登记咨询" in body["reply"]
