"""A throwaway PostgreSQL cluster for tests that stop, freeze or lock the database (issue #11).

Never the machine's shared server: the cluster is initdb'd into a temporary directory as the
``postgres`` user, on a free port, and removed afterwards. Use the ``pg_cluster`` fixture (one
cluster per test module), ``cluster.database()`` for a fresh database on it, and ``serve_on`` to
run a real ``baoshan serve`` against that database.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import ROOT, Server, free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "postgres"


def _as_postgres(*cmd: str) -> subprocess.CompletedProcess[bytes]:
    # initdb and the server refuse to run as root: run them as the postgres user.
    argv = list(cmd) if os.geteuid() != 0 else ["runuser", "-u", PG_USER, "--", *cmd]
    return subprocess.run(argv, capture_output=True, timeout=120, check=False)


@dataclass
class PgCluster:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        done = _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l",
                            str(self.data.parent / "pg.log"), "-w", "-o",
                            f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1",
                            "start")
        assert done.returncode == 0, done.stderr.decode(errors="replace")

    def stop(self) -> None:
        self.thaw()  # a frozen server cannot stop
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def pids(self) -> list[int]:
        """The postmaster and all its children (backends and background workers)."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return []
        main = int(pid_file.read_text().split()[0])
        found = [main]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == main:
                        found.append(int(entry.name))
        return found

    def freeze(self) -> None:
        """SIGSTOP the whole cluster: connections stay open, nothing answers."""
        for pid in reversed(self.pids()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def psql(self, url: str, sql: str) -> str:
        done = subprocess.run([str(PG_BIN / "psql"), url.replace("postgres://", "postgresql://"),
                               "-Atq", "-c", sql], capture_output=True, timeout=30, check=False)
        return done.stdout.decode() + done.stderr.decode()

    @contextlib.contextmanager
    def database(self, prefix: str = "faults") -> Iterator[str]:
        from tests.conftest import _pg_database

        with _pg_database(self.url, prefix) as url:
            yield url

    @contextlib.contextmanager
    def lock(self, url: str, table: str) -> Iterator[None]:
        """Holds an ACCESS EXCLUSIVE lock on ``table`` (even reads wait) until the block ends."""
        proc = subprocess.Popen([str(PG_BIN / "psql"), url.replace("postgres://", "postgresql://"),
                                 "-Atq"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(f'BEGIN; LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE;\n\\echo locked\n')
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "locked"
        try:
            yield
        finally:
            proc.stdin.write("ROLLBACK;\n")
            proc.stdin.close()
            proc.wait(timeout=10)
            proc.stdout.close()


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[PgCluster]:
    if not (PG_BIN / "initdb").exists() or (os.geteuid() == 0 and not _has_user(PG_USER)):
        pytest.skip("no PostgreSQL binaries to start a throwaway cluster with")
    work = Path(tempfile.mkdtemp(prefix="baoshan-pg-"))
    data = work / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(work, PG_USER)
        shutil.chown(data, PG_USER)
        work.chmod(0o755)
    done = _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    cluster = PgCluster(data, free_port())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def wait_until(predicate: Callable[[], bool], limit: float = 15.0, step: float = 0.1) -> bool:
    """Polls ``predicate`` until true or ``limit`` seconds pass (a loaded machine is slow)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return False


def serve_on(database_url: str, var: Path, workers: int = 1, **extra_env: str) -> Server:
    """``baoshan serve`` on ``database_url`` (the ``serve`` fixture uses the session's database
    on PostgreSQL runs, whatever its extra environment says). Stop it with ``kill_server``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOSHAN_", "WECHAT_"))}
    env.update({"BAOSHAN_VAR_DIR": str(var), "BAOSHAN_LOG_FORMAT": "json",
                "PYTHONPATH": str(ROOT), "BAOSHAN_DATABASE_URL": database_url, **extra_env})
    var.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), var / f"serve-{free_port()}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", str(port),
                                 "--workers", str(workers)], cwd=var, env=env, stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)
    return Server(proc, port, log)


def kill_server(server: Server, sig: signal.Signals = signal.SIGKILL) -> None:
    """Signal the server's whole process group (manager and workers) and wait for the manager."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.proc.pid, sig)
    try:
        server.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=10)
