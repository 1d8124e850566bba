"""#19 item 7: one person is one person however their digits are typed (NFKC, then ASCII only)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from core.booking.errors import BookingError
from core.booking.rules import parse_id_number, parse_phone
from tests.miniapp_api.conftest import couple, make_id, make_slot

API = "/api/v1/miniapp"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def wide(number: str) -> str:
    """The first 17 digits full-width: how the reproduced bypass passed the check digit."""
    return number[:17].translate(FULL_WIDTH) + number[17:]


def test_full_width_digits_are_normalised_and_other_scripts_refused() -> None:
    number = make_id("19900101")
    today = date(2026, 1, 1)
    assert parse_id_number(number.translate(FULL_WIDTH), "id", today).number == number
    assert parse_id_number(wide(number), "id", today).number == number
    assert parse_id_number(" " + number[:-1] + number[-1].lower() + "\u3000", "id", today).number \
        == number
    with pytest.raises(BookingError):
        parse_id_number(number.translate(ARABIC_INDIC), "id", today)
    assert parse_phone("１３８ ００００ ００１４") == "13800000014"
    with pytest.raises(BookingError):
        parse_phone("13800000014".translate(ARABIC_INDIC))


async def test_one_person_cannot_hold_two_marriage_bookings_with_full_width_digits(
        client: httpx.AsyncClient, login) -> None:
    first = await make_slot("marriage_registration", days_ahead=3)
    second = await make_slot("marriage_registration", days_ahead=4)
    auth = await login("wx-a")
    r = await client.post(f"{API}/bookings", json=couple(first.id), headers=auth)
    assert r.status_code == 201, r.text
    again = couple(second.id)
    again["party_a"]["id_number"] = wide(again["party_a"]["id_number"])
    r = await client.post(f"{API}/bookings", json=again, headers=await login("wx-b"))
    assert r.status_code == 409, r.text


async def test_marrying_oneself_in_another_spelling_is_refused(client: httpx.AsyncClient,
                                                               login) -> None:
    slot = await make_slot("marriage_registration", days_ahead=3)
    body = couple(slot.id)
    body["party_b"] = {"name": "李四", "id_number": wide(body["party_a"]["id_number"])}
    r = await client.post(f"{API}/bookings", json=body, headers=await login("wx-c"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "party_b.id_number"
    assert "同一人" in r.json()["error"]["message"] + r.json()["error"].get("detail", "")
