"""The public page behind the bot's "查看全文" link: /kb/<entry id>."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sanic import Sanic

from core import kb, kb_curation, site_settings
from knowledge.entries import load_dir

ENTRY = next(e for e in load_dir() if e.id == "mr-register-materials")


async def test_an_active_entry_is_a_readable_page_with_its_source_and_date(
        client: httpx.AsyncClient, app: Sanic) -> None:
    await site_settings.save(site_settings.CONTACTS_KEY, {"marriage_office_phone": "021-00000001"})
    await app.ctx.kb.refresh(force=True)
    r = await client.get("/kb/mr-register-materials")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert f"<h1>{ENTRY.title}</h1>" in page
    assert 'name="viewport"' in page  # read on a phone inside WeChat
    assert "只需带双方本人的居民身份证" in page
    assert "《婚姻登记条例》（2025年修订）" in page and ENTRY.updated.isoformat() in page
    assert "宝山区民政局" in page and "知识库" in page
    # Contacts are filled as in the bot's reply, never left as placeholders.
    assert "婚姻登记处咨询电话021-00000001" in page and "${" not in page


@pytest.mark.parametrize("path", [
    "/kb/no-such-entry", "/kb/AB", "/kb/" + "a" * 65, "/kb/mr_register", "/kb/%E7%BB%93%E5%A9%9A",
    "/kb/mr-register-materials%00"])
async def test_unknown_or_malformed_ids_are_a_chinese_404_page(client: httpx.AsyncClient,
                                                                path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "该问答不存在或已下线" in r.text and r.headers["cache-control"] == "no-store"


async def test_an_inactive_entry_is_not_served(client: httpx.AsyncClient, app: Sanic) -> None:
    await kb.import_entries(load_dir())  # as `baoshan serve` seeds a fresh database
    await app.ctx.kb.refresh(force=True)
    assert (await client.get("/kb/mr-register-materials")).status_code == 200
    assert await kb_curation.save_active("mr-register-materials", False, now=datetime.now(UTC))
    await app.ctx.kb.refresh(force=True)
    r = await client.get("/kb/mr-register-materials")
    assert r.status_code == 404 and "该问答不存在或已下线" in r.text


async def test_redirects_and_small_talk_are_not_knowledge_pages(client: httpx.AsyncClient) -> None:
    for kind in ("out_of_scope", "smalltalk"):
        other = next(e for e in load_dir() if e.kind == kind)
        r = await client.get(f"/kb/{other.id}")
        assert r.status_code == 404, other.id
