"""Wall time of the README's test command on SQLite or PostgreSQL, with the slowest tests.

Runs the whole suite (a few minutes on the 2-core machine): run it when the machine is otherwise
quiet, and not beside other test runs. By default it runs exactly the README's command
(``pytest -n auto``: one worker per CPU, at most four); arguments it does not know go
to pytest after it, so ``-n 0`` times the serial suite and ``-n 2`` a fixed number of workers.

    python bench/test_time.py                          # the README command, SQLite
    python bench/test_time.py --db postgres            # … on the shared server (or --pg-url URL)
    python bench/test_time.py --runs 2 -n 0            # the serial suite, twice
    python bench/test_time.py tests/core -x            # any other pytest arguments

Each run prints its wall time, pytest's summary, the load average before and after (a busy
machine explains a slow run) and the slowest tests as pytest's ``--durations`` lists them.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README_ARGS = ["-n", "auto"]  # keep in step with README.md's "Run the tests" and .ci/run
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_MINUTES = 5.0
OUT = ROOT / "bench" / "out"  # each run's whole output (failures in full), not in git


def run_once(pytest_args: list[str], env: dict[str, str], durations: int) -> tuple[float, int, str]:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           f"--durations={durations}", *pytest_args]
    print(f"$ {shlex.join(cmd[1:])}", flush=True)
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    out = done.stdout
    OUT.mkdir(parents=True, exist_ok=True)
    saved = OUT / f"test_time-{time.strftime('%Y%m%d-%H%M%S')}.log"
    saved.write_text(out + done.stderr, encoding="utf-8")
    lines = out.strip().splitlines()
    summary = lines[-1] if lines else done.stderr[-500:]
    print(f"  {wall:.0f} s = {wall / 60:.1f} min wall (target ≤ {TARGET_MINUTES:.0f} min), "
          f"exit {done.returncode}: {summary}")
    print(f"  load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    marker = re.search(r"slowest \d+ durations", out)
    if marker:
        slowest = out[marker.end():].split("\n=", 1)[0].rstrip()
        setups = [float(m) for m in re.findall(r"^([\d.]+)s setup", slowest, re.MULTILINE)]
        if setups:
            print(f"  setups among them: {len(setups)}, the longest {max(setups):.2f} s")
        print(f"  slowest {durations}:" + slowest.replace("\n", "\n    "))
    if done.returncode not in (0, 5):
        failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
        print("  " + "\n  ".join(failed[:20] or [done.stderr[-2000:]]))
        print(f"  the whole output: {saved}")
    return wall, done.returncode, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0], allow_abbrev=False)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default="",
                        help=f"the PostgreSQL server for --db postgres (default {DEFAULT_PG})")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--durations", type=int, default=30)
    ours, extra = parser.parse_known_args()
    # Extra arguments come after the README's, so "-n 0" or "-n 2" overrides its "-n auto".
    pytest_args = [*README_ARGS, *extra]

    env = {k: v for k, v in os.environ.items() if k != "BAOSHAN_TEST_DATABASE_URL"}
    if ours.db == "postgres":
        env["BAOSHAN_TEST_DATABASE_URL"] = (ours.pg_url or os.environ.get("BAOSHAN_TEST_DATABASE_URL")
                                            or DEFAULT_PG)
    print(f"pytest on {ours.db}, {os.cpu_count()} CPUs, {ours.runs} run(s)")
    walls, worst = [], 0
    for n in range(ours.runs):
        print(f"run {n + 1}:")
        wall, rc, _ = run_once(pytest_args, env, ours.durations)
        walls.append(wall)
        worst = worst or rc
    if len(walls) > 1:
        print(f"{ours.db}: median {statistics.median(walls):.0f} s, "
              f"runs {', '.join(f'{w:.0f}' for w in walls)} s")
    return worst


if __name__ == "__main__":
    sys.exit(main())
