"""`baoshan serve` as an operator runs it: a real process, real signals, a real socket."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp_path: Path, database_url: str, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOSHAN_", "WECHAT_"))}
    env.update({"BAOSHAN_VAR_DIR": str(tmp_path / "var"), "BAOSHAN_LOG_FORMAT": "json"})
    if database_url.startswith("postgres"):
        env["BAOSHAN_DATABASE_URL"] = database_url
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return proc, port


def _wait_healthy(proc: subprocess.Popen[bytes], port: int, limit: float = 10.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("not healthy within 10 s")


def _reap(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=10)


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> str:
    proc.send_signal(sig)
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("did not stop within 15 s of the signal") from None
    assert proc.returncode == 0, out.decode()
    return out.decode()


def test_fresh_checkout_serves_answers_and_stops_on_sigint(tmp_path: Path, database_url: str,
                                                           request: pytest.FixtureRequest) -> None:
    proc, port = _start(tmp_path, database_url, workers=1)
    request.addfinalizer(lambda: _reap(proc))
    took = _wait_healthy(proc, port)
    base = f"http://127.0.0.1:{port}"
    r = httpx.get(f"{base}/api/v1/knowledge/search", params={"q": "结婚登记要带什么"}, timeout=5)
    assert r.status_code == 200 and r.json()["answered"] is True
    out = _stop(proc, signal.SIGINT)
    assert "Traceback" not in out, out
    assert '"logger": "baoshan.access"' in out and '"request_id"' in out
    print(f"healthy after {took:.2f} s")


def test_two_workers_share_the_database_and_stop_on_sigterm(tmp_path: Path, database_url: str,
                                                            request: pytest.FixtureRequest) -> None:
    proc, port = _start(tmp_path, database_url, workers=2)
    request.addfinalizer(lambda: _reap(proc))
    _wait_healthy(proc, port)
    for _ in range(10):
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    out = _stop(proc, signal.SIGTERM)
    assert "Traceback" not in out, out
