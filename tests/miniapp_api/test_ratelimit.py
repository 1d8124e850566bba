"""Per-address and per-user limits: shared through the database, 429 with Retry-After."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from core import ratelimit
from core.app import create_app
from core.settings import Settings
from tests.conftest import _clean_tables, make_settings
from tests.support.asgi import client as asgi_client
from tests.support.asgi import lifespan
from tests.support.wechat import FakeWechatApi

API = "/api/v1/miniapp"


async def test_fixed_window_counts_and_resets(app) -> None:
    t0 = 1_800_000_000.0  # a window boundary (divisible by 60)
    assert [await app.ctx.rate_limits.hit("t", "a", 3, t0 + 1) for _ in range(3)] == [None, None, None]
    assert await app.ctx.rate_limits.hit("t", "a", 3, t0 + 20) == 40  # seconds until the window ends
    assert await app.ctx.rate_limits.hit("t", "b", 3, t0 + 20) is None  # another subject
    assert await app.ctx.rate_limits.hit("t", "a", 3, t0 + 60) is None  # next window
    assert await app.ctx.rate_limits.hit("t", "a", 0, t0) is None  # 0 = off
    assert await ratelimit.purge(t0 + 10_000) >= 3


async def test_default_address_limit_allows_a_burst_of_600(app) -> None:
    limit = app.ctx.settings.rate_limit_per_address
    assert limit >= 600
    t0 = 1_800_000_060.0
    results = [await app.ctx.rate_limits.hit("addr", "198.51.100.1", limit, t0) for _ in range(600)]
    assert results == [None] * 600


async def test_limits_answer_429_with_retry_after(migrated: Settings, tmp_path: Path) -> None:
    settings = make_settings(migrated.database_url, tmp_path, BAOSHAN_RATE_LIMIT_PER_ADDRESS="8",
                             BAOSHAN_RATE_LIMIT_PER_USER="3")
    app = create_app(settings)
    fake = FakeWechatApi()
    try:
        async with lifespan(app), asgi_client(app) as c:
            # A fixed clock: the test must not straddle a window boundary.
            fixed = datetime.fromtimestamp((time.time() // 60) * 60 + 1, UTC)
            app.ctx.clock = lambda: fixed
            await fake.install(app)
            token = (await c.post(f"{API}/session", json={"code": "lim"})).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            user = [(await c.get(f"{API}/bookings", headers=auth)).status_code for _ in range(4)]
            assert user == [200, 200, 200, 429]
            limited = await c.get(f"{API}/bookings", headers=auth)
            assert limited.json()["error"]["code"] == "rate_limited"
            assert 1 <= int(limited.headers["retry-after"]) <= 60
            # 1 login + 5 above = 6 from this address; the 9th request is over 8.
            statuses = [(await c.get(f"{API}/services")).status_code for _ in range(3)]
            assert statuses == [200, 200, 429]
            # Other parts of the service are not limited by the mini-program's counters.
            assert (await c.get("/healthz")).status_code == 200
    finally:
        from tortoise import Tortoise

        from core import db

        await db.init_orm(migrated)
        await _clean_tables()
        await Tortoise.close_connections()


async def test_behind_a_proxy_each_resident_has_their_own_address_bucket(app_with) -> None:
    """#19 item 9: with BAOSHAN_PROXIES_COUNT=1 the address is the proxy's X-Forwarded-For."""
    app = await app_with(proxies_count=1, rate_limit_per_address=2)
    async with asgi_client(app) as c:
        for resident in ("198.51.100.10", "198.51.100.11", "198.51.100.12"):
            # The proxy appends the address it saw; anything before it came from the client.
            headers = {"X-Forwarded-For": f"10.9.9.9, {resident}"}
            codes = [(await c.get(f"{API}/services", headers=headers)).status_code
                     for _ in range(3)]
            assert codes == [200, 200, 429], (resident, codes)


async def test_without_a_proxy_a_forged_forwarded_for_is_ignored(app_with) -> None:
    app = await app_with(rate_limit_per_address=2)  # proxies_count 0: connected directly
    async with asgi_client(app) as c:
        codes = [(await c.get(f"{API}/services",
                              headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
                 for n in range(3)]
    assert codes == [200, 200, 429]
