from __future__ import annotations

import httpx
import pytest

from core.models import KbEntry, Setting, UnansweredQuestion


async def test_search_answers_in_the_contract_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/knowledge/search", params={"q": "结婚登记要带什么", "limit": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "结婚登记要带什么"
    assert body["answered"] is True
    assert 1 <= len(body["hits"]) <= 2
    hit = body["hits"][0]
    assert set(hit) >= {"id", "title", "category", "score", "answer"}
    assert hit["category"] == "marriage" and "身份证" in hit["answer"]
    assert "${" not in hit["answer"]
    assert await UnansweredQuestion.all().count() == 0


@pytest.mark.parametrize("q", ["", "   ", "\t\n"])
async def test_empty_query_is_400(client: httpx.AsyncClient, q: str) -> None:
    r = await client.get("/api/v1/knowledge/search", params={"q": q})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "empty_query"


async def test_missing_query_is_400(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/knowledge/search")
    assert r.status_code == 400 and r.json()["error"]["field"] == "q"


@pytest.mark.parametrize("limit", ["0", "11", "abc", "-1", "2.5"])
async def test_bad_limit_is_400(client: httpx.AsyncClient, limit: str) -> None:
    r = await client.get("/api/v1/knowledge/search", params={"q": "低保", "limit": limit})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_limit"


@pytest.mark.parametrize("q", ["😀😀", "<script>alert('x')</script>", "1; DROP TABLE kb_entry;--",
                               "低保" * 400])
async def test_hostile_input_is_200_not_answered_or_cut(client: httpx.AsyncClient, q: str) -> None:
    r = await client.get("/api/v1/knowledge/search", params={"q": q})
    assert r.status_code == 200
    body = r.json()
    assert len(body["query"]) <= 500
    if not q.startswith("低保"):
        assert body["answered"] is False


async def test_other_departments_business_is_not_answered_and_recorded(
        client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/knowledge/search", params={"q": "退休金每个月几号发"})
    body = r.json()
    assert body["answered"] is False and body["intent"] == "out_of_scope"
    assert "12345" in body["reply"]
    rows = await UnansweredQuestion.all()
    assert len(rows) == 1
    assert rows[0].reason == "out_of_scope" and rows[0].channel == "api"
    assert rows[0].user_hash and "203.0.113.7" not in rows[0].user_hash


async def test_staff_edits_reach_the_index_through_the_version_stamp(
        client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    from core import kb
    from knowledge.entries import load_dir

    assert await app.ctx.kb.wait_ready()
    await kb.import_entries(load_dir())
    await KbEntry.filter(id="mr-register-materials").update(
        answer="测试答案：只需双方身份证。${marriage_office_address}")
    await kb.bump_version()
    await Setting.create(key="contacts", value={"marriage_office_address": "测试路1号"})
    assert await app.ctx.kb.refresh() is True
    r = await client.get("/api/v1/knowledge/search", params={"q": "结婚登记要带什么材料"})
    hit = r.json()["hits"][0]
    assert hit["id"] == "mr-register-materials"
    # The answer as residents get it: the text, then one line with its source and date.
    assert hit["answer"].split("\n")[0] == "测试答案：只需双方身份证。测试路1号"
    await app.ctx.kb.refresh(force=True)
