"""`baoshan serve` as an operator runs it: a real process, real signals, a real socket."""

from __future__ import annotations

import signal

import httpx
import pytest

from tests.support.server import stop, wait_healthy

pytestmark = pytest.mark.slow


def test_fresh_checkout_serves_answers_and_stops_on_sigint(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(workers=1)
    took = wait_healthy(server, limit=60)  # generous: the test machine is shared
    r = httpx.get(f"{server.base}/api/v1/knowledge/search", params={"q": "结婚登记要带什么"}, timeout=5)
    assert r.status_code == 200 and r.json()["answered"] is True
    out = stop(server, signal.SIGINT)
    assert "Traceback" not in out, out
    assert '"logger": "baoshan.access"' in out and '"request_id"' in out
    print(f"healthy after {took:.2f} s")


def test_two_workers_share_the_database_and_stop_on_sigterm(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(workers=2)
    wait_healthy(server, limit=60)
    for _ in range(10):
        assert httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200
    out = stop(server, signal.SIGTERM)
    assert "Traceback" not in out, out
