"""Fixed-window rate limits kept in the database, so every worker and host shares one count.

One statement per hit: an upsert that increments and returns the window's count. A window is one
minute; a limit of N therefore allows N requests in any one calendar minute (bursts included) and
never fewer than N in any sliding minute, which is what the contract promises shared addresses.
"""

from __future__ import annotations

from core import sql

WINDOW_SECONDS = 60
_HIT = ("INSERT INTO rate_counter (bucket, count, expires_at) VALUES (?, 1, ?) "
        "ON CONFLICT (bucket) DO UPDATE SET count = rate_counter.count + 1 RETURNING count")
_PURGE = "DELETE FROM rate_counter WHERE expires_at < ?"


async def hit(scope: str, subject: str, limit: int, now_ts: float) -> int | None:
    """Counts one request; returns None when allowed, else the seconds until the window resets.
    ``limit <= 0`` turns the limit off."""
    if limit <= 0:
        return None
    window = int(now_ts // WINDOW_SECONDS)
    bucket = f"{scope}:{subject}:{window}"[:200]
    expires = (window + 2) * WINDOW_SECONDS
    rows = await sql.fetch(_HIT, [bucket, expires])
    if rows and int(rows[0]["count"]) > limit:
        return max(1, int((window + 1) * WINDOW_SECONDS - now_ts + 0.999))
    return None


async def purge(now_ts: float) -> int:
    """Drops finished windows (called from the periodic job)."""
    return await sql.execute(_PURGE, [int(now_ts)])
