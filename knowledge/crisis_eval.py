"""How well crisis messages are recognised, on the labelled sets in knowledge/eval/.

``crisis_*.yaml`` hold crisis phrasings (with their kind) and near misses; every other evaluation
set holds ordinary questions, none of which may get the crisis reply unless the item is marked
``crisis: <kind>`` (a third-person report of a child being beaten *is* a crisis message).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.crisis import detect

EVAL_DIR = Path(__file__).parent / "eval"


@dataclass
class CrisisReport:
    name: str
    crisis: int = 0
    recognised: int = 0
    right_kind: int = 0
    ordinary: int = 0
    false_alarms: int = 0
    missed: list[tuple[str, str]] = field(default_factory=list)
    alarms: list[tuple[str, str]] = field(default_factory=list)
    per_kind: Counter[str] = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.recognised / self.crisis if self.crisis else 1.0

    def lines(self) -> list[str]:
        out = [f"{self.name}: crisis {self.recognised}/{self.crisis} "
               f"({self.recall:.1%}, kind right {self.right_kind}); "
               f"false alarms {self.false_alarms}/{self.ordinary}"]
        out += [f"  missed [{kind}] {q}" for q, kind in self.missed]
        out += [f"  false alarm [{kind}] {q}" for q, kind in self.alarms]
        return out


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def evaluate_file(path: Path) -> CrisisReport:
    data = _load(path)
    rep = CrisisReport(path.stem)
    if isinstance(data, dict):  # a crisis set
        crisis_items = [(str(i["q"]), str(i["kind"])) for i in data.get("crisis") or []]
        ordinary = [str(i["q"]) for i in data.get("not_crisis") or []]
    else:  # an ordinary evaluation set, some items marked as crisis messages
        crisis_items = [(str(i["q"]), str(i["crisis"])) for i in data if i.get("crisis")]
        ordinary = [str(i["q"]) for i in data if not i.get("crisis")]
    for q, kind in crisis_items:
        rep.crisis += 1
        rep.per_kind[kind] += 1
        found = detect(q)
        if found:
            rep.recognised += 1
            rep.right_kind += found.kind == kind
        else:
            rep.missed.append((q, kind))
    for q in ordinary:
        rep.ordinary += 1
        found = detect(q)
        if found:
            rep.false_alarms += 1
            rep.alarms.append((q, found.kind))
    return rep


def evaluate_all(directory: Path = EVAL_DIR) -> list[CrisisReport]:
    return [evaluate_file(p) for p in sorted(directory.glob("*.yaml"))]
