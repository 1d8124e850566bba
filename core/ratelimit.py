"""Fixed-window rate limits kept in the database, so every worker and host shares one count.

An upsert increments and returns the window's count. A window is one minute; a limit of N therefore
allows N requests in any one calendar minute (bursts included) and never fewer than N in any sliding
minute, which is what the contract promises shared addresses. Hits arriving together are counted by
one multi-row upsert (core.batch); each still gets the count it would have had one at a time.
The batcher belongs to the app (``AppContext.rate_limits``, made in ``before_server_start``): its
queues are per event loop, and a module-global one outlived every test app that used it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from core import sql
from core.batch import Batched

WINDOW_SECONDS = 60
_PURGE = "DELETE FROM rate_counter WHERE expires_at < ?"


async def _count(hits: Sequence[tuple[str, int]], conn: BaseDBAsyncClient) -> list[int]:
    per_bucket = Counter(bucket for bucket, _ in hits)
    expires = dict(hits)
    # Sorted, so two workers' batches lock the same buckets in the same order (no deadlock).
    buckets = sorted(per_bucket)
    values = [v for b in buckets for v in (b, per_bucket[b], expires[b])]
    rows = await sql.fetch(
        "INSERT INTO rate_counter (bucket, count, expires_at) VALUES "  # noqa: S608 (only ? marks)
        + ", ".join(["(?, ?, ?)"] * len(buckets))
        + " ON CONFLICT (bucket) DO UPDATE SET count = rate_counter.count + excluded.count"
          " RETURNING bucket, count", values, conn)
    after = {row["bucket"]: int(row["count"]) for row in rows}
    seen: Counter[str] = Counter()
    counts = []
    for bucket, _ in hits:  # the k-th of n hits on a bucket saw the count before the others
        seen[bucket] += 1
        counts.append(after[bucket] - per_bucket[bucket] + seen[bucket])
    return counts


class RateLimits:
    """The counters of one app: ``hit`` batches the hits of one event-loop turn into one upsert."""

    def __init__(self) -> None:
        self._count: Batched[tuple[str, int], int] = Batched("rate_counter", _count, max_items=300)

    async def hit(self, scope: str, subject: str, limit: int, now_ts: float) -> int | None:
        """Counts one request; returns None when allowed, else the seconds until the window
        resets. ``limit <= 0`` turns the limit off."""
        if limit <= 0:
            return None
        window = int(now_ts // WINDOW_SECONDS)
        bucket = f"{scope}:{subject}:{window}"[:200]
        if await self._count((bucket, (window + 2) * WINDOW_SECONDS)) > limit:
            return max(1, int((window + 1) * WINDOW_SECONDS - now_ts + 0.999))
        return None


async def purge(now_ts: float) -> int:
    """Drops finished windows (called from the periodic job)."""
    return await sql.execute(_PURGE, [int(now_ts)])
