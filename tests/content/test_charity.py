"""上海慈善周: the console's campaign editor, the public page and GET /api/v1/charity-week."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from core.models import AuditLog, CharityCampaign, Notice, Slot
from tests.content.conftest import ConsoleFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(SHANGHAI).date()


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """Shanghai wall-clock time on ``day``, as the UTC moment stored."""
    return datetime.combine(day, time(hh, mm), tzinfo=SHANGHAI).astimezone(UTC)


def campaign_id(r: httpx.Response) -> int:
    assert r.status_code == 302, r.text
    match = re.match(r"/console/charity/(\d+)\?done=charity_saved$", r.headers["location"])
    assert match, r.headers["location"]
    return int(match.group(1))


async def event(day: date, hh: int, *, capacity: int = 20, booked: int = 0, title: str = "义卖",
                service: str = "charity_event", closed: bool = False) -> Slot:
    return await Slot.create(service=service, title=title, starts_at=at(day, hh),
                             ends_at=at(day, hh) + timedelta(hours=2), capacity=capacity, booked=booked,
                             closed_at=datetime.now(UTC) if closed else None)


async def test_editor_creates_and_edits_a_campaign_with_audit(console: ConsoleFactory) -> None:
    c = await console("editor")
    assert "新建活动" in (await c.get("/console/charity")).text
    start = today() + timedelta(days=3)
    data = {"title": "2026上海慈善周·宝山", "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=6)).isoformat(), "intro": "## 一起行善\n\n<script>x</script>",
            "action": "save"}
    cid = campaign_id(await c.post("/console/charity/new", data=data))
    campaign = await CharityCampaign.get(id=cid)
    assert campaign.published is False and campaign.starts_on == start
    assert campaign.intro_html.startswith("<h2>一起行善</h2>") and "<script" not in campaign.intro_html
    row = await AuditLog.get(action="charity.create", target=str(cid))
    assert row.before is None
    assert row.after == {"title": "2026上海慈善周·宝山", "starts_on": start.isoformat(),
                         "ends_on": (start + timedelta(days=6)).isoformat(), "published": False}
    r = await c.post(f"/console/charity/{cid}", data={**data, "published": "1"})
    assert campaign_id(r) == cid and (await CharityCampaign.get(id=cid)).published is True
    row = await AuditLog.get(action="charity.update", target=str(cid))
    assert row.before["published"] is False and row.after["published"] is True
    page = await c.get(f"/console/charity/{cid}?done=charity_saved")
    assert "慈善周活动已保存" in page.text and "2026上海慈善周·宝山" in page.text


async def test_preview_and_bad_input(console: ConsoleFactory) -> None:
    c = await console("editor")
    r = await c.post("/console/charity/new", data={"title": "预览", "intro": "**好** [x](javascript:y)",
                                                   "starts_on": "2026-09-01", "ends_on": "2026-09-07",
                                                   "action": "preview"})
    assert r.status_code == 200 and "<strong>好</strong>" in r.text and 'href="javascript' not in r.text
    cases = [({"title": ""}, "请填写活动名称"), ({"starts_on": "2026-13-01"}, "请正确填写开始日期"),
             ({"ends_on": ""}, "请正确填写结束日期"), ({"ends_on": "2026-08-31"}, "结束日期不能早于开始日期"),
             ({"title": "长" * 121}, "活动名称最多120字"),
             ({"starts_on": "0001-01-01"}, "请正确填写开始日期"),
             ({"ends_on": "9999-12-31"}, "请正确填写结束日期")]
    for fields, text in cases:
        data = {"title": "慈善周", "starts_on": "2026-09-01", "ends_on": "2026-09-07", **fields}
        r = await c.post("/console/charity/new", data=data)
        assert r.status_code == 422 and text in r.text, fields
    assert await CharityCampaign.all().count() == 0
    assert (await c.get("/console/charity/99999")).status_code == 404
    assert (await c.post("/console/charity/" + "9" * 25, data={"title": "x"})).status_code == 404
    registrar = await console("registrar")
    r = await registrar.post("/console/charity/new", data={"title": "x", "starts_on": "2026-09-01",
                                                           "ends_on": "2026-09-01"})
    assert r.status_code == 403 and await CharityCampaign.all().count() == 0


async def test_no_campaign_means_null(client: httpx.AsyncClient) -> None:
    await CharityCampaign.create(title="未发布", starts_on=today(), ends_on=today(), published=False)
    await CharityCampaign.create(title="去年的", starts_on=date(2020, 9, 1), ends_on=date(2020, 9, 7),
                                 published=True)
    r = await client.get("/api/v1/charity-week")
    assert r.status_code == 200 and r.json() == {"campaign": None}
    page = await client.get("/charity-week")
    assert page.status_code == 200 and "目前没有正在进行或即将开始的慈善周活动" in page.text


async def test_api_lists_the_current_campaign_with_events_and_notices(client: httpx.AsyncClient,
                                                                      console: ConsoleFactory) -> None:
    first, last = today(), today() + timedelta(days=2)
    campaign = await CharityCampaign.create(title="上海慈善周", starts_on=first, ends_on=last,
                                            intro_html="<p>欢迎</p>", published=True)
    await CharityCampaign.create(title="下一届", starts_on=last + timedelta(days=30),
                                 ends_on=last + timedelta(days=36), published=True)
    inside = await event(first, 9, capacity=20, booked=5, title="慈善义卖")
    late = await event(last, 23, capacity=3, booked=3, title="深夜场")  # 23:00 Shanghai = 15:00 UTC
    await event(last + timedelta(days=1), 0)  # just after the last day, Shanghai time
    await event(first - timedelta(days=1), 23)  # the evening before
    await event(first, 10, closed=True)
    await event(first, 11, service="collective_ceremony")
    now = datetime.now(UTC)
    public = await Notice.create(title="慈善周开幕", status="published", publish_at=now, campaign=campaign)
    await Notice.create(title="草稿不出现", status="draft", campaign=campaign)
    await Notice.create(title="别的通知", status="published", publish_at=now)

    body = (await client.get("/api/v1/charity-week")).json()["campaign"]
    assert body["id"] == campaign.id and body["title"] == "上海慈善周"
    assert (body["starts_on"], body["ends_on"]) == (first.isoformat(), last.isoformat())
    assert body["intro_html"] == "<p>欢迎</p>"
    assert [e["slot_id"] for e in body["events"]] == [inside.id, late.id]
    assert body["events"][0] == {"slot_id": inside.id, "title": "慈善义卖",
                                 "starts_at": f"{first.isoformat()}T09:00:00+08:00",
                                 "ends_at": f"{first.isoformat()}T11:00:00+08:00",
                                 "capacity": 20, "remaining": 15}
    assert body["events"][1]["remaining"] == 0
    assert [(n["id"], n["title"]) for n in body["notices"]] == [(public.id, "慈善周开幕")]
    assert body["notices"][0]["url"].endswith(f"/notices/{public.id}")

    page = await client.get("/charity-week")
    assert page.status_code == 200 and "上海慈善周" in page.text and "剩余名额 15/20" in page.text
    assert "名额已满" in page.text and "慈善周开幕" in page.text and "草稿不出现" not in page.text
    assert (await client.get(f"/charity-week/{campaign.id}")).status_code == 200
    editor = await console("editor")
    staff_page = await editor.get(f"/console/charity/{campaign.id}")
    assert "慈善义卖" in staff_page.text and "草稿不出现" in staff_page.text and "深夜场" in staff_page.text


async def test_unpublished_campaign_page_is_a_chinese_404(client: httpx.AsyncClient) -> None:
    hidden = await CharityCampaign.create(title="筹备中", starts_on=today(), ends_on=today())
    for path in (f"/charity-week/{hidden.id}", "/charity-week/987654", "/charity-week/" + "9" * 25):
        r = await client.get(path)
        assert r.status_code == 404 and "找不到该慈善周活动" in r.text and "筹备中" not in r.text


async def test_the_api_is_documented(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/charity-week" in spec["paths"] and "/api/v1/notices" in spec["paths"]
    assert not any(p.startswith(("/console/notices", "/console/charity", "/notices/", "/charity-week"))
                   for p in spec["paths"])
