"""Proxy-sweeping test helpers: an order body, photos built with Pillow, staff steps."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from core.crypto import FieldCipher
from core.models import ProxyOrder
from core.proxy_sweeping import orders
from core.proxy_sweeping.commands import MarkDone, Schedule
from core.tz import local_day

API = "/api/v1/miniapp"


def order_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"place": "sample_cemetery", "grave": "A区3排12号", "deceased_name": "王建国",
                            "package": "basic", "name": "王小明", "phone": "13800000014",
                            "message": "请替我们说声想念"}
    body.update(over)
    return body


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), exif: bool = False) -> bytes:
    img = Image.new("RGB", size, (120, 160, 90))
    out = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "SecretPhoneMaker"  # Make
        tags[0x0110] = "Model-X"  # Model
        tags[0x8825] = {1: "N", 2: (31.0, 24.0, 0.0), 3: "E", 4: (121.0, 29.0, 0.0)}  # GPS
        img.save(out, format=fmt, exif=tags.tobytes())
    else:
        img.save(out, format=fmt)
    return out.getvalue()


async def schedule(cipher: FieldCipher, order_id: int) -> ProxyOrder:
    today = local_day(datetime.now(UTC))
    return await orders.schedule(cipher, Schedule(actor="tester", order_id=order_id, day=today),
                                 now=datetime.now(UTC))


async def finish(cipher: FieldCipher, var_dir: Path, order_id: int, count: int = 2) -> ProxyOrder:
    await schedule(cipher, order_id)
    return await orders.mark_done(MarkDone(actor="tester", order_id=order_id,
                                           photos=tuple(image_bytes() for _ in range(count))),
                                  var_dir=var_dir, now=datetime.now(UTC))
