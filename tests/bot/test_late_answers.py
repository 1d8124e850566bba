"""Late answers (said ``success``, answer owed as a customer-service message) are delivered once,
whatever happens to the worker (issue #11, items 3-4).

A real ``baoshan serve`` on a throwaway PostgreSQL cluster; answers are made slow by locking the
notices table (the "最新通知" reply reads it), WeChat's API is the fake WeChat on a loopback socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.pgcluster import PgCluster, kill_server, pg_cluster, serve_on  # noqa: F401
from tests.support.server import Server, wait_healthy
from tests.support.wechat import FakeWechat, FakeWechatApi, fixture

pytestmark = pytest.mark.slow
DEV_TOKEN = "dev-placeholder-wechat_token"


@pytest.fixture
def wechat_api() -> Iterator[FakeWechatApi]:
    fake = FakeWechatApi()
    with fake.serve():
        yield fake


def _start(url: str, var: Path, api: str) -> Server:
    # Statement timeouts far above the lock's length: the answer waits for the lock, as a slow
    # database would make it wait, rather than failing.
    server = serve_on(url, var, workers=1, WECHAT_API_BASE_URL=api,
                      BAOSHAN_DB_STATEMENT_TIMEOUT_MS="120000")
    wait_healthy(server, limit=60)
    return server


def _send(server: Server, *xmls: str) -> list[httpx.Response]:
    async def fire() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as c:
            wx = FakeWechat(c, DEV_TOKEN)
            return list(await asyncio.gather(*(wx.send(x) for x in xmls)))
    return asyncio.run(fire())


def _wait_for_sends(api: FakeWechatApi, count: int, limit: float = 25.0) -> None:
    began = time.monotonic()
    while len(api.custom) < count and time.monotonic() - began < limit:
        time.sleep(0.2)


def _owed(users: list[str]) -> list[str]:
    return [fixture("text", user=u, content="最新通知") for u in users]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_late_answers_survive_the_worker(pg_cluster: PgCluster, wechat_api: FakeWechatApi,  # noqa: F811
                                         tmp_path: Path, sig: signal.Signals) -> None:
    users = [f"oLate{sig.value}x{i}" for i in range(3)]
    with pg_cluster.database() as url:
        server = _start(url, tmp_path / "var", wechat_api.url)
        try:
            with pg_cluster.lock(url, "content_notice"):
                replies = _send(server, *_owed(users))
                assert [r.text for r in replies] == ["success"] * 3
                if sig == signal.SIGTERM:
                    # Stopping: what cannot finish within the grace period is handed back.
                    server.proc.send_signal(signal.SIGTERM)
                    began = time.monotonic()
                    while "handed back" not in server.output() and time.monotonic() - began < 15:
                        time.sleep(0.2)
                    assert "handed back" in server.output(), server.output()[-3000:]
                kill_server(server)
            assert wechat_api.custom == []
            if sig == signal.SIGKILL:
                # A killed worker's lease runs out after 30 s: move it into the past rather
                # than waiting (nothing else depends on the clock here).
                pg_cluster.psql(url, "UPDATE wechat_inbound SET lease_until = now() - "
                                     "interval '1 second' WHERE lease_until IS NOT NULL")
            server = _start(url, tmp_path / "var2", wechat_api.url)
            _wait_for_sends(wechat_api, 3)
            time.sleep(1.0)  # time for a duplicate to show up, if there were one
            sends = wechat_api.custom
            assert sorted(s["touser"] for s in sends) == sorted(users), server.output()[-3000:]
            assert all("没有新的通知" in s["text"]["content"] for s in sends)
            assert pg_cluster.psql(url, "SELECT DISTINCT status FROM wechat_inbound").split() \
                == ["sent"]
        finally:
            kill_server(server)


def test_retry_during_a_late_answer_never_delivers_it_twice(
        pg_cluster: PgCluster, wechat_api: FakeWechatApi, tmp_path: Path) -> None:  # noqa: F811
    xml = fixture("text", user="oRetry", content="最新通知", msgid=991234)
    with pg_cluster.database() as url:
        server = _start(url, tmp_path / "var", wechat_api.url)
        try:
            with contextlib.ExitStack() as stack:
                stack.enter_context(pg_cluster.lock(url, "content_notice"))
                [first] = _send(server, xml)
                assert first.text == "success"
                # WeChat did not hear that "success" in time and retries; meanwhile the first
                # attempt's answer becomes ready (the lock goes) and is sent.
                threading.Timer(1.0, stack.close).start()
                retries = _send(server, xml, xml)
            _wait_for_sends(wechat_api, 1)
            retries += _send(server, xml)
            time.sleep(1.0)
            passive = [r for r in retries if r.text != "success"]
            sends = wechat_api.custom
            assert len(sends) + len(passive) == 1, (sends, [r.text for r in passive])
            assert len(sends) == 1 and sends[0]["touser"] == "oRetry"
        finally:
            kill_server(server)
