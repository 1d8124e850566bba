"""Run `baoshan serve` as a real process for tests that need real workers and signals."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    started: list[Server] = []

    def start(workers: int, extra_env: dict[str, str] | None = None) -> Server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOSHAN_", "WECHAT_"))}
        env.update({"BAOSHAN_VAR_DIR": str(tmp_path / "var"), "BAOSHAN_LOG_FORMAT": "json",
                    "PYTHONPATH": str(ROOT)})
        if database_url.startswith("postgres"):
            env["BAOSHAN_DATABASE_URL"] = database_url
        env.update(extra_env or {})  # last: a test may name a database of its own
        port, log = free_port(), tmp_path / "serve.log"
        # Output to a file, not a pipe: a pipe nobody reads fills up and stalls the server.
        with log.open("wb") as fh:
            # Its own session, so teardown can kill the workers too if the manager hangs.
            proc = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", str(port),
                                     "--workers", str(workers)],
                                    cwd=tmp_path, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        server = Server(proc, port, log)
        started.append(server)
        return server

    yield start
    for server in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGKILL)  # the whole group: manager and workers
        server.proc.wait(timeout=10)


# Patience for a server that is working: start-up on a busy machine is slow, not stuck. A wait
# gives up when the server's processes have used no CPU for its limit, or after CAP in all.
CAP_SECONDS = 240.0
_TICKS = os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(session: int) -> float:
    """CPU time used so far by every process of a server's session (manager, workers, and the
    children they reaped): it only grows while the server is doing something."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if len(fields) > 14 and int(fields[3]) == session:
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / _TICKS


def wait_until_ready(server: Server, ready: Callable[[], bool], limit: float, what: str) -> float:
    """Polls ``ready`` until true; seconds taken. The deadline comes from what is awaited: a
    server that keeps using CPU (importing, building its index, starting a second worker beside a
    busy test run) is given time, up to CAP_SECONDS; one that has used none for ``limit`` seconds
    is stuck, and one that exited is dead, and both fail at once with its output."""
    began = last_progress = time.monotonic()
    cpu, cpu_checked = group_cpu_seconds(server.proc.pid), began
    while True:
        assert server.proc.poll() is None, f"exited while waiting for {what}:\n{server.output()}"
        if ready():
            return time.monotonic() - began
        now = time.monotonic()
        if now - cpu_checked >= 0.5:
            used, cpu_checked = group_cpu_seconds(server.proc.pid), now
            if used > cpu + 0.05:
                cpu, last_progress = used, now
        if now - last_progress > limit or now - began > max(limit, CAP_SECONDS):
            raise AssertionError(f"{what} not within {now - began:.0f} s ({now - last_progress:.0f} s "
                                 f"without using CPU):\n{server.output()}")
        time.sleep(0.1)


def _answers_healthz(server: Server) -> bool:
    try:
        return httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def wait_healthy(server: Server, limit: float = 45.0) -> float:
    """Seconds until ``/healthz`` answers 200 (from the first worker to be ready); ``limit``:
    how long the server may go without using CPU before it counts as stuck."""
    return wait_until_ready(server, lambda: _answers_healthz(server), limit, "/healthz 200")


def stop(server: Server, sig: signal.Signals) -> str:
    # Sanic's manager has start-up races: a signal within the acknowledgement window is only acted
    # on after a 30 s timeout, and one just after it can meet a worker state not yet synced
    # (AttributeError in the manager, exit 1). An operator never stops a server that fast: wait
    # for every worker's acknowledgement (the guard's line, however long a busy machine makes
    # start-up take; a fixed pause after /healthz could still fall inside the window), then give
    # the states a moment to settle.
    wait_until_ready(server, lambda: "all workers serving" in server.output(), 45.0,
                     "every worker serving")
    time.sleep(1.0)
    server.proc.send_signal(sig)
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"did not stop within 15 s of {sig.name}:\n{server.output()}") from None
    assert server.proc.returncode == 0, server.output()
    return server.output()


@dataclass
class Site:
    """A real `baoshan serve` on a database of its own, with the environment it was started with."""

    server: Server
    env: dict[str, str]

    @property
    def base(self) -> str:
        return self.server.base

    def cli(self, *args: str, stdin: str = "") -> str:
        """Runs ``baoshan ARGS`` against the site's database; returns its standard output."""
        done = subprocess.run([sys.executable, "-m", "core.cli", *args], input=stdin.encode(),
                              env=self.env, cwd=self.env["BAOSHAN_VAR_DIR"], capture_output=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout.decode()


@contextlib.contextmanager
def running_site(database_url: str, var: Path, prefix: str, **extra_env: str) -> Iterator[Site]:
    """Starts one worker on a fresh database of the session's kind (PostgreSQL: a database created
    for it and dropped after), waits until healthy, and stops it (then kills it) at the end."""
    from tests.conftest import _pg_database  # the same helper the database fixtures use

    with contextlib.ExitStack() as stack:
        url = (stack.enter_context(_pg_database(database_url, prefix))
               if database_url.startswith("postgres") else f"sqlite://{var / f'{prefix}.sqlite3'}")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOSHAN_", "WECHAT_"))}
        env.update({"BAOSHAN_VAR_DIR": str(var), "BAOSHAN_DATABASE_URL": url,
                    "BAOSHAN_LOG_FORMAT": "json", "PYTHONPATH": str(ROOT),
                    "WECHAT_API_BASE_URL": "http://127.0.0.1:9"})
        port, log = free_port(), var / "serve.log"
        env.update({k: v.format(port=port) for k, v in extra_env.items()})
        with log.open("wb") as fh:
            proc = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", str(port),
                                     "--workers", "1"], cwd=var, env=env, stdout=fh,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        try:
            server = Server(proc, port, log)
            wait_healthy(server, limit=60)
            yield Site(server, env)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
