"""Sending queued notifications (day-before reminders, waiting-list promotions) as WeChat
subscribe messages.

Every worker may run ``send_due``; each notification is still sent once, because a worker sends
only after winning the conditional UPDATE pending → sending, and a one-time consent is spent the
same way (unused → used). No leader election or worker-local state is needed: the mini-program's
access token comes from the one token authority (``core.wechat``), shared by every worker.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from core import catalogue
from core.booking.rules import DEFAULT_RULES
from core.models import Booking, Notification, Subscription
from core.proxy_sweeping import notify as proxy_notify
from core.tz import SHANGHAI
from core.wechat import WechatApiError, WechatClient, WechatUnavailable

log = logging.getLogger("baoshan.booking.reminders")
_BATCH = 50


def _message(n: Notification, template_id: str) -> dict[str, Any]:
    if n.proxy_order is not None:
        return proxy_notify.message(n, n.proxy_order, template_id)
    booking = n.booking
    assert booking is not None  # every row names a booking or a proxy-sweeping order
    slot = booking.slot
    name = DEFAULT_RULES[booking.service].name if booking.service in DEFAULT_RULES else booking.service
    when = slot.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    note = {"promoted": "候补成功，已为您保留名额",
            "slot_closed": f"已取消：{n.detail}" if n.detail else "该时段已取消，请改约其他时段",
            "staff_cancel": catalogue.text("residents", "booking_staff_cancelled",
                                           {"reason": n.detail}),
            }.get(n.kind, "请携带有效证件按时到场")
    return {"touser": n.user.openid, "template_id": template_id,
            "page": f"pages/booking/detail?id={booking.id}", "lang": "zh_CN",
            "data": {"thing1": {"value": name[:20]}, "time2": {"value": when},
                     "character_string3": {"value": booking.code}, "thing4": {"value": note[:20]}}}


async def _finish(n: Notification, status: str, detail: str = "", now: datetime | None = None) -> None:
    await Notification.filter(id=n.id).update(status=status, detail=detail[:200], sent_at=now)


# A row in "sending" carries its lease start in ``sent_at`` (null until then, and overwritten
# when sent) and its progress in ``detail``, so no extra column is needed. Longer than one
# message can take (token fetch with backoff + a 4 s send), so a live worker never loses it.
LEASE = timedelta(minutes=5)
_CONSENT, _POSTING = "consent:", "posting:"


async def _hand_back(n_id: int, sub_id: int | None) -> None:
    """Not sent: the notification and the consent go back for the next round."""
    if sub_id is not None:
        await Subscription.filter(id=sub_id, status="used").update(status="unused", used_at=None)
    await Notification.filter(id=n_id, status="sending").update(status="pending", detail="",
                                                                  sent_at=None)


async def recover_stale(now: datetime) -> int:
    """Rows left in "sending" past the lease by a worker that died or was cancelled mid-way.

    A subscribe message is not idempotent, so a row is retried only when it cannot have reached
    WeChat (before the send began: its consent is handed back too). One interrupted during the
    send may have been delivered: it is marked failed for staff rather than sent twice."""
    recovered = 0
    stale = await Notification.filter(
        Q(status="sending") & (Q(sent_at__isnull=True) | Q(sent_at__lt=now - LEASE)))
    for n in stale:
        if n.detail.startswith(_POSTING):
            won = await Notification.filter(id=n.id, status="sending", detail=n.detail).update(
                status="failed", detail="interrupted while sending; not retried")
            action = "marked failed (may have been delivered)"
        else:
            sub_id = int(n.detail[len(_CONSENT):]) if n.detail.startswith(_CONSENT) else None
            won = await Notification.filter(id=n.id, status="sending", detail=n.detail).update(
                status="pending", detail="", sent_at=None)
            if won and sub_id is not None:
                await Subscription.filter(id=sub_id, status="used").update(status="unused",
                                                                          used_at=None)
            action = "handed back for retry"
        if won:
            recovered += 1
            log.warning("stale reminder recovered", extra={"notification_id": n.id,
                                                           "action": action})
    return recovered


async def send_due(wechat: WechatClient, now: datetime) -> int:
    """Sends what is due; returns how many messages WeChat accepted."""
    await recover_stale(now)
    sent = 0
    due = await Notification.filter(status="pending", due_at__lte=now).order_by("id") \
        .limit(_BATCH).prefetch_related("booking__slot", "proxy_order__package", "user")
    for n in due:
        if wechat.backing_off("miniapp"):
            break  # the token endpoint is failing: leave the rest pending, claim nothing
        if not await Notification.filter(id=n.id, status="pending").update(status="sending",
                                                                           sent_at=now):
            continue  # another worker has it
        sent += await _send_one(wechat, n, now)
    return sent


async def _send_one(wechat: WechatClient, n: Notification, now: datetime) -> int:
    sub_id: int | None = None
    try:
        if n.proxy_order is not None:
            if not proxy_notify.still_relevant(n, n.proxy_order):
                await _finish(n, "skipped", "order has moved on")
                return 0
        elif n.booking is None or _stale(n, n.booking, now):
            await _finish(n, "skipped", "booking no longer upcoming")
            return 0
        sub = await Subscription.filter(user_id=n.user_id, status="unused").order_by("id").first()
        if sub is None or not await Subscription.filter(id=sub.id, status="unused").update(
                status="used", used_at=now):
            await _finish(n, "no_consent")
            return 0
        sub_id = sub.id
        await Notification.filter(id=n.id).update(detail=f"{_CONSENT}{sub.id}")
        access = await wechat.access_token("miniapp")
        # From here the message may reach WeChat: an interruption is no longer retried.
        await Notification.filter(id=n.id).update(detail=f"{_POSTING}{sub.id}")
        sub_id = None
        await wechat.send_subscribe(_message(n, sub.template_id), token=access)
        errcode = 0
    except asyncio.CancelledError:
        # Shut down mid-way: hand the row back (shielded: a second cancel must not stop it),
        # then let the cancellation go on. Mid-send rows stay for recover_stale to judge.
        if sub_id is not None or not (await _detail(n.id)).startswith(_POSTING):
            await asyncio.shield(_hand_back(n.id, sub_id))
            log.warning("reminder handed back on cancellation", extra={"notification_id": n.id})
        raise
    except WechatApiError as exc:
        if sub_id is None and not isinstance(exc, WechatUnavailable):
            errcode = exc.errcode  # WeChat received the message and said no
        else:
            # Not accepted: give both the notification and the consent back for the next round.
            # (No token, or a transport error on the send itself before WeChat answered;
            # WeChat rejects nothing it did not receive, and a timeout after receipt is rare
            # enough that a possible duplicate reminder is better than a lost one.)
            await _hand_back(n.id, sub_id if sub_id is not None else _sub_of(await _detail(n.id)))
            log.warning("subscribe message not sent", extra={"error": type(exc).__name__})
            return 0
    if errcode == 0:
        await _finish(n, "sent", now=now)
        return 1
    # 43101: the user withdrew consent; others are recorded for staff
    await _finish(n, "failed", f"errcode {errcode}")
    return 0


def _stale(n: Notification, booking: Booking, now: datetime) -> bool:
    # A closure notice is about a booking that is no longer confirmed, by design.
    wanted = {"slot_closed": "closed", "staff_cancel": "cancelled"}.get(n.kind, "confirmed")
    return booking.status != wanted or booking.slot.starts_at <= now


async def _detail(n_id: int) -> str:
    row = await Notification.get_or_none(id=n_id)
    return row.detail if row is not None else ""


def _sub_of(detail: str) -> int | None:
    for prefix in (_CONSENT, _POSTING):
        if detail.startswith(prefix):
            return int(detail[len(prefix):])
    return None
