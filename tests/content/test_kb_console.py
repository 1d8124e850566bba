"""The knowledge-base console: list, edit (reaching the bot's answers), validation, audit, roles."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sanic import Sanic

from content.kb_forms import form_from_entry
from core import kb, kb_curation
from core.kb import KnowledgeService
from core.models import AuditLog, DailyCount, KbEntry, UnansweredQuestion
from knowledge.entries import load_dir
from tests.content.conftest import Console

MARRIAGE = "mr-register-materials"
PHRASE = "请另带一支黑色签字笔"


@pytest.fixture
async def loaded(app: Sanic) -> Sanic:
    """The bundled entries in the database and in the app's index."""
    await kb.import_entries(load_dir())
    await app.ctx.kb.refresh()
    return app


async def _form(entry_id: str, **changes: str) -> dict[str, str]:
    values = form_from_entry(kb.entry_from_row(await KbEntry.get(id=entry_id)))
    values["modified"] = (await KbEntry.get(id=entry_id)).modified_at.isoformat()
    if not values.pop("active"):
        values.pop("active", None)
    else:
        values["active"] = "on"
    values.update(changes)
    return values


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> bool:
    """Polls ``check`` until it holds (a worker rebuilds within one 5 s poll) or time is up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        if await check():
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.2)


async def _top_answer(client: httpx.AsyncClient, q: str) -> dict[str, Any]:
    r = await client.get("/api/v1/knowledge/search", params={"q": q})
    assert r.status_code == 200
    return dict(r.json())


async def test_registrars_cannot_open_the_knowledge_base(loaded: Sanic, console: Any) -> None:
    c: Console = await console("registrar")
    for path in ("/console/kb", f"/console/kb/{MARRIAGE}", "/console/kb/new", "/console/kb/ask?q=低保",
                 "/console/kb/unanswered"):
        r = await c.get(path)
        assert r.status_code == 403 and "没有权限" in r.text, path
    r = await c.post(f"/console/kb/{MARRIAGE}", data=await _form(MARRIAGE, answer="篡改"))
    assert r.status_code == 403
    assert PHRASE not in (await KbEntry.get(id=MARRIAGE)).answer
    assert "知识库" not in (await c.get("/console/")).text.split("<main>")[0]


async def test_list_searches_filters_and_pages(loaded: Sanic, console: Any) -> None:
    c: Console = await console("editor")
    r = await c.get("/console/kb", params={"q": "扯证"})  # a keyword of the marriage entry only
    assert r.status_code == 200 and MARRIAGE in r.text and "ch-orphan" not in r.text
    r = await c.get("/console/kb", params={"category": "funeral"})
    ids = set(re.findall(r'href="/console/kb/([a-z0-9-]+)"', r.text)) - {"new", "ask", "unanswered", "review"}
    assert ids and all(i.startswith("fu-") for i in ids)
    r = await c.get("/console/kb", params={"kind": "out_of_scope"})
    assert "oos-pension" in r.text and MARRIAGE not in r.text
    await KbEntry.filter(id=MARRIAGE).update(active=False)
    r = await c.get("/console/kb", params={"active": "0"})
    assert MARRIAGE in r.text and "共 1 条" in r.text
    first, second = await c.get("/console/kb"), await c.get("/console/kb", params={"page": "2"})
    assert "第 1 / " in first.text and "第 2 / " in second.text
    assert set(re.findall(r"<code>([a-z0-9-]+)</code>", first.text)).isdisjoint(
        re.findall(r"<code>([a-z0-9-]+)</code>", second.text))


async def test_an_edit_changes_the_bot_answer_in_every_worker(
        loaded: Sanic, client: httpx.AsyncClient, console: Any) -> None:
    # A second service on the same database stands in for another worker process.
    other = KnowledgeService(loaded.ctx.settings)
    await other.start(poll=False)
    assert await other.wait_ready()
    q = "结婚登记要带什么"
    before = await _top_answer(client, q)
    assert before["hits"][0]["id"] == MARRIAGE and PHRASE not in before["reply"]
    c: Console = await console("editor")
    page = await c.get(f"/console/kb/{MARRIAGE}")
    assert page.status_code == 200 and 'name="answer"' in page.text and "/ 600 字" in page.text
    old = (await KbEntry.get(id=MARRIAGE)).answer
    r = await c.post(f"/console/kb/{MARRIAGE}", data=await _form(MARRIAGE, answer=f"{PHRASE}。{old}"))
    assert r.status_code == 302 and r.headers["location"] == f"/console/kb/{MARRIAGE}?done=kb_saved"

    async def api_has_it() -> bool:
        return PHRASE in (await _top_answer(client, q))["hits"][0]["answer"]

    assert await eventually(api_has_it)
    assert await other.refresh() is True  # the version stamp moved, so the other worker rebuilds
    assert PHRASE in other.reply(other.search(q))
    await other.stop()
    log = await AuditLog.get(action="kb.update", target=MARRIAGE)
    assert log.before == {"answer": old} and log.after == {"answer": f"{PHRASE}。{old}"}
    assert "已保存" in (await c.get(r.headers["location"])).text


@pytest.mark.parametrize(("changes", "message"), [
    ({"title": ""}, "缺少标题"),
    ({"answer": "长" * 601}, "答案 601 字，超过 600 字"),
    ({"questions": "  \n "}, "至少需要一种问法"),
    ({"category": "no_such_category"}, "不在分类表中"),
    ({"topics": "不存在的主题"}, "主题“不存在的主题”不在所选分类的主题表中"),
    ({"updated": "2026-13-45"}, "更新日期格式应为 YYYY-MM-DD"),
    ({"link": "javascript:alert(1)"}, "链接须以 https:// 或 http:// 开头"),
])
async def test_invalid_edits_are_refused_with_the_input_kept(
        loaded: Sanic, console: Any, changes: dict[str, str], message: str) -> None:
    c: Console = await console("editor")
    stored = await KbEntry.get(id=MARRIAGE)
    version = await kb.current_version()
    form = await _form(MARRIAGE, source="我的输入<保留>", **changes)
    r = await c.post(f"/console/kb/{MARRIAGE}", data=form)
    assert r.status_code == 422
    assert message in html.unescape(r.text) and "未保存" in r.text
    assert 'value="我的输入&lt;保留&gt;"' in r.text
    after = await KbEntry.get(id=MARRIAGE)
    assert (after.answer, after.title, after.source, after.modified_at) == \
        (stored.answer, stored.title, stored.source, stored.modified_at)
    assert await kb.current_version() == version
    assert not await AuditLog.filter(action__startswith="kb.").exists()


async def test_a_stale_form_does_not_overwrite_a_newer_save(loaded: Sanic, console: Any) -> None:
    c: Console = await console("editor")
    stale = await _form(MARRIAGE, title="第一位编辑的标题")
    assert (await c.post(f"/console/kb/{MARRIAGE}", data=stale)).status_code == 302
    r = await c.post(f"/console/kb/{MARRIAGE}", data={**stale, "title": "第二位编辑的标题"})
    assert r.status_code == 409 and "已被他人保存" in r.text and "第二位编辑的标题" in r.text
    assert (await KbEntry.get(id=MARRIAGE)).title == "第一位编辑的标题"


async def test_of_two_concurrent_saves_of_one_version_exactly_one_wins(loaded: Sanic) -> None:
    row = await KbEntry.get(id=MARRIAGE)
    entry = kb.entry_from_row(row)
    outcomes = await asyncio.gather(
        *(kb_curation.save_entry(replace(entry, title=f"标题{i}"), create=False, now=datetime.now(UTC),
                        expect_modified=row.modified_at)
          for i in range(4)), return_exceptions=True)
    assert sum(isinstance(o, kb_curation.EntryConflict) for o in outcomes) == 3
    winner = next(i for i, o in enumerate(outcomes) if not isinstance(o, Exception))
    assert (await KbEntry.get(id=MARRIAGE)).title == f"标题{winner}"


async def test_new_entries_are_validated_created_and_answer_at_once(
        loaded: Sanic, client: httpx.AsyncClient, console: Any) -> None:
    c: Console = await console("editor")
    form = {"id": "si-turtle", "kind": "entry", "category": "service_info", "title": "养乌龟要不要登记",
            "answer": "养乌龟不属于民政业务，也不需要到民政部门登记。",
            "questions": "我想养一只乌龟\n养乌龟要登记吗", "keywords": "乌龟，登记", "topics": "",
            "active": "on", "updated": "2026-05-01"}
    blank = await c.get("/console/kb/new")
    assert blank.status_code == 200 and 'name="id"' in blank.text
    assert (await c.post("/console/kb/new", data={**form, "id": "ask"})).status_code == 422
    assert (await c.post("/console/kb/new", data={**form, "id": MARRIAGE})).status_code == 409
    assert (await c.post("/console/kb/new", data={**form, "id": "Bad Id"})).status_code == 422
    r = await c.post("/console/kb/new", data=form)
    assert r.status_code == 302 and r.headers["location"] == "/console/kb/si-turtle?done=kb_created"
    row = await KbEntry.get(id="si-turtle")
    assert row.questions == ["我想养一只乌龟", "养乌龟要登记吗"] and row.keywords == ["乌龟", "登记"]
    created = await AuditLog.get(action="kb.create", target="si-turtle")
    assert created.before is None and created.after["title"] == "养乌龟要不要登记"

    async def answered() -> bool:
        body = await _top_answer(client, "我想养一只乌龟")
        return bool(body["answered"] and body["hits"][0]["id"] == "si-turtle")

    assert await eventually(answered)


async def test_deactivating_keeps_the_entry_but_stops_answers(
        loaded: Sanic, client: httpx.AsyncClient, console: Any) -> None:
    c: Console = await console("editor")
    r = await c.post(f"/console/kb/{MARRIAGE}/active", data={"active": "0"})
    assert r.status_code == 302 and r.headers["location"].endswith("done=kb_deactivated")
    assert (await KbEntry.get(id=MARRIAGE)).active is False

    async def gone() -> bool:
        body = await _top_answer(client, "结婚登记要带什么")
        return all(h["id"] != MARRIAGE for h in body["hits"])

    assert await eventually(gone)
    log = await AuditLog.get(action="kb.deactivate", target=MARRIAGE)
    assert log.before == {"active": True} and log.after == {"active": False}
    assert "恢复启用" in (await c.get(f"/console/kb/{MARRIAGE}")).text
    assert (await c.post(f"/console/kb/{MARRIAGE}/active", data={"active": "1"})).status_code == 302
    assert (await KbEntry.get(id=MARRIAGE)).active is True
    assert (await c.get("/console/kb/no-such-entry")).status_code == 404


async def test_ask_box_shows_the_bots_reply_scores_and_threshold(
        loaded: Sanic, client: httpx.AsyncClient, console: Any) -> None:
    c: Console = await console("editor")
    api = await _top_answer(client, "结婚登记要带什么")
    await loaded.ctx.kb.tally.flush()
    counted = await DailyCount.all().count()
    r = await c.get("/console/kb/ask", params={"q": "结婚登记要带什么"})
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert api["reply"] in text and "算作“已回答”" in text
    assert re.search(r"得分 ≥ 0\.\d\d", text) and f"/console/kb/{MARRIAGE}" in text
    scores = re.findall(r'<td class="num">(\d\.\d{3})</td>', r.text)
    assert scores and float(scores[0]) == pytest.approx(api["hits"][0]["score"], abs=1e-3)
    r = await c.get("/console/kb/ask", params={"q": "社保怎么交"})
    assert "不算“已回答”" in html.unescape(r.text) and "oos-pension" in r.text
    # Staff trials are neither counted nor kept as gaps.
    await loaded.ctx.kb.tally.flush()
    assert counted and await DailyCount.all().count() == counted
    assert not await UnansweredQuestion.filter(channel="api", text="社保怎么交").exists()


async def _ask(app: Sanic, *questions: str) -> None:
    """Each question from its own address: one asker's repeats of a text are one row a day."""
    for i, q in enumerate(questions):
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{i + 1}", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as asker:
            assert (await _top_answer(asker, q))["answered"] is False, q


