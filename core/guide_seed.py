"""The bundled guides (core/guide_data/guides.yaml) loaded into an empty guide table.

Run on first start beside the knowledge base's seeding (core.cli.prepare_database): a fresh
install shows the 社会组织 guides at once, published; from then on staff own the text, so a guide
table with any row is never touched again.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from tortoise.transactions import in_transaction

from core.models import Guide, GuideStep

BUNDLED = Path(__file__).with_name("guide_data") / "guides.yaml"


def load(path: Path = BUNDLED) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("guides"), list):
        raise ValueError(f"{path}: expected a mapping with a list of guides")
    return data


def _strings(value: object) -> list[str]:
    return [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else []


async def seed_if_empty(path: Path = BUNDLED) -> int:
    """Inserts the bundled guides when the table is empty; returns how many were inserted."""
    if await Guide.all().exists():
        return 0
    data = load(path)
    reviewed = data.get("reviewed_on")
    reviewed_on = reviewed if isinstance(reviewed, date) else None
    async with in_transaction() as conn:
        for position, g in enumerate(data["guides"], 1):
            guide = await Guide.create(
                id=str(g["id"]), title=str(g["title"]).strip(), summary=str(g.get("summary", "")).strip(),
                keywords=_strings(g.get("keywords")), sources=str(g.get("sources", "")).strip(),
                reviewed_on=reviewed_on, position=position, published=True, using_db=conn)
            for n, s in enumerate(g.get("steps") or [], 1):
                await GuideStep.create(
                    guide_id=guide.id, position=n, title=str(s["title"]).strip(),
                    detail=str(s.get("detail", "")).strip(), materials=_strings(s.get("materials")),
                    keywords=_strings(s.get("keywords")), using_db=conn)
    return len(data["guides"])
