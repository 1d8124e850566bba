"""Issue #11: the database down, or frozen (SIGSTOP), under a real `baoshan serve`.

A throwaway PostgreSQL cluster per test module (never the machine's shared server): /healthz says
503 within a second, bookings and console pages say 503 + Retry-After instead of a 500, and the
service recovers by itself when the database comes back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.pgcluster import PgCluster, kill_server, pg_cluster, serve_on, wait_until
from tests.support.server import Server, wait_healthy

pytestmark = pytest.mark.slow  # pg_cluster skips where no PostgreSQL binaries are installed
__all__ = ["pg_cluster"]  # the module-scoped fixture, used by name

BOOKING = "/api/v1/miniapp/bookings"
AUTH = {"Authorization": "Bearer not-a-session"}  # looked up in the database before anything


@pytest.fixture(scope="module")
def site(pg_cluster: PgCluster, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[PgCluster, Server]]:
    server = serve_on(pg_cluster.url, tmp_path_factory.mktemp("faults"),
                      WECHAT_API_BASE_URL="http://127.0.0.1:9",
                      BAOSHAN_DB_STATEMENT_TIMEOUT_MS="1500",
                      BAOSHAN_DB_ACQUIRE_TIMEOUT_MS="1000", BAOSHAN_DB_POOL_SIZE="3")
    try:
        wait_healthy(server, limit=60)
        yield pg_cluster, server
    finally:
        pg_cluster.thaw()
        kill_server(server)


def timed(method: str, url: str, **kw: object) -> tuple[httpx.Response | None, float]:
    began = time.monotonic()
    try:
        r = httpx.request(method, url, timeout=20, **kw)  # type: ignore[arg-type]
    except httpx.TimeoutException:
        r = None
    return r, time.monotonic() - began


def healthy_again(server: Server) -> bool:
    r, _ = timed("GET", f"{server.base}{BOOKING}", headers=AUTH, json={})
    return r is not None and r.status_code == 401


def assert_unavailable(r: httpx.Response | None, took: float, limit: float) -> None:
    assert r is not None, "no answer"
    assert r.status_code == 503, r.text
    assert r.headers.get("Retry-After", "").isdigit()
    assert took < limit, took


def test_database_down_gives_503_with_retry_after_then_recovers(
        site: tuple[PgCluster, Server]) -> None:
    cluster, server = site
    assert healthy_again(server)
    cluster.stop()
    try:
        r, took = timed("POST", f"{server.base}{BOOKING}", headers=AUTH, json={})
        assert_unavailable(r, took, 5)
        assert r is not None and r.json()["error"]["code"] == "service_unavailable"
        r, took = timed("GET", f"{server.base}{BOOKING}", headers=AUTH)
        assert_unavailable(r, took, 5)
        # The console: an HTML page, not JSON, with the same status and header.
        r, took = timed("GET", f"{server.base}/console/", cookies={"bs_session": "x" * 40})
        assert_unavailable(r, took, 5)
        assert r is not None and r.headers["content-type"].startswith("text/html")
        assert "稍后再试" in r.text
        r, took = timed("GET", f"{server.base}/healthz")
        assert_unavailable(r, took, 1.5)
    finally:
        cluster.start()
    # Recovery is automatic: no restart of the service.
    assert wait_until(lambda: healthy_again(server), limit=20), server.output()[-3000:]
    r, _ = timed("GET", f"{server.base}/healthz")
    assert r is not None and r.status_code == 200


def test_database_frozen_healthz_within_a_second_and_bookings_503(
        site: tuple[PgCluster, Server]) -> None:
    cluster, server = site
    assert wait_until(lambda: healthy_again(server), limit=20)
    cluster.freeze()
    try:
        r, took = timed("GET", f"{server.base}/healthz")
        assert_unavailable(r, took, 1.5)
        # Statement (1.5 s) and acquisition (1 s) timeouts bound the wait; generous for a
        # loaded machine, far below the 20 s a frozen server would otherwise hold the client.
        r, took = timed("POST", f"{server.base}{BOOKING}", headers=AUTH, json={})
        assert_unavailable(r, took, 8)
        r, took = timed("GET", f"{server.base}/healthz")
        assert_unavailable(r, took, 1.5)
    finally:
        cluster.thaw()
    assert wait_until(lambda: healthy_again(server), limit=20), server.output()[-3000:]


def test_pool_size_and_timeouts_reach_the_postgresql_client(tmp_path: Path) -> None:
    from core.db import tortoise_config
    from tests.conftest import make_settings

    settings = make_settings("postgres://u@db.example:5433/baoshan", tmp_path,
                             BAOSHAN_DB_POOL_SIZE="7", BAOSHAN_DB_STATEMENT_TIMEOUT_MS="3000",
                             BAOSHAN_DB_ACQUIRE_TIMEOUT_MS="1500")
    conn = tortoise_config(settings)["connections"]["default"]
    creds = conn["credentials"]
    assert conn["engine"] == "core.db_pg" and creds["maxsize"] == 7
    assert creds["server_settings"] == {"statement_timeout": "3000"}
    assert creds["command_timeout"] == 4.0 and creds["acquire_timeout"] == 1.5
    # Migrations may build indexes on large tables: no statement timeout for them.
    assert "server_settings" not in tortoise_config(settings, timeouts=False)[
        "connections"]["default"]["credentials"]


async def test_a_full_pool_gives_up_after_the_acquire_timeout(
        site: tuple[PgCluster, Server]) -> None:
    from core.db_pg import TimedAsyncpgClient

    cluster, _ = site
    client = TimedAsyncpgClient(user="postgres", host="127.0.0.1", port=cluster.port,
                                database="postgres", connection_name="pool_probe",
                                minsize=1, maxsize=1, acquire_timeout=0.5)
    await client.create_connection(with_db=True)
    try:
        async with client.acquire_connection():  # the only connection, held
            began = time.monotonic()
            with pytest.raises(TimeoutError):
                await client.execute_query("SELECT 1")
            assert time.monotonic() - began < 3
        assert (await client.execute_query("SELECT 1"))[0] == 1
    finally:
        await client.close()
