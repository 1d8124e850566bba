"""A throwaway PostgreSQL cluster a test starts, stops, freezes and thaws itself.

Never the machine's shared server: fault tests stop and SIGSTOP their database, which would hang
every other session using it. initdb runs as the ``postgres`` system user (PostgreSQL refuses to
run as root), into a temporary directory, on a free port, with trust authentication.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.server import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> bool:
    """Whether a cluster can be started here (binaries present, and a `postgres` user if root)."""
    if not (PG_BIN / "initdb").exists():
        return False
    if os.geteuid() == 0:
        import pwd
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return True


def _run(*cmd: str) -> None:
    if os.geteuid() == 0:
        cmd = ("su", "-s", "/bin/sh", "postgres", "-c", " ".join(cmd))
    done = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {done.stdout.decode()} {done.stderr.decode()}")


@dataclass
class Cluster:
    data: Path
    port: int
    frozen: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        _run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.data.parent / "pg.log"),
             "-w", "-t", "30", "-o",
             f"'-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1'", "start")

    def stop(self) -> None:
        """Fast shutdown: open connections are closed, as in a restart or a crash."""
        self.thaw()
        _run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def _pids(self) -> list[int]:
        """The postmaster and every process it started (backends, checkpointer, ...)."""
        master = int((self.data / "postmaster.pid").read_text().split()[0])
        pids = [master]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(entry.name))
        return pids

    def freeze(self) -> None:
        """SIGSTOP the whole cluster: connections stay open and nothing answers."""
        self.frozen = self._pids()
        for pid in self.frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.frozen = []


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    work = Path(tempfile.mkdtemp(prefix="pgapi-"))
    data = work / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
        shutil.chown(data, "postgres")
        work.chmod(0o755)
    c = Cluster(data, free_port())
    try:
        _run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E",
             "UTF8", "--no-sync")
        c.start()
        yield c
    finally:
        c.thaw()
        with contextlib.suppress(Exception):
            _run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(work, ignore_errors=True)


def wait_until(predicate, limit: float = 15.0, step: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    """Polls ``predicate`` until true or ``limit`` seconds pass (a loaded machine is slow)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return False
