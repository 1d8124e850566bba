"""Day-before reminders and promotion notices go out once, only with a recorded consent."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.booking.reminders import send_due
from core.models import Notification
from tests.miniapp_api.conftest import couple, make_slot

API = "/api/v1/miniapp"


async def test_reminder_is_sent_once_the_day_before_with_consent(app, client, login, wechat) -> None:
    auth = await login("remind")
    r = await client.post(f"{API}/subscriptions", json={"template_id": "TPL_reminder-1"}, headers=auth)
    assert r.status_code == 201 and r.json()["status"] == "unused"
    slot = await make_slot("marriage_registration", 5)
    booking = (await client.post(f"{API}/bookings", json=couple(slot.id), headers=auth)).json()
    note = await Notification.get(booking_id=booking["id"], kind="reminder")

    assert await send_due(app.ctx.wechat, note.due_at - timedelta(minutes=1)) == 0
    later = note.due_at + timedelta(minutes=1)
    # Two workers run the job at the same moment: one message.
    sent = await asyncio.gather(*[send_due(app.ctx.wechat, later)
                                  for _ in range(3)])
    assert sum(sent) == 1 and len(wechat.sent) == 1
    msg = wechat.sent[0]
    assert msg["touser"] == "o-remind" and msg["template_id"] == "TPL_reminder-1"
    assert msg["data"]["character_string3"]["value"] == booking["code"]
    assert (await Notification.get(id=note.id)).status == "sent"
    assert await send_due(app.ctx.wechat, later) == 0


async def test_no_consent_no_message(app, client, login, wechat) -> None:
    auth = await login("quiet")
    slot = await make_slot("charity_event", 5)
    body = {"slot_id": slot.id, "name": "陈七", "phone": "13900000000", "party_size": 1}
    booking = (await client.post(f"{API}/bookings", json=body, headers=auth)).json()
    note = await Notification.get(booking_id=booking["id"])
    await send_due(app.ctx.wechat, note.due_at + timedelta(minutes=1))
    assert wechat.sent == [] and (await Notification.get(id=note.id)).status == "no_consent"
    bad = await client.post(f"{API}/subscriptions", json={"template_id": ""}, headers=auth)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "template_id"


async def test_a_closed_slot_tells_its_residents_once(app, client, login, wechat) -> None:
    from datetime import UTC, datetime

    from core.booking import staff

    auth = await login("closed")
    await client.post(f"{API}/subscriptions", json={"template_id": "TPL_reminder-1"}, headers=auth)
    slot = await make_slot("marriage_registration", 5)
    booking = (await client.post(f"{API}/bookings", json=couple(slot.id), headers=auth)).json()
    now = datetime.now(UTC)
    await staff.close_slot(slot.id, "登记处临时停电", now=now)
    sent = await asyncio.gather(*[send_due(app.ctx.wechat, now)
                                  for _ in range(2)])
    assert sum(sent) == 1 and len(wechat.sent) == 1
    data = wechat.sent[0]["data"]
    assert data["character_string3"]["value"] == booking["code"]
    assert data["thing4"]["value"] == "已取消：登记处临时停电"
    assert (await Notification.get(booking_id=booking["id"], kind="reminder")).status == "cancelled"
