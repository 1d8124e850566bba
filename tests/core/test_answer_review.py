"""#12: answers for staff review — masked, one row per asker, question, reason and day, never
the openid — and the decision path's small-margin rule, on the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sanic import Sanic

from core import answer_review, answering, retention
from core.models import AnswerReview, WechatUserState
from knowledge.entries import Entry
from knowledge.matcher import Hit, Result

NOW = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)


class Knowledge:
    """A knowledge base whose next result the test sets (the decision path's dependency)."""

    index = None

    def __init__(self, result: Result) -> None:
        self.result = result
        self.unanswered: list[Result] = []

    async def asearch(self, text: str, limit: int = 3) -> Result:
        return Result(text, text, self.result.intent, self.result.hits, margin=self.result.margin)

    def reply(self, result: Result) -> str:
        return result.top.entry.answer if result.top else "？"

    def reply_for(self, entry: Entry) -> str:
        return entry.answer

    def user_hash(self, user: str) -> str:
        return "h-" + str(len(user))

    async def record_unanswered(self, result: Result, *, channel: str, user: str = "") -> None:
        self.unanswered.append(result)


def _result(margin: float) -> Result:
    a = Entry(id="mr-a", kind="entry", category="marriage", title="甲", answer="甲的回答")
    b = Entry(id="mr-b", kind="entry", category="marriage", title="乙", answer="乙的回答")
    return Result("q", "q", "answer", [Hit(a, 0.6), Hit(b, 0.6 - margin)], margin=margin)


async def test_rows_are_masked_capped_and_kept_once_a_day(app: Sanic) -> None:
    text = "结婚登记在哪里办 我的身份证310101199001011234 电话13812345678 " + "很长" * 200
    for _ in range(3):
        await answer_review.record(reason="small_margin", channel="api", question=text,
                                   entry_id="mr-a", runner_up_id="mr-b", margin=0.031,
                                   user_hash="u1", now=NOW)
    rows = await AnswerReview.all()
    assert len(rows) == 1
    row = rows[0]
    assert "310101199001011234" not in row.text and "13812345678" not in row.text
    assert "13812345678" not in row.normalized and len(row.text) <= 200
    assert (row.entry_id, row.runner_up_id, row.margin, row.reason) == ("mr-a", "mr-b", 0.031,
                                                                        "small_margin")
    # Another reason, another asker or another day is another row.
    await answer_review.record(reason="thumbs_down", channel="wechat", question=text,
                               entry_id="mr-a", user_hash="u1", now=NOW)
    await answer_review.record(reason="small_margin", channel="api", question=text,
                               entry_id="mr-a", user_hash="u2", now=NOW)
    await answer_review.record(reason="small_margin", channel="api", question=text,
                               entry_id="mr-a", user_hash="u1", now=NOW + timedelta(days=1))
    assert await AnswerReview.all().count() == 4


@pytest.mark.parametrize(("margin", "kept"), [(0.01, 1), (answering.REVIEW_MARGIN, 0), (0.3, 0)])
async def test_answers_with_a_small_margin_are_kept_for_review(app: Sanic, margin: float,
                                                               kept: int) -> None:
    kb = Knowledge(_result(margin))
    decision = await answering.decide("结婚登记在哪里办", channel="api", kb=kb,  # type: ignore[arg-type]
                                      user="203.0.113.7")
    assert decision.intent == "answer" and decision.reply == "甲的回答"
    rows = await AnswerReview.all()
    assert len(rows) == kept
    if kept:
        assert (rows[0].entry_id, rows[0].runner_up_id, rows[0].channel) == ("mr-a", "mr-b", "api")
        assert rows[0].user_hash == "h-11" and "203.0.113.7" not in rows[0].user_hash


async def test_a_staff_trial_records_nothing(app: Sanic) -> None:
    kb = Knowledge(_result(0.01))
    await answering.decide("结婚登记在哪里办", channel="cli", kb=kb, record=False)  # type: ignore[arg-type]
    assert await AnswerReview.all().count() == 0 and kb.unanswered == []


async def test_retention_sweeps_reviews_and_expired_topics(app: Sanic) -> None:
    settings = app.ctx.settings
    old = NOW - timedelta(days=settings.retention_unanswered_days + 1)
    for when, who in ((old, "old"), (NOW, "new")):
        await answer_review.record(reason="thumbs_down", channel="wechat", question="没说清楚",
                                   entry_id="mr-a", user_hash=who, now=when)
    # Suggestions expired, topic still live: the row stays until both have expired.
    await WechatUserState.create(user="o-topic", suggestions=[], expires_at=NOW - timedelta(hours=1),
                                 topic_entry="mr-a", topic_expires_at=NOW + timedelta(minutes=5))
    await WechatUserState.create(user="o-done", suggestions=[], expires_at=NOW - timedelta(hours=1),
                                 topic_entry="mr-a", topic_expires_at=NOW - timedelta(minutes=1))
    report = await retention.run_retention(settings, NOW)
    assert report.reviews == 1 and report.wechat_states == 1
    assert await AnswerReview.all().values_list("user_hash", flat=True) == ["new"]
    assert await WechatUserState.all().values_list("user", flat=True) == ["o-topic"]
