"""The proxy-sweeping order service: every state change, each in one transaction with its audit
row (no personal data in it) and its subscribe-message notification in the booking outbox.

received → scheduled (a day; may be moved) → done (photos), or received/scheduled → cancelled
(a reason the family reads). Each change is a conditional UPDATE on the status it starts from, so
two staff members acting on one order at once cannot both succeed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import audit
from core.booking.errors import BookingError
from core.booking.rules import parse_name, parse_phone
from core.crypto import FieldCipher, FieldDecryptError, mask_name, mask_phone
from core.field_binding import BoundField
from core.models import Notification, ProxyOrder
from core.pii import mask_free_text
from core.proxy_sweeping import catalog, photos
from core.proxy_sweeping.commands import CancelOrder, CreateOrder, MarkDone, Schedule
from core.tz import local_day

log = logging.getLogger("baoshan.proxy_sweeping")

PERSONAL = BoundField("proxy_order", "personal_enc")
DAYS_AHEAD = 90
GRAVE_MAX, MESSAGE_MAX, REASON_MAX = 60, 200, 200
OPEN = ("received", "scheduled")
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone
# Separators families type differently for one grave: "A区 3排-12号" and "A区3排12号" are one.
_GRAVE_DROP = set(" -_—–·.,，、/\\#()（）[]【】")


def row_key(ref: str) -> str:
    return f"ref:{ref}"


def new_ref() -> str:
    return "DJ" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


def normalise_grave(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in folded if ch not in _GRAVE_DROP and not ch.isspace())


def parse_grave(raw: str) -> str:
    # Stored as typed (full-width punctuation kept); only the duplicate key is NFKC-folded.
    grave = " ".join(raw.split())
    if not grave or len(grave) > GRAVE_MAX or not normalise_grave(grave):
        raise BookingError("invalid_input", field="grave",
                           detail=f"请填写墓位位置（如：A区3排12号，不超过{GRAVE_MAX}字）")
    return grave


def parse_message(raw: str | None) -> str:
    text = (raw or "").strip()
    if len(text) > MESSAGE_MAX:
        raise BookingError("invalid_input", field="message", detail=f"留言不超过{MESSAGE_MAX}字")
    return text


def day_key(cipher: FieldCipher, place_id: int, grave: str, day: date) -> str:
    # Keyed hash: the unique index must not reveal which grave a family tends.
    return f"{place_id}:{cipher.lookup_hash('grave:' + normalise_grave(grave))[:32]}:{day.isoformat()}"


def _check_day(day: date, today: date, field: str) -> None:
    if day < today or day > today + timedelta(days=DAYS_AHEAD):
        raise BookingError("invalid_input", field=field,
                           detail=f"日期应在今天至{DAYS_AHEAD}天内")


async def _notify(order: ProxyOrder, kind: str, now: datetime, conn: BaseDBAsyncClient) -> None:
    await Notification.create(user_id=order.user_id, booking_id=None, proxy_order_id=order.id,
                              kind=kind, due_at=now, using_db=conn)


async def create(cipher: FieldCipher, cmd: CreateOrder, *, now: datetime) -> ProxyOrder:
    place = await catalog.find_place(cmd.place)
    package = await catalog.find_package(cmd.package)
    grave = parse_grave(cmd.grave)
    deceased = parse_name(cmd.deceased_name, "deceased_name")
    name, phone = parse_name(cmd.name, "name"), parse_phone(cmd.phone)
    message = parse_message(cmd.message)
    today = local_day(now)
    day = cmd.day or today
    _check_day(day, today, "date")
    key = day_key(cipher, place.id, grave, day)
    personal = {"grave": grave, "deceased_name": deceased, "name": name, "phone": phone,
                "message": message}
    masked = {"name": mask_name(name), "phone": mask_phone(phone),
              "deceased_name": mask_name(deceased), "grave": mask_grave(grave)}
    for _ in range(3):
        ref = new_ref()
        try:
            async with in_transaction() as conn:
                order = await ProxyOrder.create(
                    ref=ref, user_id=cmd.user_id, place_id=place.id, package_id=package.id,
                    day=day, day_key=key, masked=masked,
                    personal_enc=PERSONAL.encrypt(cipher, json.dumps(personal, ensure_ascii=False),
                                                  row_key=row_key(ref)),
                    using_db=conn)
                await audit.record(f"miniapp:{cmd.user_id}", "proxy.create", f"proxy:{ref}",
                                   after={"status": "received", "place": place.code,
                                          "package": package.code, "day": day.isoformat()},
                                   conn=conn)
                await _notify(order, "proxy_received", now, conn)
            return order
        except IntegrityError:
            if await ProxyOrder.filter(day_key=key).exists():
                raise BookingError("proxy_duplicate", field="grave") from None
            # Otherwise an order-number collision: draw again.
    raise BookingError("proxy_duplicate", field="grave")


def mask_grave(grave: str) -> str:
    """The area kept, the exact row and number hidden: "A区3排12号" → "A区*****"."""
    keep = max(1, min(3, len(grave) // 3))
    return grave[:keep] + "*" * max(1, len(grave) - keep)


def personal(cipher: FieldCipher, order: ProxyOrder) -> dict[str, Any]:
    """The stored personal data; {} when it cannot be read (tampered, erased)."""
    try:
        value = json.loads(PERSONAL.decrypt(cipher, order.personal_enc, row_key=row_key(order.ref)))
    except (FieldDecryptError, ValueError):
        log.warning("proxy order personal data unreadable", extra={"order": order.id})
        return {}
    return value if isinstance(value, dict) else {}


async def get(order_id: int) -> ProxyOrder:
    order = await ProxyOrder.get_or_none(id=order_id).prefetch_related("place", "package")
    if order is None:
        raise BookingError("proxy_order_not_found")
    return order


async def schedule(cipher: FieldCipher, cmd: Schedule, *, now: datetime) -> ProxyOrder:
    order = await get(cmd.order_id)
    if order.status not in OPEN:
        raise BookingError("proxy_bad_state")
    _check_day(cmd.day, local_day(now), "day")
    data = personal(cipher, order)
    if not data:
        raise BookingError("proxy_unreadable")
    key = day_key(cipher, order.place_id, data["grave"], cmd.day)
    try:
        async with in_transaction() as conn:
            moved = await ProxyOrder.filter(id=order.id, status=order.status).using_db(conn).update(
                status="scheduled", scheduled=True, day=cmd.day, day_key=key, updated_at=now)
            if not moved:
                raise BookingError("proxy_bad_state")
            await audit.record(cmd.actor, "proxy.schedule", f"proxy:{order.ref}",
                               before={"status": order.status, "day": order.day.isoformat()},
                               after={"status": "scheduled", "day": cmd.day.isoformat()}, conn=conn)
            await _notify(order, "proxy_scheduled", now, conn)
    except IntegrityError:
        raise BookingError("proxy_duplicate", field="day") from None
    return await get(order.id)


async def mark_done(cmd: MarkDone, *, var_dir: Path, now: datetime) -> ProxyOrder:
    """Photos are checked and re-encoded (off the event loop) and written before the status flips;
    if the flip loses (someone else finished or cancelled it), the files are removed again."""
    order = await get(cmd.order_id)
    if order.status != "scheduled":
        raise BookingError("proxy_bad_state")
    if order.package.photos or cmd.photos:
        images = await asyncio.to_thread(photos.check_all, cmd.photos)
    else:
        images = []
    names = await asyncio.to_thread(photos.store, var_dir, order.id, images)
    try:
        async with in_transaction() as conn:
            flipped = await ProxyOrder.filter(id=order.id, status="scheduled").using_db(conn).update(
                status="done", photos=names, done_at=now, updated_at=now)
            if not flipped:
                raise BookingError("proxy_bad_state")
            await audit.record(cmd.actor, "proxy.done", f"proxy:{order.ref}",
                               before={"status": "scheduled"},
                               after={"status": "done", "photos": len(names)}, conn=conn)
            await _notify(order, "proxy_done", now, conn)
    except BaseException:
        photos.remove(var_dir, order.id, names)
        raise
    return await get(order.id)


def check_reason(raw: str) -> str:
    text = " ".join((raw or "").split())
    if not 1 <= len(text) <= REASON_MAX:
        raise BookingError("invalid_input", field="reason",
                           detail=f"请填写取消原因（不超过{REASON_MAX}字），它会告知家属")
    return text


async def cancel(cmd: CancelOrder, *, now: datetime) -> ProxyOrder:
    order = await get(cmd.order_id)
    reason = check_reason(cmd.reason)
    if order.status not in OPEN:
        raise BookingError("proxy_bad_state")
    async with in_transaction() as conn:
        # day_key back to NULL: the grave may be ordered again for that day.
        flipped = await ProxyOrder.filter(id=order.id, status=order.status).using_db(conn).update(
            status="cancelled", day_key=None, cancel_reason=reason, cancelled_at=now, updated_at=now)
        if not flipped:
            raise BookingError("proxy_bad_state")
        await audit.record(cmd.actor, "proxy.cancel", f"proxy:{order.ref}",
                           before={"status": order.status},
                           after={"status": "cancelled", "reason": mask_free_text(reason)}, conn=conn)
        await _notify(order, "proxy_cancelled", now, conn)
    return await get(order.id)


async def own_orders(user_id: int) -> list[ProxyOrder]:
    return await ProxyOrder.filter(user_id=user_id).order_by("-id").limit(200) \
        .prefetch_related("place", "package")
