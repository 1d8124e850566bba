"""One decision path for guide questions too: the bot, the search API and `baoshan ask` give the
same guide answer (intent "guide") for the same message."""

from __future__ import annotations

from pathlib import Path

import httpx
from sanic import Sanic

from core import guide_seed
from tests.core.test_answering import _bot_text, _cli
from tests.support.wechat import FakeWechat, fixture


async def test_bot_api_and_cli_answer_guide_questions_alike(client: httpx.AsyncClient, app: Sanic,
                                                            tmp_path: Path) -> None:
    await guide_seed.seed_if_empty()
    settings = app.ctx.settings
    wx = FakeWechat(client, settings.wechat_token)
    assert await app.ctx.kb.wait_ready()
    for n, q in enumerate(("成立社会组织要什么材料", "民非名称核准怎么办")):
        api = (await client.get("/api/v1/knowledge/search", params={"q": q})).json()
        by_cli = await _cli(q, settings.database_url, str(tmp_path))
        kind, bot = _bot_text(wx, await wx.send(fixture("text", content=q, user=f"oGuide{n}")))
        assert api["intent"] == by_cli["intent"] == "guide", q
        assert api["reply"] == by_cli["reply"] == bot and kind == "text", q
        assert api["answered"] and "/guides/" in api["reply"]
