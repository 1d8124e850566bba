"""The year's standards the 政策找人 self-check quotes (低保标准, 财产标准): staff settings dated
by year, never amounts in the code. Stored as the ``policy_standards`` site setting
(``core.site_settings``; edited on the console's settings page, section "policy").

Unset, or set for an earlier year than the current Shanghai one, the answers say "以当年公布标准
为准" rather than quote an amount that may be out of date.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from core import tz
from core.models import Setting
from core.policy_check import Standards

log = logging.getLogger("baoshan.policy")

KEY = "policy_standards"  # {"year": int, "dibao": int, "dibao_assets": int, "low_income_assets": int}
AMOUNTS = ("dibao", "dibao_assets", "low_income_assets")
READ_WITHIN = 1.0


def standards_of(value: Any, now: datetime) -> Standards:
    """The stored value as ``Standards`` for ``now``: amounts of an earlier year are not quoted."""
    if not isinstance(value, dict):
        return Standards()
    year = value.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or year != tz.local_day(now).year:
        return Standards()
    amounts = {k: v for k in AMOUNTS if isinstance(v := value.get(k), int)
               and not isinstance(v, bool) and v > 0}
    return Standards(year=year, **amounts)


async def load(now: datetime) -> Standards:
    """This year's standards; unset (以当年公布标准为准) when the database does not answer."""
    try:
        row = await asyncio.wait_for(Setting.get_or_none(key=KEY), READ_WITHIN)
    except Exception as exc:
        log.warning("policy standards not read: database unavailable",
                    extra={"error": type(exc).__name__})
        return Standards()
    return standards_of(row.value if row else None, now)
