"""The periodic job of each worker: send due reminders, drop finished rate-limit windows and, once a
day across all workers and hosts, apply the retention periods (core.retention)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from sanic import Sanic

from core import ratelimit
from core.booking.reminders import send_due
from core.retention import DailyRetention
from miniapp_api.blueprint import bp

log = logging.getLogger("baoshan.miniapp.jobs")
INTERVAL_SECONDS = 60


async def run_jobs(app: Sanic) -> None:
    retention = DailyRetention()
    while True:
        try:
            await send_due(app.ctx.wechat, datetime.now(UTC))
            await ratelimit.purge(time.time())
        except Exception:  # a bad round must not stop future rounds
            log.exception("booking jobs round failed")
        try:
            # Its own try: a failing reminder round must not hold up retention, nor the reverse.
            # Almost always a no-op: the day is already settled in this worker's memory.
            await retention.maybe_run(app.ctx.settings, datetime.now(UTC))
        except Exception:
            log.exception("retention round failed")
        await asyncio.sleep(INTERVAL_SECONDS)


@bp.after_server_start
async def start_jobs(app: Sanic) -> None:
    # Tests drive send_due and retention directly with a fixed clock: a background loop would
    # race them.
    if Sanic.test_mode or getattr(app.ctx, "booking_jobs", None):
        return
    app.ctx.booking_jobs = asyncio.get_running_loop().create_task(run_jobs(app))


@bp.before_server_stop
async def stop_jobs(app: Sanic) -> None:
    task = getattr(app.ctx, "booking_jobs", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        app.ctx.booking_jobs = None
