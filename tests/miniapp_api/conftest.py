"""Mini-program test helpers: the fake WeChat at the HTTP edge (tests.support.wechat), logins,
slots and valid ID numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sanic import Sanic

from core.booking.rules import SHANGHAI, id_check_digit
from core.booking.slots import open_slot
from core.models import Slot
from tests.support.wechat import FakeWechatApi


def make_id(birth: str = "19900101", *, male: bool = True, region: str = "310113",
            seq: int = 1) -> str:
    """A resident ID number with a correct GB 11643 check digit."""
    order = seq * 2 + (1 if male else 0)  # the 17th digit's parity is the sex
    first17 = f"{region}{birth}{order % 1000:03d}"
    return first17 + id_check_digit(first17)


@pytest_asyncio.fixture
async def wechat(app: Sanic) -> FakeWechatApi:
    """The fake WeChat (openid = "o-" + code) behind the app's own HTTP and WeChat clients."""
    fake = FakeWechatApi("AT")
    await fake.install(app)
    return fake


@pytest.fixture
def login(client: httpx.AsyncClient, wechat: FakeWechatApi) -> Callable[[str], Any]:
    async def do(code: str) -> dict[str, str]:
        r = await client.post("/api/v1/miniapp/session", json={"code": code})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}
    return do


def local_day(days_ahead: int) -> date:
    return (datetime.now(UTC).astimezone(SHANGHAI) + timedelta(days=days_ahead)).date()


async def make_slot(service: str, capacity: int = 10, *, days_ahead: int = 3, hour: int = 9,
                    opens_at: datetime | None = None, **details: Any) -> Slot:
    """``details``: open_slot's title, theme, place, age range, gender split."""
    day = local_day(days_ahead)
    starts = datetime.combine(day, time(hour), SHANGHAI)
    return await open_slot(service, starts, starts + timedelta(hours=1), capacity, opens_at=opens_at,
                           **details)


def couple(slot_id: int, seq: int = 1, **over: Any) -> dict[str, Any]:
    body = {"slot_id": slot_id,
            "party_a": {"name": "张三", "id_number": make_id("19900101", male=True, seq=seq)},
            "party_b": {"name": "李四", "id_number": make_id("19920202", male=False, seq=seq)},
            "phone": "13800000014"}
    body.update(over)
    return body
