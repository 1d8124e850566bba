"""Issue #11: a reminder interrupted mid-way is never stranded in "sending" (2 of 40 were lost per
run, their consents spent). Lease and recover; a cancelled job hands its row back."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest

from core.booking.reminders import send_due
from core.models import Notification, Subscription
from tests.miniapp_api.conftest import couple, make_slot

API = "/api/v1/miniapp"
STABLE_TOKEN = "/cgi-bin/stable_token"


async def _booked_with_consent(client, login, code: str) -> tuple[Notification, Subscription]:  # type: ignore[no-untyped-def]
    auth = await login(code)
    r = await client.post(f"{API}/subscriptions", json={"template_id": "TPL_r"}, headers=auth)
    assert r.status_code == 201
    slot = await make_slot("marriage_registration", 5)
    booking = (await client.post(f"{API}/bookings", json=couple(slot.id), headers=auth)).json()
    note = await Notification.get(booking_id=booking["id"], kind="reminder")
    sub = await Subscription.filter(status="unused").order_by("-id").first()
    assert sub is not None
    return note, sub


async def test_row_stranded_in_sending_before_the_send_is_retried(
        app, client, login, wechat, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    note, sub = await _booked_with_consent(client, login, "stranded")
    now = note.due_at + timedelta(minutes=1)
    # A worker killed after spending the consent, before calling WeChat.
    await Subscription.filter(id=sub.id).update(status="used", used_at=now)
    await Notification.filter(id=note.id).update(status="sending", sent_at=now,
                                                 detail=f"consent:{sub.id}")
    # Within the lease the row still belongs to that worker.
    assert await send_due(app.ctx.wechat, now + timedelta(seconds=30)) == 0
    with caplog.at_level(logging.WARNING, logger="baoshan.booking.reminders"):
        assert await send_due(app.ctx.wechat, now + timedelta(hours=1)) == 1
    assert len(wechat.sent) == 1 and wechat.sent[0]["template_id"] == "TPL_r"
    assert (await Notification.get(id=note.id)).status == "sent"
    assert (await Subscription.get(id=sub.id)).status == "used"  # spent once, by the real send
    assert any(rec.getMessage() == "stale reminder recovered" for rec in caplog.records)


async def test_row_interrupted_during_the_send_is_not_sent_twice(app, client, login, wechat) -> None:  # type: ignore[no-untyped-def]
    note, sub = await _booked_with_consent(client, login, "midsend")
    now = note.due_at + timedelta(minutes=1)
    await Subscription.filter(id=sub.id).update(status="used", used_at=now)
    await Notification.filter(id=note.id).update(status="sending", sent_at=now,
                                                 detail=f"posting:{sub.id}")
    assert await send_due(app.ctx.wechat, now + timedelta(hours=1)) == 0
    assert wechat.sent == []  # it may already have reached the resident: no second message
    row = await Notification.get(id=note.id)
    assert row.status == "failed" and "interrupted" in row.detail


async def test_cancelled_job_hands_the_row_and_consent_back(app, client, login, wechat) -> None:  # type: ignore[no-untyped-def]
    note, sub = await _booked_with_consent(client, login, "cancelled")
    now = note.due_at + timedelta(minutes=1)
    reached, release = asyncio.Event(), asyncio.Event()

    async def slow_token(request: httpx.Request) -> dict[str, Any]:
        reached.set()
        await release.wait()  # the token endpoint hangs; the job is stopped meanwhile
        return wechat.default(request)  # type: ignore[return-value]

    wechat.routes[STABLE_TOKEN] = slow_token
    try:
        job = asyncio.create_task(send_due(app.ctx.wechat, now))
        await asyncio.wait_for(reached.wait(), 10)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
    finally:
        release.set()  # the token call the job started may finish now; nobody is waiting on it
        await asyncio.sleep(0.1)
        del wechat.routes[STABLE_TOKEN]
    row = await Notification.get(id=note.id)
    assert row.status == "pending"
    assert (await Subscription.get(id=sub.id)).status == "unused"
    # The next round sends it, once.
    assert await send_due(app.ctx.wechat, now) == 1
    assert [json.dumps(m["touser"]) for m in wechat.sent] == ['"o-cancelled"']
