"""The public search cannot flood the staff's unanswered list, and the list keeps no personal numbers.

#19 items 8 and 10: a per-address limit on the search (429 ``rate_limited`` with Retry-After), one
row per asker, text and day, a length cap, a retention purge, and masking of ID numbers, phones and
card numbers in what is stored, shown to editors and copied into the audit log.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest_asyncio
from sanic import Sanic

from content import auth
from core.models import AuditLog, UnansweredQuestion
from tests.conftest import AppFactory
from tests.content.conftest import PASSWORD, login
from tests.support.asgi import client as asgi_client

SEARCH = "/api/v1/knowledge/search"
UNANSWERED = "火星上能养猫吗"  # not civil affairs, not anyone's business: never answered
OTHER_UNANSWERED = "火星上能养狗吗"
ID_NUMBER, PHONE, CARD = "310101199003070014", "13800138000", "6222 0212 3456 7890"
WIDE_ID = "３１０１０１１９９００３０７００１Ｘ"
WIDE_PHONE = "＋８６ １３９－００１３－９０００"
WIDE_CARD = "６２２２０２１２３４５６７８９０"
PERSONAL = f"乌龟走丢了，身份证{ID_NUMBER}，手机{PHONE}，卡号{CARD}"
WIDE_PERSONAL = f"乌龟走丢了，身份证{WIDE_ID}，手机{WIDE_PHONE}，卡号{WIDE_CARD}"
# Every digit string of the numbers above, as typed and after NFKC, separators dropped or kept.
LEAKS = [ID_NUMBER, PHONE, CARD, CARD.replace(" ", ""), "31010119900307001X", "13900139000",
         "139-0013-9000", "139 0013 9000", "6222021234567890", WIDE_ID, WIDE_PHONE, WIDE_CARD]
# Their last four digits: a partial mask (138****8000) would still leave these in a stored row.
TAILS = ["0014", "001X", "8000", "9000", "7890"]
MAX_TEXT_CHARS = 200  # the cap (core.unanswered.MAX_TEXT_CHARS)


def _at_window_start(app: Sanic) -> None:
    """A fixed clock one second into a minute: the burst must not straddle a limit window."""
    fixed = datetime.fromtimestamp((time.time() // 60) * 60 + 1, UTC)
    app.ctx.clock = lambda: fixed


def _other_asker(app: Sanic, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 5000)),
                             base_url="http://testserver")


@pytest_asyncio.fixture
async def editor(app: Sanic) -> AsyncIterator[httpx.AsyncClient]:
    await auth.add_staff("editor-pii", "editor", PASSWORD)
    async with asgi_client(app) as c:
        await login(c, "editor-pii")
        yield c


async def test_a_flood_from_one_address_is_limited_and_adds_one_row_per_text(
        app: Sanic, client: httpx.AsyncClient) -> None:
    _at_window_start(app)
    limit = app.ctx.settings.rate_limit_search_per_address
    assert limit == 120
    texts = [UNANSWERED if i % 2 else OTHER_UNANSWERED for i in range(200)]
    responses = await asyncio.gather(*(client.get(SEARCH, params={"q": q}) for q in texts))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: limit, 429: 200 - limit}
    limited = next(r for r in responses if r.status_code == 429)
    assert limited.json()["error"]["code"] == "rate_limited"
    assert limited.json()["error"]["message"]
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    rows = await UnansweredQuestion.all()
    assert sorted(r.text for r in rows) == sorted([UNANSWERED, OTHER_UNANSWERED])
    # Another address is not limited by the first one's flood.
    async with _other_asker(app, "198.51.100.20") as other:
        assert (await other.get(SEARCH, params={"q": UNANSWERED})).status_code == 200


async def test_one_row_per_asker_per_text_per_day(app: Sanic, client: httpx.AsyncClient) -> None:
    for _ in range(2):
        assert (await client.get(SEARCH, params={"q": UNANSWERED})).json()["answered"] is False
    assert await UnansweredQuestion.all().count() == 1
    async with _other_asker(app, "198.51.100.21") as other:
        await other.get(SEARCH, params={"q": UNANSWERED})
    rows = await UnansweredQuestion.all()
    assert len(rows) == 2 and len({r.user_hash for r in rows}) == 2
    assert all(r.user_hash and "198.51.100" not in r.user_hash and "203.0.113" not in r.user_hash
               for r in rows)
    # The bot's askers the same way: two messages, one row; the openid is not what is stored.
    kb = app.ctx.kb
    for _ in range(2):
        await kb.record_unanswered(await kb.asearch(UNANSWERED), channel="wechat", user="oResident1")
    wechat = await UnansweredQuestion.filter(channel="wechat")
    assert len(wechat) == 1 and wechat[0].user_hash != "oResident1"


async def test_the_stored_text_is_capped(client: httpx.AsyncClient) -> None:
    long = "火星上能养猫吗" + "喵" * 480
    assert (await client.get(SEARCH, params={"q": long})).status_code == 200
    row = await UnansweredQuestion.get()
    assert len(row.text) <= MAX_TEXT_CHARS and len(row.normalized) <= MAX_TEXT_CHARS
    assert row.text.startswith("火星上能养猫吗")


async def test_personal_numbers_are_masked_in_the_row_the_console_and_the_audit_log(
        app: Sanic, client: httpx.AsyncClient, editor: httpx.AsyncClient) -> None:
    for q in (PERSONAL, WIDE_PERSONAL):
        r = await client.get(SEARCH, params={"q": q})
        assert r.status_code == 200 and r.json()["answered"] is False
    rows = await UnansweredQuestion.all()
    assert rows
    for row in rows:
        stored = row.text + " " + row.normalized
        assert "[身份证号]" in row.text and "[手机号]" in row.text and "[银行卡号]" in row.text
        assert not re.search(r"\d{5,}", stored), stored
        assert not any(leak in stored for leak in LEAKS + TAILS), stored
    page = await editor.get("/console/kb/unanswered")
    assert page.status_code == 200 and "[身份证号]" in page.text
    assert not any(leak in page.text for leak in LEAKS)
    dashboard = await editor.get("/console/")
    assert not any(leak in dashboard.text for leak in LEAKS)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    for normalized in {row.normalized for row in rows}:
        done = await editor.post("/console/kb/unanswered/dismiss",
                                 data={"csrf": csrf.group(1), "normalized": normalized})
        assert done.status_code == 302
    logs = await AuditLog.filter(action="kb.unanswered_dismiss")
    assert logs
    copied = " ".join(f"{log.target} {log.before} {log.after}" for log in logs)
    assert not any(leak in copied for leak in LEAKS + TAILS), copied


async def test_purge_unanswered_deletes_old_rows_only(app: Sanic, client: httpx.AsyncClient) -> None:
    from core.unanswered import purge_unanswered  # here: the other tests also run on older code

    await client.get(SEARCH, params={"q": UNANSWERED})
    await client.get(SEARCH, params={"q": OTHER_UNANSWERED})
    now = datetime.now(UTC)
    await UnansweredQuestion.filter(text=UNANSWERED).update(created_at=now - timedelta(days=91))
    assert await purge_unanswered(now - timedelta(days=90)) == 1
    assert [r.text for r in await UnansweredQuestion.all()] == [OTHER_UNANSWERED]
    assert await purge_unanswered(now - timedelta(days=90)) == 0


async def test_a_small_limit_answers_429_in_the_api_error_shape(app_with: AppFactory) -> None:
    app = await app_with(rate_limit_search_per_address=3)
    _at_window_start(app)
    async with asgi_client(app) as c:
        # Bad requests count too: a client cannot probe for free.
        statuses = [(await c.get(SEARCH, params={"q": q})).status_code
                    for q in ("低保", "", UNANSWERED, UNANSWERED)]
        assert statuses == [200, 400, 200, 429]
        body = (await c.get(SEARCH, params={"q": "低保"})).json()
        assert set(body) == {"error"} and body["error"]["code"] == "rate_limited"
        assert "频繁" in body["error"]["message"]


async def test_limit_zero_turns_the_search_limit_off(app_with: AppFactory) -> None:
    app = await app_with(rate_limit_search_per_address=0)
    _at_window_start(app)
    async with asgi_client(app) as c:
        responses = await asyncio.gather(*(c.get(SEARCH, params={"q": UNANSWERED})
                                           for _ in range(150)))
    assert {r.status_code for r in responses} == {200}
    assert await UnansweredQuestion.all().count() == 1


async def test_a_crisis_message_gets_help_from_the_search_api_too(client: httpx.AsyncClient) -> None:
    """#12: the search API takes the bot's first step: help, never a list of entries."""
    from core.models import UrgentMessage

    r = await client.get("/api/v1/knowledge/search", params={"q": "我不想活了"})
    body = r.json()
    assert r.status_code == 200 and body["intent"] == "crisis" and body["hits"] == []
    assert "12356" in body["reply"] and not body["answered"]
    assert [(m.kind, m.channel) for m in await UrgentMessage.all()] == [("suicide", "api")]
