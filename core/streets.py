"""Baoshan's towns and sub-districts (街镇) and their community assistance adviser stations.

Read from ``core/data/streets.yaml`` on first use (never at import) and cached for the process:
the list changes with an administrative reform, not at run time. The station names and hours are
sample data until each 街镇 confirms them (the file says so, and so does ``Streets.sample``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

STREETS_FILE = Path(__file__).parent / "data" / "streets.yaml"


@dataclass(frozen=True)
class Street:
    code: str
    name: str
    kind: str  # 街道 / 镇 / 功能区
    station: str
    hours: str


@dataclass(frozen=True)
class Streets:
    items: tuple[Street, ...]
    sample: bool  # station details not yet confirmed by the 街镇

    def get(self, code: str) -> Street | None:
        return next((s for s in self.items if s.code == code), None)

    def name_of(self, code: str) -> str:
        street = self.get(code)
        return street.name if street else code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.items)


def parse(raw: Any) -> Streets:
    """Validates the file's shape: a broken edit fails loudly at the first use, not silently."""
    if not isinstance(raw, dict) or not isinstance(raw.get("streets"), list):
        raise ValueError("streets file: a mapping with a 'streets' list expected")
    default_hours = str(raw.get("default_hours") or "")
    items: list[Street] = []
    for row in raw["streets"]:
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) and row[k]
                                                for k in ("code", "name", "station")):
            raise ValueError(f"streets file: bad row {row!r}")
        items.append(Street(row["code"], row["name"], str(row.get("kind") or ""), row["station"],
                            str(row.get("hours") or default_hours)))
    if len({s.code for s in items}) != len(items):
        raise ValueError("streets file: duplicate code")
    return Streets(tuple(items), bool(raw.get("sample", True)))


@lru_cache(maxsize=1)
def streets() -> Streets:
    return parse(yaml.safe_load(STREETS_FILE.read_text(encoding="utf-8")))
