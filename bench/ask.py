"""Wall time of ``baoshan ask "结婚登记要带什么"`` as a resident-facing operator runs it.

Runs the command as a subprocess in a temp working directory (fresh ``./var``: no database, so
it answers from the bundled entries). "cold": each run in a new directory, so nothing the
command caches under ``./var`` helps; "warm": the same directory again and again. Median of
``--runs`` each, with the reference cost of starting Python itself beside it.

    python bench/ask.py [--runs 5] [--question 结婚登记要带什么]
    python bench/ask.py --root /tmp/ab/before --root /tmp/ab/after   # A/B, runs interleaved
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return wall, done.stdout


def measure(root: Path, question: str, warm_dir: Path) -> tuple[float, float, str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("BAOSHAN_", "WECHAT_"))},
           "PYTHONPATH": str(root)}
    ask = [sys.executable, "-m", "core.cli", "ask", question]
    cold, out = timed(ask, Path(tempfile.mkdtemp(prefix="bench-ask-cold-")), env)
    warm, out2 = timed(ask, warm_dir, env)
    if out.strip() != out2.strip():
        print(f"WARNING: cold and warm answers differ under {root}")
    return cold, warm, out.strip()[:40]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--question", default="结婚登记要带什么")
    p.add_argument("--root", action="append", type=Path, default=[],
                   help="source tree to measure (repeatable; default: this checkout)")
    args = p.parse_args()
    roots = args.root or [ROOT]
    warm_dirs = {r: Path(tempfile.mkdtemp(prefix="bench-ask-warm-")) for r in roots}
    for r in roots:
        measure(r, args.question, warm_dirs[r])  # fills whatever the command caches there
    runs: dict[Path, list[tuple[float, float, str]]] = {r: [] for r in roots}
    for _ in range(args.runs):  # interleaved, so a busy moment hits every tree alike
        for r in roots:
            runs[r].append(measure(r, args.question, warm_dirs[r]))
    bare = statistics.median(timed([sys.executable, "-c", "pass"], ROOT, dict(os.environ))[0]
                             for _ in range(3))
    base = None
    for r in roots:
        cold = statistics.median(x[0] for x in runs[r])
        warm = statistics.median(x[1] for x in runs[r])
        vs = f" ({warm / base[1]:.2f}× / {cold / base[0]:.2f}× the first tree)" if base else ""
        print(f"[{r}] baoshan ask {args.question!r}: warm {warm:.2f} s, cold (fresh ./var) "
              f"{cold:.2f} s, median of {args.runs}{vs} (target ≤ 1 s)")
        print("  " + json.dumps({"cold_s": [round(x[0], 2) for x in runs[r]],
                                 "warm_s": [round(x[1], 2) for x in runs[r]]}))
        base = base or (cold, warm)
    answers = {x[2] for rs in runs.values() for x in rs}
    if len(answers) != 1:
        print(f"WARNING: answers differ: {sorted(answers)}")
    print(f"`python -c pass` {bare:.2f} s; load average (1 min) {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
