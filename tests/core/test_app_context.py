"""The app's state is typed and its own (core.context), and core.lifecycle starts and stops the
background jobs by the setting, not by Sanic's test mode."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

from sanic import Sanic

from core import lifecycle
from core.app import create_app
from core.booking.reads import BookingReads
from core.context import AppContext
from core.ratelimit import RateLimits
from core.settings import Settings
from tests.support.asgi import lifespan

# 01:00 in Shanghai: before retention's hour, so the core job's first round only looks.
NIGHT = datetime(2026, 5, 19, 17, 0, tzinfo=UTC)


async def test_the_context_is_typed_and_resources_are_made_at_start(app: Sanic) -> None:
    ctx = app.ctx
    assert isinstance(ctx, AppContext)
    assert isinstance(ctx.booking_reads, BookingReads) and isinstance(ctx.rate_limits, RateLimits)
    assert ctx.resources_open and not ctx.jobs  # the suite turns background jobs off
    assert not ctx.settings.background_jobs


async def test_two_apps_share_no_batcher(migrated: Settings) -> None:
    first, second = create_app(migrated), create_app(migrated)
    async with lifespan(first):
        reads, limits, sessions = first.ctx.booking_reads, first.ctx.rate_limits, first.ctx.sessions
        talks, claims, done = first.ctx.conversations, first.ctx.bot_claims, first.ctx.bot_done
    async with lifespan(second):
        assert second.ctx.booking_reads is not reads and second.ctx.rate_limits is not limits
        assert second.ctx.sessions is not sessions
        assert second.ctx.conversations is not talks
        assert second.ctx.bot_claims is not claims and second.ctx.bot_done is not done


async def test_background_jobs_run_when_the_setting_says_so(migrated: Settings) -> None:
    app = create_app(dataclasses.replace(migrated, background_jobs=True))
    app.ctx.clock = lambda: NIGHT
    seen: list[datetime] = []
    ran = asyncio.Event()

    async def probe(ctx: AppContext) -> None:
        seen.append(ctx.clock())  # the injected clock, as every job reads it
        ran.set()
        await asyncio.Event().wait()

    lifecycle.add_job(app, probe)
    # Nothing to clean afterwards: at NIGHT, with no reminder due, the core job writes nothing.
    async with lifespan(app):
        await asyncio.wait_for(ran.wait(), 10)
        jobs = list(app.ctx.jobs)
        assert [job.get_name() for job in jobs] == ["booking_jobs", "probe"]
    assert seen == [NIGHT]
    assert app.ctx.jobs == [] and all(job.done() for job in jobs)  # stopped with the server
