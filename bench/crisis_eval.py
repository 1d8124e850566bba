"""Crisis recognition on every evaluation set: `python bench/crisis_eval.py [-v]`.

crisis_tune.yaml was used to write the patterns; crisis_report.yaml (written separately, never
used for tuning) is the figure to report.
"""

from __future__ import annotations

import sys

from knowledge.crisis_eval import evaluate_all


def main() -> int:
    verbose = "-v" in sys.argv
    for rep in evaluate_all():
        lines = rep.lines()
        print("\n".join(lines if verbose else lines[:1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
