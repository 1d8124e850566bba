"""The periodic job of each worker: send due reminders and drop finished rate-limit windows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from sanic import Sanic

from core import ratelimit
from core.booking.reminders import AccessToken, send_due
from miniapp_api.blueprint import bp

log = logging.getLogger("baoshan.miniapp.jobs")
INTERVAL_SECONDS = 60


async def run_jobs(app: Sanic) -> None:
    token = AccessToken()
    while True:
        try:
            await send_due(app.ctx.http, app.ctx.settings, token, datetime.now(UTC))
            await ratelimit.purge(time.time())
        except Exception:  # a bad round must not stop future rounds
            log.exception("booking jobs round failed")
        await asyncio.sleep(INTERVAL_SECONDS)


@bp.after_server_start
async def start_jobs(app: Sanic) -> None:
    # Tests drive send_due directly with a fixed clock; a background loop would race them.
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
