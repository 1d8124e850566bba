"""Personal data bound to its row, end to end: a value copied into another resident's booking,
waiting-list entry or session is refused cleanly, and the staff console keeps working."""

from __future__ import annotations

import httpx
import pytest

from core.crypto import FieldCipher, FieldDecryptError
from core.field_binding import SESSION_KEY, session_row_key
from core.models import Booking, MiniappSession, Slot, WaitlistEntry
from tests.content.conftest import ConsoleFactory, console  # noqa: F401 - fixture
from tests.miniapp_api.conftest import couple, make_slot

API = "/api/v1/miniapp"


async def test_personal_data_copied_into_another_booking_is_refused_not_served(
        client: httpx.AsyncClient, login, console: ConsoleFactory) -> None:  # noqa: F811
    first, second = await login("u1"), await login("u2")
    slot = await make_slot("marriage_registration", 5)
    later = await make_slot("marriage_registration", 5, hour=14)
    a = (await client.post(f"{API}/bookings", json=couple(slot.id, seq=1), headers=first)).json()
    b = (await client.post(f"{API}/bookings", json=couple(slot.id, seq=2), headers=second)).json()
    # Someone with write access to the database copies resident A's data into B's booking.
    stolen = (await Booking.get(id=a["id"])).personal_enc
    await Booking.filter(id=b["id"]).update(personal_enc=stolen)

    r = await client.post(f"{API}/bookings/{b['id']}/reschedule", json={"slot_id": later.id},
                          headers=second)
    assert 400 <= r.status_code < 500, r.text
    error = r.json()["error"]
    assert error["code"] == "booking_unreadable" and error["message"]
    assert a["code"] not in r.text and "3101" not in r.text
    # Nothing moved; the booking is still shown (from its masked copy) and can be cancelled.
    assert (await Booking.get(id=b["id"])).slot_id == slot.id  # type: ignore[attr-defined]
    assert [(await Slot.get(id=s.id)).booked for s in (slot, later)] == [2, 0]
    shown = await client.get(f"{API}/bookings/{b['id']}", headers=second)
    assert shown.status_code == 200 and shown.json()["applicant"] == b["applicant"]
    # A's own booking still reads and moves.
    moved = await client.post(f"{API}/bookings/{a['id']}/reschedule", json={"slot_id": later.id},
                              headers=first)
    assert moved.status_code == 200, moved.text
    # The console never decrypts: it lists and exports the masked copy, so it keeps working.
    registrar = await console("registrar")
    page = await registrar.get(f"/console/slots/{slot.id}")
    assert page.status_code == 200 and b["code"] in page.text
    export = await registrar.get(f"/console/slots/{slot.id}/export?format=csv")
    assert export.status_code == 200 and b["code"] in export.content.decode("utf-8-sig")
    cancelled = await client.post(f"{API}/bookings/{b['id']}/cancel", headers=second)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


async def test_a_waiting_entry_with_copied_data_is_skipped_and_the_next_promoted(
        client: httpx.AsyncClient, login) -> None:
    first, second, third = await login("u1"), await login("u2"), await login("u3")
    slot = await make_slot("charity_event", 1)
    body = {"slot_id": slot.id, "name": "陈七", "phone": "13900000000", "party_size": 1}
    booking = (await client.post(f"{API}/bookings", json=body, headers=first)).json()
    w2 = (await client.post(f"{API}/waitlist", json={**body, "name": "周八"}, headers=second)).json()
    w3 = (await client.post(f"{API}/waitlist", json={**body, "name": "吴九"}, headers=third)).json()
    stolen = (await WaitlistEntry.get(id=w3["id"])).personal_enc
    await WaitlistEntry.filter(id=w2["id"]).update(personal_enc=stolen)

    r = await client.post(f"{API}/bookings/{booking['id']}/cancel", headers=first)
    assert r.status_code == 200, r.text
    assert (await WaitlistEntry.get(id=w2["id"])).status == "skipped"
    assert not (await client.get(f"{API}/bookings", headers=second)).json()["bookings"]
    [promoted] = (await client.get(f"{API}/bookings", headers=third)).json()["bookings"]
    assert promoted["status"] == "confirmed" and promoted["applicant"]["name"] == "吴*"


async def test_a_wechat_session_key_is_bound_to_its_session(app, client: httpx.AsyncClient,
                                                              login) -> None:
    await login("u1")
    await login("u2")
    one, two = await MiniappSession.all().order_by("id")
    cipher = FieldCipher(app.ctx.settings.secret_key)
    assert SESSION_KEY.decrypt(cipher, one.session_key_enc,
                               row_key=session_row_key(one.token_hash)) == "sk-u1"
    with pytest.raises(FieldDecryptError):
        SESSION_KEY.decrypt(cipher, one.session_key_enc, row_key=session_row_key(two.token_hash))
