from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from core.models import Notice


async def test_only_public_notices_are_listed_newest_first(client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    await Notice.create(title="草稿", status="draft")
    await Notice.create(title="已归档", status="archived", publish_at=now - timedelta(days=9))
    old = await Notice.create(title="清明祭扫预约开始", summary="请提前预约", status="published",
                              publish_at=now - timedelta(days=2))
    new = await Notice.create(title="5月20日结婚登记安排", status="scheduled",
                              publish_at=now - timedelta(minutes=1))
    await Notice.create(title="明天才发布", status="scheduled", publish_at=now + timedelta(days=1))
    r = await client.get("/api/v1/notices")
    assert r.status_code == 200
    notices = r.json()["notices"]
    assert [n["id"] for n in notices] == [new.id, old.id]
    assert notices[1]["summary"] == "请提前预约"
    assert notices[0]["published_at"].endswith("+08:00")


async def test_empty_list_and_bad_limit(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/notices")
    assert r.status_code == 200 and r.json() == {"notices": []}
    r = await client.get("/api/v1/notices", params={"limit": "0"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_limit"
