"""The callback keeps its 5-second promise whatever the database does (issue #11, items 1-2).

A real ``baoshan serve`` on a throwaway PostgreSQL cluster that the tests stop and freeze.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.pgcluster import PgCluster, kill_server, pg_cluster, serve_on  # noqa: F401
from tests.support.server import Server, wait_healthy
from tests.support.wechat import FakeWechat, fixture

pytestmark = pytest.mark.slow
DEV_TOKEN = "dev-placeholder-wechat_token"
BUDGET = 4.5  # the route answers within 4 s; half a second for a loaded test machine


def _send(server: Server, *xmls: str) -> list[tuple[httpx.Response, float]]:
    async def fire() -> list[tuple[httpx.Response, float]]:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as c:
            wx = FakeWechat(c, DEV_TOKEN)

            async def one(xml: str) -> tuple[httpx.Response, float]:
                began = time.monotonic()
                r = await wx.send(xml)
                return r, time.monotonic() - began
            return list(await asyncio.gather(*(one(x) for x in xmls)))
    return asyncio.run(fire())


def test_database_down_policy_answered_follow_told_busy(pg_cluster: PgCluster,  # noqa: F811
                                                        tmp_path: Path) -> None:
    with pg_cluster.database() as url:
        server = serve_on(url, tmp_path / "var")
        try:
            wait_healthy(server, limit=60)
            pg_cluster.stop()
            question = fixture("text", content="结婚登记要带什么", msgid=881001)
            (answer, took), (retry, _) = _send(server, question, question)
            assert answer.status_code == 200, (answer.text, server.output()[-3000:])
            assert took < BUDGET
            assert "身份证" in answer.text
            # The retry reached the same worker: it got the same reply, not a second answer.
            assert retry.text.split("<CreateTime>")[0] == answer.text.split("<CreateTime>")[0]
            [(follow, took)] = _send(server, fixture("event_subscribe", user="oDown1"))
            assert follow.status_code == 200 and took < BUDGET
            assert "系统繁忙，请稍后再试" in follow.text
            out = server.output()
            assert out.count('"msg": "answered"') == 2, out[-3000:]
            assert "claimed in this worker's memory only" in out
        finally:
            kill_server(server)
            pg_cluster.start()


def test_database_frozen_policy_answered_within_budget(pg_cluster: PgCluster,  # noqa: F811
                                                       tmp_path: Path) -> None:
    with pg_cluster.database() as url:
        server = serve_on(url, tmp_path / "var")
        thaw = threading.Timer(12.0, pg_cluster.thaw)  # the freeze lasts 12 s at most
        try:
            wait_healthy(server, limit=60)
            pg_cluster.freeze()
            thaw.start()
            [(answer, took)] = _send(server, fixture("text", content="结婚登记要带什么"))
            assert answer.status_code == 200 and "身份证" in answer.text, answer.text
            assert took < BUDGET, took
        finally:
            thaw.cancel()
            pg_cluster.thaw()
            kill_server(server)
