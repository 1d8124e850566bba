"""#12: staff review answers given with a small margin or called useless (/console/kb/review),
beside the unanswered list: filtered by reason, masked, dismissed with an audit entry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sanic import Sanic

from core import answer_review, kb
from core.models import AnswerReview, AuditLog
from knowledge.entries import load_dir
from tests.content.conftest import Console

NOW = datetime.now(UTC)


@pytest.fixture
async def reviewed(app: Sanic) -> Sanic:
    await kb.import_entries(load_dir())
    for user in ("u1", "u2"):
        await answer_review.record(reason="small_margin", channel="wechat",
                                   question="结婚登记在哪里办 电话13812345678",
                                   entry_id="mr-remarriage", runner_up_id="mr-register-materials",
                                   margin=0.031, user_hash=user, now=NOW)
    await answer_review.record(reason="thumbs_down", channel="api", question="丧葬补助金怎么领",
                               entry_id="sa-dibao-process", user_hash="u3", now=NOW)
    await answer_review.record(reason="thumbs_down", channel="simulator", question="工作人员试一下",
                               entry_id="sa-dibao-process", user_hash="u4", now=NOW)
    return app


async def test_editors_see_reviews_with_entry_runner_up_margin_and_count(reviewed: Sanic,
                                                                         console: Any) -> None:
    c: Console = await console("editor")
    r = await c.get("/console/kb/review")
    assert r.status_code == 200
    assert "结婚登记在哪里办" in r.text and "13812345678" not in r.text
    assert 'href="/console/kb/mr-remarriage"' in r.text and "复婚" in r.text
    assert 'href="/console/kb/mr-register-materials"' in r.text and "0.031" in r.text
    assert "<strong>2</strong> 次" in r.text and "丧葬补助金怎么领" in r.text
    assert "工作人员试一下" not in r.text  # staff trials only when asked for
    assert 'href="/console/kb/unanswered"' in r.text
    thumbs = await c.get("/console/kb/review", params={"reason": "thumbs_down"})
    assert "丧葬补助金怎么领" in thumbs.text and "结婚登记在哪里办" not in thumbs.text
    sim = await c.get("/console/kb/review", params={"channel": "simulator"})
    assert "工作人员试一下" in sim.text and "丧葬补助金怎么领" not in sim.text
    # And the unanswered list points here.
    assert 'href="/console/kb/review"' in (await c.get("/console/kb/unanswered")).text


async def test_dismissing_a_group_removes_it_and_is_audited(reviewed: Sanic, console: Any) -> None:
    c: Console = await console("editor")
    row = await AnswerReview.filter(reason="small_margin").first()
    assert row is not None
    r = await c.post("/console/kb/review/dismiss", data={
        "normalized": row.normalized, "entry_id": "mr-remarriage", "reason": "small_margin",
        "channel": "", "filter": "small_margin"})
    assert r.status_code == 302
    assert r.headers["location"] == "/console/kb/review?reason=small_margin&done=kb_review_dismissed"
    assert await AnswerReview.filter(reason="small_margin").count() == 0
    assert await AnswerReview.filter(reason="thumbs_down").count() == 2
    log = await AuditLog.get(action="kb.review_dismiss")
    assert log.before["count"] == 2 and "13812345678" not in str(log.before)
    again = await c.post("/console/kb/review/dismiss", data={
        "normalized": row.normalized, "entry_id": "mr-remarriage", "reason": "small_margin"})
    assert again.status_code == 404


async def test_registrars_cannot_open_the_review_list(reviewed: Sanic, console: Any) -> None:
    c: Console = await console("registrar")
    assert (await c.get("/console/kb/review")).status_code == 403
    r = await c.post("/console/kb/review/dismiss", data={"normalized": "x", "entry_id": "y",
                                                         "reason": "thumbs_down"})
    assert r.status_code == 403
    assert await AnswerReview.all().count() == 4