async def test_unanswered_questions_are_grouped_most_frequent_first(
        loaded: Sanic, client: httpx.AsyncClient, console: Any) -> None:
    await _ask(loaded, "qwertyuiop", "我想养一只乌龟", "我想养一只乌龟？", "我想养一只乌龟")
    await UnansweredQuestion.create(text="模拟器里的问题", normalized="模拟器里的问题", reason="unknown",
                                    channel="simulator")
    c: Console = await console("editor")
    r = await c.get("/console/kb/unanswered")
    assert r.status_code == 200
    groups = re.findall(r'<p class="question">(.*?)</p>', r.text)
    assert groups == ["我想养一只乌龟", "qwertyuiop"]
    assert "共 <strong>3</strong> 次" in r.text and "接口 3 次" in r.text
    assert "共 2 组" in r.text and "模拟器里的问题" not in r.text
    sim = await c.get("/console/kb/unanswered", params={"channel": "simulator"})
    assert "模拟器里的问题" in sim.text and "我想养一只乌龟" not in sim.text


async def test_create_an_entry_from_an_unanswered_question(
        loaded: Sanic, client: httpx.AsyncClient, console: Any) -> None:
    await _ask(loaded, "我想养一只乌龟", "我想养一只乌龟")
    c: Console = await console("editor")
    listing = await c.get("/console/kb/unanswered")
    link = html.unescape(re.search(r'href="(/console/kb/new\?[^"]+)">据此新建条目', listing.text).group(1))
    form_page = await c.get(link)
    assert form_page.status_code == 200
    questions = re.search(r'<textarea name="questions"[^>]*>(.*?)</textarea>', form_page.text, re.S)
    assert questions and questions.group(1) == "我想养一只乌龟"
    resolves = re.search(r'name="resolves" value="([^"]*)"', form_page.text).group(1)
    r = await c.post("/console/kb/new", data={
        "id": "si-turtle", "kind": "entry", "category": "service_info", "title": "养乌龟要不要登记",
        "answer": "养乌龟不需要到民政部门登记。", "questions": questions.group(1), "keywords": "乌龟",
        "active": "on", "resolves": html.unescape(resolves)})
    assert r.status_code == 302
    assert not await UnansweredQuestion.exists()
    log = await AuditLog.get(action="kb.unanswered_resolve")
    assert log.before == {"normalized": "我想养一只乌龟", "count": 2} and log.after == {"entry": "si-turtle"}
    assert "目前没有未答问题" in (await c.get("/console/kb/unanswered")).text


