"""A reply's last line says where it comes from, and a long reply's "查看全文" link is a page we serve."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from urllib.parse import urlsplit

from core import kb, kb_curation, site_settings
from knowledge.entries import load_dir
from tests.conftest import AppFactory
from tests.support.asgi import client as asgi_client
from tests.support.wechat import FakeWechat, fixture

BASE = "https://mz.example.invalid"
QUESTION = "结婚登记要带什么"
ENTRY_ID = "mr-register-materials"


async def test_the_reply_ends_with_the_entrys_source_and_date(app_with: AppFactory) -> None:
    app = await app_with(public_base_url=BASE)
    async with asgi_client(app) as client:
        wx = FakeWechat(client, app.ctx.settings.wechat_token)
        content = wx.open(await wx.send(fixture("text", content=QUESTION)))["Content"]
    entry = next(e for e in load_dir() if e.id == ENTRY_ID)
    assert content.splitlines()[-1] == (
        f"来源：《婚姻登记条例》（2025年修订） · 更新于{entry.updated.isoformat()}")


async def test_the_read_more_link_of_a_long_answer_opens_the_full_entry(app_with: AppFactory) -> None:
    app = await app_with(public_base_url=BASE)
    entries = load_dir()
    await kb.import_entries(entries)
    # Staff lengthened the answer and filled in a long address: the reply no longer fits.
    entry = next(e for e in entries if e.id == ENTRY_ID)
    extra = "\n".join(f"{i}. 补充说明：婚姻登记处地址：${{marriage_office_address}}。" for i in range(5, 11))
    await kb_curation.save_entry(dataclasses.replace(entry, answer=f"{entry.answer}\n{extra}"), create=False,
                        now=datetime.now(UTC))
    await site_settings.save(site_settings.CONTACTS_KEY,
                             {"marriage_office_address": "上海市宝山区某某路某某号某某大楼一层东侧" * 3})
    await app.ctx.kb.refresh(force=True)
    async with asgi_client(app) as client:
        wx = FakeWechat(client, app.ctx.settings.wechat_token)
        content = wx.open(await wx.send(fixture("text", content=QUESTION)))["Content"]
        assert len(content.encode()) <= 2048
        last = content.splitlines()[-1]
        assert last == f"查看全文：{BASE}/kb/{ENTRY_ID}"
        url = urlsplit(last.removeprefix("查看全文："))
        assert f"{url.scheme}://{url.netloc}" == BASE
        page = await client.get(url.path)
    assert page.status_code == 200 and f"<h1>{entry.title}</h1>" in page.text
    assert "10. 补充说明" in page.text  # the part the reply left out
    assert "《婚姻登记条例》（2025年修订）" in page.text
