"""Start-up time of ``baoshan serve``, measured from outside as an operator sees it.

Three figures, each the median of ``--runs`` runs (every run in its own temp working directory,
SQLite in its ``./var``):

* first start on a fresh ``./var`` (migrations, seeding, index) until ``/healthz`` answers 200;
* a restart of the same directory, database already migrated, until ``/healthz`` answers 200;
* two workers on that migrated database until both workers logged "worker ready".

``--cold-caches`` also points jieba's temp dir (TMPDIR) at an empty directory for the first
start, so nothing cached anywhere on the machine helps (a new server, or systemd's PrivateTmp).

    python bench/startup.py [--runs 3] [--cold-caches]
    python bench/startup.py --root /tmp/ab/before --root /tmp/ab/after   # A/B, runs interleaved

Each ``--root`` is a source tree put first on PYTHONPATH; with several, their runs alternate so a
busy moment of the shared machine hits all of them alike, and each is printed with its ratio to
the first.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # booking_rush's /proc helpers
DEADLINE_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One ``baoshan serve`` subprocess; counts "worker ready" lines as they appear on stderr."""

    def __init__(self, cwd: Path, workers: int, env: dict[str, str]) -> None:
        self.port = free_port()
        self.ready_at: list[float] = []
        self.lines: list[str] = []
        self.started = time.perf_counter()
        self.cpu_at_ready = 0.0
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "serve", "--port", str(self.port),
             "--workers", str(workers)], cwd=cwd, env=env, start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if "worker ready" in line:
                self.ready_at.append(time.perf_counter() - self.started)

    def cpu(self) -> float:
        """CPU seconds the server's processes have used so far: on a machine shared with other
        jobs this moves far less than the wall time does."""
        from booking_rush import cpu_seconds

        return cpu_seconds(self.proc.pid)

    def until_healthy(self) -> float:
        url = f"http://127.0.0.1:{self.port}/healthz"
        while time.perf_counter() - self.started < DEADLINE_SECONDS:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + "\n".join(self.lines[-20:]))
            try:
                if httpx.get(url, timeout=5).status_code == 200:
                    self.cpu_at_ready = self.cpu()
                    return time.perf_counter() - self.started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        raise RuntimeError("no /healthz 200 within the deadline")

    def until_workers_ready(self, n: int) -> float:
        while time.perf_counter() - self.started < DEADLINE_SECONDS:
            if len(self.ready_at) >= n:
                return self.ready_at[n - 1]
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + "\n".join(self.lines[-20:]))
            time.sleep(0.01)
        raise RuntimeError(f"{n} workers not ready within the deadline")

    def own_line(self) -> str:
        """The server's own one-line account of its start (if it prints one)."""
        return next((ln for ln in self.lines if "ready in" in ln or "已就绪" in ln), "")

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def one_round(cold_caches: bool, root: Path = ROOT) -> dict[str, float | str]:
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("BAOSHAN_", "WECHAT_"))},
           "BAOSHAN_LOG_LEVEL": "INFO", "BAOSHAN_LOG_FORMAT": "text", "PYTHONPATH": str(root)}
    first_env = dict(env)
    if cold_caches:
        tmp = work / "tmp"
        tmp.mkdir()
        first_env["TMPDIR"] = str(tmp)
    out: dict[str, float | str] = {}
    server = Server(work, 1, first_env)
    try:
        out["first"] = server.until_healthy()
        out["first_cpu"] = server.cpu_at_ready
    finally:
        server.stop()
    server = Server(work, 1, env)
    try:
        out["restart"] = server.until_healthy()
        out["restart_cpu"] = server.cpu_at_ready
    finally:
        server.stop()
    server = Server(work, 2, env)
    try:
        out["two_workers"] = server.until_workers_ready(2)
        out["two_workers_cpu"] = server.cpu()
        out["two_workers_healthz"] = server.until_healthy()
        time.sleep(0.3)  # the server's own ready line comes from a 0.25 s poll
        out["own_line"] = server.own_line()
    finally:
        server.stop()
    return out


FIGURES = ("first", "restart", "two_workers", "two_workers_healthz", "first_cpu", "restart_cpu",
           "two_workers_cpu")


def summary(label: str, rounds: list[dict[str, float | str]], cold_caches: bool,
            base: dict[str, float] | None) -> dict[str, float]:
    med = {k: statistics.median(float(r[k]) for r in rounds) for k in FIGURES}

    def vs(k: str) -> str:
        return f" ({med[k] / base[k]:.2f}× the first tree)" if base else ""

    print(f"[{label}]  (wall; CPU of the server's processes until then in brackets)")
    print(f"  first start to /healthz 200 (fresh ./var{', empty TMPDIR' if cold_caches else ''}): "
          f"{med['first']:.2f} s [{med['first_cpu']:.2f}] median of {len(rounds)}{vs('first')} "
          "(target ≤ 3 s)")
    print(f"  restart, database migrated, to /healthz 200: {med['restart']:.2f} s "
          f"[{med['restart_cpu']:.2f}]{vs('restart')} (target ≤ 2 s)")
    print(f"  two workers to ready: {med['two_workers']:.2f} s [{med['two_workers_cpu']:.2f}]"
          f"{vs('two_workers')} (first /healthz 200 at {med['two_workers_healthz']:.2f} s; "
          "target ≤ 3 s)")
    if rounds[-1].get("own_line"):
        print(f"  server's own line: {rounds[-1]['own_line']}")
    print("  " + json.dumps({"median_s": {k: round(v, 2) for k, v in med.items()},
                             "runs_s": {k: [round(float(r[k]), 2) for r in rounds] for k in FIGURES}}))
    return med


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--cold-caches", action="store_true",
                   help="first start with an empty TMPDIR too (no jieba cache anywhere)")
    p.add_argument("--root", action="append", type=Path, default=[],
                   help="source tree to measure (repeatable; default: this checkout)")
    args = p.parse_args()
    roots = args.root or [ROOT]
    rounds: dict[Path, list[dict[str, float | str]]] = {r: [] for r in roots}
    for _ in range(args.runs):
        for root in roots:
            rounds[root].append(one_round(args.cold_caches, root))
    base = None
    for root in roots:
        med = summary(str(root), rounds[root], args.cold_caches, base)
        base = base or med
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
