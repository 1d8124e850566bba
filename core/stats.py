"""Per-day counters for the dashboard (``daily_count``): how many questions, answered or not.

Counting is one conditional ``UPDATE … SET count = count + n`` on the day's row; only the first
count of a day inserts it. Two workers may both find the row missing and both insert: the unique
(day, metric) key lets one win, and the loser's retried UPDATE then lands on the winner's row, so
no count is lost and no read-then-save ever happens.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.models import DailyCount

log = logging.getLogger("baoshan.stats")

MAX_METRIC_CHARS = 48


def question_metric(channel: str, answered: bool) -> str:
    return f"{channel}.{'answered' if answered else 'unanswered'}"[:MAX_METRIC_CHARS]


async def increment(metric: str, day: date, by: int = 1) -> None:
    metric = metric[:MAX_METRIC_CHARS]
    if await _add(metric, day, by):
        return
    try:
        # A savepoint when the caller is inside a transaction: on PostgreSQL a failed INSERT
        # would otherwise abort the caller's whole transaction.
        async with in_transaction():
            await DailyCount.create(day=day, metric=metric, count=by)
    except IntegrityError:
        # Another worker inserted the day's row between our UPDATE and INSERT.
        if not await _add(metric, day, by):
            raise RuntimeError(f"daily count {metric} {day} neither updated nor inserted") from None


async def _add(metric: str, day: date, by: int) -> bool:
    changed = await DailyCount.filter(day=day, metric=metric).update(count=F("count") + by)
    return bool(changed)


async def counts(metrics: Iterable[str], first: date, last: date) -> dict[str, dict[date, int]]:
    """``{metric: {day: count}}`` for every day from ``first`` to ``last`` (missing days are 0)."""
    names = list(metrics)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    out = {m: dict.fromkeys(days, 0) for m in names}
    rows = await DailyCount.filter(metric__in=names, day__gte=first, day__lte=last).values_list(
        "metric", "day", "count")
    for metric, day, count in rows:
        out[str(metric)][day] = int(count)
    return out


class Tally:
    """Counts gathered in memory and written in one batch (one UPDATE per metric and day).

    The bot counts every message; a database write each would be a third of its per-message cost.
    The dashboard can lag by a flush interval, and a crashed worker loses at most that much.
    """

    def __init__(self) -> None:
        self._pending: Counter[tuple[str, date]] = Counter()

    def add(self, metric: str, day: date, by: int = 1) -> None:
        self._pending[(metric[:MAX_METRIC_CHARS], day)] += by

    def pending(self, metric: str, day: date) -> int:
        """What is counted and not yet written (the dashboard lags by this much)."""
        return self._pending[(metric[:MAX_METRIC_CHARS], day)]

    async def flush(self) -> None:
        pending, self._pending = self._pending, Counter()
        for (metric, day), by in pending.items():
            try:
                await increment(metric, day, by)
            except Exception:
                log.exception("could not write a count; keeping it for the next flush",
                              extra={"metric": metric})
                self._pending[(metric, day)] += by
