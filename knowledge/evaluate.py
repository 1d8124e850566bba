"""Evaluation of the matcher on a labelled question set (``baoshan kb eval FILE``)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.matcher import Index

TAXONOMY_FILE = Path(__file__).parent / "data" / "taxonomy.json"
OTHER = ("out_of_scope", "smalltalk")


def load_taxonomy(path: Path = TAXONOMY_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def category_codes(taxonomy: Mapping[str, Any] | None = None) -> list[str]:
    tax = taxonomy or load_taxonomy()
    return [c["code"] for c in tax["categories"]]


@dataclass
class EvalReport:
    total: int = 0
    in_scope: int = 0
    in_scope_correct: int = 0  # answered, and the top answer's category is the expected one
    in_scope_top1: int = 0  # top hit's category right, answered or merely suggested
    other: int = 0
    other_correct: int = 0  # not answered (handed over / small talk)
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    misses: list[tuple[str, str, str, float]] = field(default_factory=list)
    # Entry level: of the in-scope items labelled with acceptable entries, how many were answered
    # with one of them (a wrong entry in the right category is a miss here).
    labelled: int = 0
    entry_correct: int = 0
    entry_offered: int = 0  # answered right, or an acceptable entry among the suggestions
    entry_misses: list[tuple[str, str, str]] = field(default_factory=list)
    by_style: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    @property
    def in_scope_accuracy(self) -> float:
        return self.in_scope_correct / self.in_scope if self.in_scope else 0.0

    @property
    def other_accuracy(self) -> float:
        return self.other_correct / self.other if self.other else 0.0

    @property
    def entry_accuracy(self) -> float:
        return self.entry_correct / self.labelled if self.labelled else 0.0


def load_items(path: Path) -> list[dict[str, Any]]:
    """A question set: ``q``, ``expect`` (category, out_of_scope or smalltalk), optional
    ``entries`` (the acceptable entry ids) and ``style``. Crisis sets (a mapping) hold none."""
    with path.open(encoding="utf-8") as fh:
        items = yaml.safe_load(fh) or []
    if not isinstance(items, list):
        return []
    return [{"q": str(i["q"]), "expect": str(i["expect"]), "style": str(i.get("style", "")),
             "entries": [str(e) for e in i.get("entries") or []]}
            for i in items if not i.get("crisis")]


def evaluate(index: Index, items: Iterable[Mapping[str, Any]]) -> EvalReport:
    rep = EvalReport()
    for item in items:
        q, expect = str(item["q"]), str(item["expect"])
        res = index.search(q)
        rep.total += 1
        if res.answered and res.top:
            got = res.top.entry.category
        elif res.intent in OTHER:
            got = res.intent
        else:
            got = "unanswered"
        rep.confusion[expect][got] += 1
        style = rep.by_style[item.get("style") or "-"]
        style[1] += 1
        if expect in OTHER:
            rep.other += 1
            ok = not res.answered
            rep.other_correct += ok
        else:
            rep.in_scope += 1
            ok = got == expect
            rep.in_scope_correct += ok
            rep.in_scope_top1 += bool(res.hits) and res.hits[0].entry.category == expect
            accept = set(item.get("entries") or ())
            if accept:
                rep.labelled += 1
                right = res.answered and res.top is not None and res.top.entry.id in accept
                rep.entry_correct += right
                offered = right or (res.intent == "suggest"
                                    and any(h.entry.id in accept for h in res.hits[:3]))
                rep.entry_offered += offered
                if not right:
                    shown = ",".join(h.entry.id for h in res.hits[:3]) or "-"
                    rep.entry_misses.append((q, "/".join(sorted(accept)),
                                             f"{res.intent}:{shown}"))
        style[0] += ok
        if not ok:
            top = res.other or res.top
            rep.misses.append((q, expect, f"{got}:{top.entry.id if top else '-'}",
                               top.score if top else 0.0))
    return rep


def format_report(rep: EvalReport, categories: Sequence[str]) -> str:
    lines = [
        f"questions: {rep.total}",
        f"in-scope top-1 category accuracy (answered, right category): "
        f"{rep.in_scope_accuracy:.1%} ({rep.in_scope_correct}/{rep.in_scope})",
        f"in-scope top-1 category incl. suggestions: "
        f"{rep.in_scope_top1 / max(rep.in_scope, 1):.1%}",
        f"out-of-scope + small-talk recognition (not answered): "
        f"{rep.other_accuracy:.1%} ({rep.other_correct}/{rep.other})",
    ]
    if rep.labelled:
        lines += [
            f"in-scope top-1 entry accuracy (answered with an acceptable entry): "
            f"{rep.entry_accuracy:.1%} ({rep.entry_correct}/{rep.labelled} labelled)",
            f"in-scope entry answered or offered among suggestions: "
            f"{rep.entry_offered / rep.labelled:.1%}",
        ]
    lines += [
        "",
        "by style: " + ", ".join(f"{s} {ok}/{n}" for s, (ok, n) in sorted(rep.by_style.items())),
        "",
        "confusion (expected → got):",
    ]
    for expect in [*categories, *OTHER]:
        row = rep.confusion.get(expect)
        if not row:
            continue
        n = sum(row.values())
        right = sum(row[k] for k in ("unanswered", *OTHER)) if expect in OTHER else row[expect]
        parts = ", ".join(f"{g} {c}" for g, c in row.most_common())
        lines.append(f"  {expect:<18} {right}/{n}: {parts}")
    if rep.misses:
        lines += ["", f"misses ({len(rep.misses)}):"]
        lines += [f"  [{e}] {q} → {g} ({s:.2f})" for q, e, g, s in rep.misses]
    if rep.entry_misses:
        lines += ["", f"entry misses ({len(rep.entry_misses)}):"]
        lines += [f"  [{e}] {q} → {g}" for q, e, g in rep.entry_misses]
    return "\n".join(lines)
