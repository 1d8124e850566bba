"""What an app starts and stops around serving: its resources, then its background jobs.

Resources (the database, the outbound HTTP client, the knowledge index, the batchers) are made in
``before_server_start`` and closed in ``after_server_stop``. Background jobs (reminders, rate-limit
windows, retention, and any a face adds with ``add_job``) run only when
``Settings.background_jobs`` says so: off in the tests, which drive each job by hand with a fixed
clock that a loop in the background would race.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sanic import Sanic

from core import db, outbound, ratelimit
from core.booking.reads import BookingReads
from core.booking.reminders import send_due
from core.context import App, AppContext, Job, of_app
from core.conversation import Conversations
from core.ratelimit import RateLimits
from core.retention import DailyRetention
from core.sessions import session_lookup
from core.wechat import WechatClient

log = logging.getLogger("baoshan.lifecycle")
INTERVAL_SECONDS = 60


def add_job(app: Sanic[Any, Any], job: Job) -> None:
    """A face's own periodic work, started and stopped with the core jobs."""
    of_app(app).extra_jobs.append(job)


async def booking_jobs(ctx: AppContext) -> None:
    """Each worker, every minute: send due reminders, drop finished rate-limit windows and, once a
    day across all workers and hosts, apply the retention periods (core.retention)."""
    retention = DailyRetention()
    while True:
        try:
            now = ctx.clock()
            await send_due(ctx.wechat, now)
            await ratelimit.purge(now.timestamp())
        except Exception:  # a bad round must not stop future rounds
            log.exception("booking jobs round failed")
        try:
            # Its own try: a failing reminder round must not hold up retention, nor the reverse.
            # Almost always a no-op: the day is already settled in this worker's memory.
            await retention.maybe_run(ctx.settings, ctx.clock())
        except Exception:
            log.exception("retention round failed")
        await asyncio.sleep(INTERVAL_SECONDS)


def install(app: App) -> None:
    @app.before_server_start
    async def open_resources(app: App) -> None:
        # Re-entrant: sanic-testing's ASGI client runs the server events around every request.
        ctx = of_app(app)
        if ctx.resources_open:
            return
        from core.kb import KnowledgeService  # the matcher and pinyin tables: ≈ 0.5 s to import

        await db.init_orm(ctx.settings)
        ctx.http = outbound.client()
        # The one WeChat client (both app ids, one token authority) on the app's HTTP client.
        ctx.wechat = WechatClient.from_settings(ctx.settings, ctx.http)
        ctx.booking_reads = BookingReads()
        if db.db_url(ctx.settings).startswith("postgres"):
            # Booking transactions wait their turn in the worker, not on the pool (FullSlots).
            ctx.full_slots.writers = max(1, ctx.settings.db_pool_size - 2)
        ctx.rate_limits = RateLimits()
        ctx.sessions = session_lookup()
        ctx.conversations = Conversations()
        ctx.kb = KnowledgeService(ctx.settings)
        await ctx.kb.start()
        # Serve only once the index is built: loading jieba's dictionary holds the GIL for long
        # stretches, and requests taken meanwhile would stall behind it.
        await ctx.kb.wait_ready(30.0)
        ctx.resources_open = True
        log.info("worker ready", extra={"database": "sqlite" if ctx.settings.is_sqlite
                                        else "postgres"})

    @app.after_server_start
    async def start_jobs(app: App) -> None:
        ctx = of_app(app)
        if not ctx.settings.background_jobs or ctx.jobs:
            return
        loop = asyncio.get_running_loop()
        ctx.jobs = [loop.create_task(job(ctx), name=getattr(job, "__name__", "job"))
                    for job in (booking_jobs, *ctx.extra_jobs)]

    @app.before_server_stop
    async def stop_jobs(app: App) -> None:
        ctx = of_app(app)
        jobs, ctx.jobs = ctx.jobs, []
        for task in jobs:
            task.cancel()
        for task in jobs:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @app.after_server_stop
    async def close_resources(app: App) -> None:
        ctx = of_app(app)
        if not ctx.resources_open:
            return
        ctx.resources_open = False
        await ctx.kb.stop()
        await ctx.http.aclose()
        await db.close_orm()
