"""Retention of proxy-sweeping orders (called by ``core.retention.run_retention``).

``retention_personal_days`` after an order's day, what could identify the family goes, as for
bookings: the encrypted form (emptied), the masked copy (the erased marker), the photos (a
tombstone shows names; files and list), the notifications, and the link to the account (moved to
the erased account). The row keeps its place, package, status and day, so counts stay true.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from tortoise.transactions import in_transaction

from core.models import Notification, ProxyOrder
from core.proxy_sweeping import photos

ERASED = {"erased": True, "name": "已按规定删除"}


async def erase(var_dir: Path, before_day: date, erased_user: int, batch_size: int) -> int:
    erased, last_id = 0, 0
    while True:
        rows = await (ProxyOrder.filter(day__lt=before_day, id__gt=last_id).exclude(personal_enc="")
                      .order_by("id").limit(batch_size).values("id", "photos"))
        if not rows:
            return erased
        last_id = int(rows[-1]["id"])
        ids = [int(row["id"]) for row in rows]
        async with in_transaction():
            erased += await ProxyOrder.filter(id__in=ids).exclude(personal_enc="").update(
                personal_enc="", masked=ERASED, photos=[], user_id=erased_user)
            await Notification.filter(proxy_order_id__in=ids).delete()
        for row in rows:
            names = [n for n in row["photos"] or [] if isinstance(n, str)]
            await asyncio.to_thread(photos.remove, var_dir, int(row["id"]), names)
        if len(rows) < batch_size:
            return erased
