"""Wall time of the README's test command (``pytest``) on SQLite, with the 25 slowest tests.

Runs the whole suite once (8–14 minutes on the 2-core machine): run it when the machine is
otherwise quiet, and not beside other test runs. Extra arguments go to pytest (e.g. ``-n 2``).

    python bench/test_time.py [pytest args …]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    env = {k: v for k, v in os.environ.items() if k != "BAOSHAN_TEST_DATABASE_URL"}  # SQLite
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=25",
           *sys.argv[1:]]
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    out = done.stdout
    slowest = out.split("slowest 25 durations", 1)[-1].split("\n=", 1)[0] if "slowest" in out else ""
    setups = [float(m) for m in re.findall(r"^([\d.]+)s setup", slowest, re.MULTILINE)]
    summary = out.strip().splitlines()[-1] if out.strip() else done.stderr[-500:]
    print(f"pytest on SQLite: {wall / 60:.1f} min wall (target ≤ 5 min), exit {done.returncode}: "
          f"{summary}")
    if setups:
        print(f"slowest setups among the 25: max {max(setups):.2f} s, {len(setups)} of them")
    print("slowest 25:" + slowest.rstrip())
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
