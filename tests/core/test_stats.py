from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import httpx
from sanic import Sanic

from core import stats, tz
from core.models import DailyCount, UnansweredQuestion

DAY = date(2026, 3, 1)


async def test_concurrent_increments_give_the_exact_total(app: Sanic) -> None:
    # The first increments of a day race to insert its row; none may be lost.
    await asyncio.gather(*(stats.increment("wechat.answered", DAY) for _ in range(40)),
                         *(stats.increment("wechat.unanswered", DAY, 2) for _ in range(15)))
    counted = await stats.counts(["wechat.answered", "wechat.unanswered", "api.answered"], DAY, DAY)
    assert counted == {"wechat.answered": {DAY: 40}, "wechat.unanswered": {DAY: 30},
                       "api.answered": {DAY: 0}}
    assert await DailyCount.filter(day=DAY).count() == 2


async def test_counts_fill_missing_days_with_zero(app: Sanic) -> None:
    await stats.increment("api.answered", date(2026, 3, 3), 5)
    counted = await stats.counts(["api.answered"], date(2026, 3, 2), date(2026, 3, 4))
    assert counted["api.answered"] == {date(2026, 3, 2): 0, date(2026, 3, 3): 5, date(2026, 3, 4): 0}


def test_the_day_is_shanghais() -> None:
    # 17:30 UTC on 1 March is already 2 March in Shanghai.
    assert tz.local_day(datetime(2026, 3, 1, 17, 30, tzinfo=UTC)) == date(2026, 3, 2)
    assert tz.local_day(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)) == date(2026, 3, 1)


async def test_every_api_question_is_counted_by_outcome(app: Sanic, client: httpx.AsyncClient) -> None:
    today = tz.local_day(datetime.now(UTC))
    for q in ("结婚登记要带什么", "低保怎么申请", "退休金每个月几号发", "结婚登记要带什么"):
        assert (await client.get("/api/v1/knowledge/search", params={"q": q})).status_code == 200
    # Counted in memory and written in batches (each worker's poll, and at shutdown). The poll
    # may already have written some on a busy machine, so what is written plus what is waiting
    # must make three: each question counted exactly once, whenever the batch goes out.
    written = (await stats.counts(["api.answered"], today, today))["api.answered"][today]
    waiting = app.ctx.kb.tally.pending("api.answered", today)
    assert written + waiting == 3
    await app.ctx.kb.tally.flush()
    counted = await stats.counts(["api.answered", "api.unanswered"], today, today)
    assert counted == {"api.answered": {today: 3}, "api.unanswered": {today: 1}}
    assert await UnansweredQuestion.filter(channel="api").count() == 1


async def test_simulated_users_are_counted_apart(app: Sanic) -> None:
    kb = app.ctx.kb
    gibberish = await kb.asearch("qwertyuiop zxcv")
    assert not gibberish.answered
    await kb.record_unanswered(gibberish, channel="wechat", user="sim-editor1")
    await kb.record_unanswered(await kb.asearch("结婚登记要带什么"), channel="wechat", user="oResident")
    today = tz.local_day(datetime.now(UTC))
    await kb.tally.flush()
    counted = await stats.counts(["simulator.unanswered", "wechat.answered", "wechat.unanswered"],
                                 today, today)
    assert counted == {"simulator.unanswered": {today: 1}, "wechat.answered": {today: 1},
                       "wechat.unanswered": {today: 0}}
    assert [q.channel for q in await UnansweredQuestion.all()] == ["simulator"]


async def test_a_failed_flush_keeps_the_counts_for_the_next(app: Sanic) -> None:
    tally = stats.Tally()
    tally.add("wechat.answered", DAY, 3)
    tally.add("x" * 200, DAY)  # cut to the column's width, not refused
    await tally.flush()
    tally.add("wechat.answered", DAY)
    await tally.flush()
    counted = await stats.counts(["wechat.answered", "x" * 48], DAY, DAY)
    assert counted == {"wechat.answered": {DAY: 4}, "x" * 48: {DAY: 1}}