async def test_add_an_unanswered_question_to_an_existing_entry(
        loaded: Sanic, client: httpx.AsyncClient, console: Any) -> None:
    await _ask(loaded, "我想养一只乌龟")
    c: Console = await console("editor")
    r = await c.post("/console/kb/unanswered/attach",
                     data={"normalized": "我想养一只乌龟", "text": "我想养一只乌龟", "entry_id": "oos-pets"})
    assert r.status_code == 302 and r.headers["location"].endswith("done=kb_attached")
    assert (await KbEntry.get(id="oos-pets")).questions[-1] == "我想养一只乌龟"
    assert not await UnansweredQuestion.exists()
    log = await AuditLog.get(action="kb.add_question", target="oos-pets")
    assert log.after["questions"][-1] == "我想养一只乌龟" and "我想养一只乌龟" not in log.before["questions"]

    async def handed_over() -> bool:
        return (await _top_answer(client, "我想养一只乌龟"))["intent"] == "out_of_scope"

    assert await eventually(handed_over)
    bad = await c.post("/console/kb/unanswered/attach",
                       data={"normalized": "x", "text": "x", "entry_id": "no-such-entry"})
    assert bad.status_code == 422 and "找不到该知识条目" in bad.text


async def test_dismissing_a_group_deletes_its_rows_and_is_audited(
        loaded: Sanic, client: httpx.AsyncClient, console: Any) -> None:
    await _ask(loaded, "qwertyuiop", "qwertyuiop", "我想养一只乌龟")
    await UnansweredQuestion.create(text="qwertyuiop", normalized="qwertyuiop", reason="unknown",
                                    channel="simulator")
    c: Console = await console("editor")
    r = await c.post("/console/kb/unanswered/dismiss", data={"normalized": "qwertyuiop"})
    assert r.status_code == 302 and r.headers["location"].endswith("done=kb_dismissed")
    left = sorted((q.normalized, q.channel) for q in await UnansweredQuestion.all())
    assert left == [("qwertyuiop", "simulator"), ("我想养一只乌龟", "api")]  # the trial stays
    log = await AuditLog.get(action="kb.unanswered_dismiss")
    assert log.before == {"text": "qwertyuiop", "count": 2, "channel": "residents"}
    assert log.actor == c.username
    r = await c.post("/console/kb/unanswered/dismiss", data={"normalized": "qwertyuiop",
                                                            "channel": "simulator"})
    assert r.headers["location"] == "/console/kb/unanswered?channel=simulator&done=kb_dismissed"
    assert await UnansweredQuestion.filter(normalized="qwertyuiop").count() == 0
    again = await c.post("/console/kb/unanswered/dismiss", data={"normalized": "qwertyuiop"})
    assert again.status_code == 404 and "已被处理" in again.text
