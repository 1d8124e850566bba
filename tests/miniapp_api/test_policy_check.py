"""#16 政策找人 over HTTP: the questions' shape, results, 422 on unknown ids and values, the
per-address limit, and that the answers are neither stored nor logged."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import httpx
import pytest
from sanic import Sanic
from tortoise import Tortoise

from core import policy_standards, site_settings
from tests.conftest import AppFactory
from tests.support.asgi import client as asgi_client

QUESTIONS = "/api/v1/policy-check/questions"
CHECK = "/api/v1/policy-check"
# An answer set whose values appear nowhere in the code's log messages.
ANSWERS = {"household_size": 1, "income": "below_dibao", "savings": "little", "oldest_age": 87,
           "disability": "no_certificate", "illness": True, "alone_over_80": True}


async def test_questions_have_the_contract_shape_and_need_no_login(
        client: httpx.AsyncClient) -> None:
    r = await client.get(QUESTIONS)
    assert r.status_code == 200
    questions = r.json()["questions"]
    assert 6 <= len(questions) <= 10
    for q in questions:
        assert {"id", "text", "type", "options"} <= set(q)
        assert q["type"] in ("choice", "number", "boolean")
        assert all(set(o) == {"value", "label"} for o in q["options"])
        assert bool(q["options"]) == (q["type"] == "choice")
    income = next(q for q in questions if q["id"] == "income")
    assert "低于本市低保标准（以当年公布标准为准）" in [o["label"] for o in income["options"]]


async def test_this_year_s_standard_set_by_staff_is_quoted(client: httpx.AsyncClient) -> None:
    year = datetime.now(UTC).astimezone(policy_standards.tz.SHANGHAI).year
    await site_settings.save(policy_standards.KEY, {"year": year, "dibao": 1500})
    income = next(q for q in (await client.get(QUESTIONS)).json()["questions"]
                  if q["id"] == "income")
    assert f"低于本市低保标准（{year}年每人每月1500元）" in [o["label"] for o in income["options"]]


async def test_results_say_why_and_what_to_do(client: httpx.AsyncClient) -> None:
    r = await client.post(CHECK, json={"answers": ANSWERS})
    assert r.status_code == 200, r.text
    body = r.json()
    by_code = {p["code"]: p for p in body["policies"]}
    assert {"dibao", "tekun", "zhichu", "disability_certificate", "elderly_allowance",
            "elderly_meals", "family_care_bed", "yijiantong"} <= set(by_code)
    assert "low_income" not in by_code and "children" not in by_code
    for policy in body["policies"]:
        assert {"code", "title", "why", "next_step"} <= set(policy)
        assert policy["why"] and "12345" in policy["next_step"]
        assert policy["url"] == f"/kb/{policy['entry']}"
    assert "仅供参考" in body["notice"] and "为准" in body["notice"]
    assert (await client.get(by_code["dibao"]["url"])).status_code == 200  # the entry page exists

    nothing = (await client.post(CHECK, json={"answers": {}})).json()
    assert nothing["policies"] == [] and "社区救助顾问" in nothing["notice"]
    skipped = await client.post(CHECK, json={"answers": {"income": None}})
    assert skipped.status_code == 200 and skipped.json()["policies"] == []


@pytest.mark.parametrize("body", [
    {"answers": {"favourite_colour": "blue"}},
    {"answers": {"income": "millionaire"}},
    {"answers": {"household_size": 99}},
    {"answers": {"illness": "有"}},
    {"answers": ["income"]},
    {"answers": {}, "name": "张三"},
    "not an object",
])
async def test_unknown_ids_and_values_answer_422_in_chinese(client: httpx.AsyncClient,
                                                            body: object) -> None:
    r = await client.post(CHECK, json=body)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_input"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


async def test_bad_json_is_422_too(client: httpx.AsyncClient) -> None:
    r = await client.post(CHECK, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"


async def _row_counts() -> dict[str, int]:
    counts = {}
    for model in Tortoise.apps["core"].values():
        counts[model._meta.db_table] = await model.all().count()
    return counts


async def test_answers_are_neither_stored_nor_logged(client: httpx.AsyncClient,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    await client.get(QUESTIONS)  # the rate counter's row exists before the count
    before = await _row_counts()
    caplog.set_level(logging.DEBUG)
    for _ in range(2):
        assert (await client.post(CHECK, json={"answers": ANSWERS})).status_code == 200
    assert (await client.post(CHECK, json={"answers": {"income": "secret-value-x"}})
            ).status_code == 422
    after = await _row_counts()
    assert after == before
    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    # (numbers are not looked for: timings in the access log contain digits of every kind)
    for value in ("below_dibao", "no_certificate", "little", "oldest_age", "secret-value-x"):
        assert value not in logged


async def test_a_small_limit_answers_429(app_with: AppFactory) -> None:
    app: Sanic = await app_with(rate_limit_search_per_address=2)
    fixed = datetime.fromtimestamp((time.time() // 60) * 60 + 1, UTC)
    app.ctx.clock = lambda: fixed
    async with asgi_client(app) as c:
        statuses = [(await c.post(CHECK, json={"answers": {}})).status_code,
                    (await c.get(QUESTIONS)).status_code,
                    (await c.post(CHECK, json={"answers": {}})).status_code]
    assert statuses == [200, 200, 429]
