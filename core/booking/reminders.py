"""Sending queued notifications (day-before reminders, waiting-list promotions) as WeChat
subscribe messages.

Every worker may run ``send_due``; each notification is still sent once, because a worker sends
only after winning the conditional UPDATE pending → sending, and a one-time consent is spent the
same way (unused → used). No leader election or worker-local state is needed.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

import httpx

from core.booking.rules import DEFAULT_RULES, SHANGHAI
from core.models import Notification, Subscription
from core.settings import Settings

log = logging.getLogger("baoshan.booking.reminders")
_BATCH = 50


class AccessToken:
    """The mini-program's access token via /cgi-bin/stable_token, cached per worker until near
    expiry (stable_token returns the same token to every caller, so workers do not fight)."""

    def __init__(self) -> None:
        self._value = ""
        self._expires = 0.0

    async def get(self, http: httpx.AsyncClient, settings: Settings) -> str:
        if self._value and time.monotonic() < self._expires:
            return self._value
        resp = await http.post(f"{settings.wechat_api_base_url}/cgi-bin/stable_token",
                               json={"grant_type": "client_credential",
                                     "appid": settings.miniapp_app_id,
                                     "secret": settings.miniapp_app_secret})
        data = resp.json()
        if not data.get("access_token"):
            raise RuntimeError(f"stable_token errcode {data.get('errcode')}")
        self._value = data["access_token"]
        self._expires = time.monotonic() + int(data.get("expires_in", 7200)) - 300
        return self._value


def _message(n: Notification, template_id: str) -> dict[str, Any]:
    booking = n.booking
    slot = booking.slot
    name = DEFAULT_RULES[booking.service].name if booking.service in DEFAULT_RULES else booking.service
    when = slot.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    note = {"promoted": "候补成功，已为您保留名额",
            "slot_closed": f"已取消：{n.detail}" if n.detail else "该时段已取消，请改约其他时段",
            }.get(n.kind, "请携带有效证件按时到场")
    return {"touser": n.user.openid, "template_id": template_id,
            "page": f"pages/booking/detail?id={booking.id}", "lang": "zh_CN",
            "data": {"thing1": {"value": name[:20]}, "time2": {"value": when},
                     "character_string3": {"value": booking.code}, "thing4": {"value": note[:20]}}}


async def _finish(n: Notification, status: str, detail: str = "", now: datetime | None = None) -> None:
    await Notification.filter(id=n.id).update(status=status, detail=detail[:200], sent_at=now)


async def send_due(http: httpx.AsyncClient, settings: Settings, token: AccessToken,
                   now: datetime) -> int:
    """Sends what is due; returns how many messages WeChat accepted."""
    sent = 0
    due = await Notification.filter(status="pending", due_at__lte=now).order_by("id") \
        .limit(_BATCH).prefetch_related("booking__slot", "user")
    for n in due:
        if not await Notification.filter(id=n.id, status="pending").update(status="sending"):
            continue  # another worker has it
        # A closure notice is about a booking that is no longer confirmed, by design.
        wanted = "closed" if n.kind == "slot_closed" else "confirmed"
        if n.booking.status != wanted or n.booking.slot.starts_at <= now:
            await _finish(n, "skipped", "booking no longer upcoming")
            continue
        sub = await Subscription.filter(user_id=n.user_id, status="unused").order_by("id").first()  # type: ignore[attr-defined]
        if sub is None or not await Subscription.filter(id=sub.id, status="unused").update(
                status="used", used_at=now):
            await _finish(n, "no_consent")
            continue
        try:
            access = await token.get(http, settings)
            resp = await http.post(f"{settings.wechat_api_base_url}/cgi-bin/message/subscribe/send",
                                   params={"access_token": access}, json=_message(n, sub.template_id))
            errcode = int(resp.json().get("errcode", -1))
        except (httpx.HTTPError, ValueError, RuntimeError) as exc:
            # Not sent: give both the notification and the consent back for the next round.
            await Subscription.filter(id=sub.id).update(status="unused", used_at=None)
            await Notification.filter(id=n.id).update(status="pending")
            log.warning("subscribe message not sent", extra={"error": type(exc).__name__})
            continue
        if errcode == 0:
            await _finish(n, "sent", now=now)
            sent += 1
        else:  # 43101: the user withdrew consent; others are recorded for staff
            await _finish(n, "failed", f"errcode {errcode}")
    return sent
