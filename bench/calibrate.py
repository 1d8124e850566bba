"""Calibrate the matcher's weights and thresholds on the labelled dev set.

Prints, for a grid of weights and thresholds, the in-scope accuracy (answered with the right
category) and the out-of-scope/small-talk recognition, best first. The holdout set is scored only
for the chosen parameters, never searched over.

    python bench/calibrate.py [--holdout]
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from core.kb import build_index
from knowledge.entries import load_dir
from knowledge.evaluate import evaluate, load_items
from knowledge.matcher import Params
from knowledge.segment import Segmenter
from knowledge.synonyms import SynonymTable

EVAL = Path(__file__).resolve().parents[1] / "knowledge" / "eval"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--holdout", action="store_true", help="score the shipped params on holdout")
    args = ap.parse_args()
    index = build_index(load_dir(), Segmenter(), SynonymTable.load())
    dev = load_items(EVAL / "dev.yaml")
    if args.holdout:
        for name in ("dev", "holdout"):
            rep = evaluate(index, load_items(EVAL / f"{name}.yaml"))
            print(f"{name}: in-scope {rep.in_scope_accuracy:.3f} other {rep.other_accuracy:.3f}")
        return
    rows = []
    base = index.params
    for wq, wp, wk, th, oth in itertools.product((0.15, 0.25), (0.45, 0.55), (0.0, 0.1, 0.2),
                                                 (0.23, 0.26, 0.29, 0.32), (0.34, 0.38, 0.42)):
        index.params = replace(base, w_query=wq, w_phrase=wp, w_fuzzy=1 - wq - wp, w_keyword=wk,
                               answer_threshold=th, other_threshold=oth)
        rep = evaluate(index, dev)
        rows.append((min(rep.in_scope_accuracy, rep.other_accuracy), rep.in_scope_accuracy,
                     rep.other_accuracy, wq, wp, wk, th, oth))
    rows.sort(reverse=True)
    print("min    in     other  w_query w_phrase w_keyword threshold other_threshold")
    for r in rows[:15]:
        print("  ".join(f"{x:.3f}" for x in r))
    print("shipped:", Params())


if __name__ == "__main__":
    main()
