"""Proxy sweeping (代客祭扫) in the mini-program: ordering, one order per grave per day, the
caller's own list, and photos only once done, through signed links that expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import pytest

from core.models import AuditLog, Notification, ProxyOrder
from core.proxy_sweeping import orders
from core.proxy_sweeping.commands import CancelOrder
from tests.support.proxy import API, finish, order_body, schedule

URL = f"{API}/proxy-sweeping"


async def test_an_order_is_received_with_masked_personal_data(app, client, login) -> None:
    auth = await login("proxy-1")
    r = await client.post(URL, json=order_body(), headers=auth)
    assert r.status_code == 201, r.text
    body = r.json()
    assert isinstance(body["id"], int) and body["status"] == "received"
    assert body["ref"].startswith("DJ") and body["package"]["code"] == "basic"
    assert body["place"]["code"] == "sample_cemetery" and body["scheduled"] is False
    assert body["applicant"] == {"name": "王*明", "phone": "138****0014"}
    assert body["deceased_name"] == "王*国" and "12" not in body["grave"]
    assert "photos" not in body and "cancel_reason" not in body
    # Stored encrypted: nothing the family typed is in the row or the audit row as plain text.
    row = await ProxyOrder.get(id=body["id"])
    audit = await AuditLog.filter(action="proxy.create").first()
    assert audit is not None
    for secret in ("王建国", "王小明", "13800000014", "A区3排12号", "想念"):
        assert secret not in row.personal_enc and secret not in str(audit.after) + audit.target
    assert await Notification.filter(proxy_order_id=row.id, kind="proxy_received").count() == 1


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"grave": "  "}, "grave", "墓位"),
    ({"deceased_name": "12345"}, "deceased_name", "姓名"),
    ({"phone": "12345"}, "phone", "手机号"),
    ({"place": "nowhere"}, "place", "地点"),
    ({"package": "gold"}, "package", "套餐"),
    ({"message": "想" * 201}, "message", "200"),
    ({"name": None}, "name", "姓名"),
    ({"date": "明天"}, "date", "日期"),
    ({"date": "2001-01-01"}, "date", "日期"),
])
async def test_bad_input_is_refused_in_chinese(client, login, change, field, words) -> None:
    auth = await login("proxy-bad")
    r = await client.post(URL, json=order_body(**change), headers=auth)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == field and words in error["message"]
    assert await ProxyOrder.all().count() == 0


async def test_not_a_json_object_and_no_token(client, login) -> None:
    auth = await login("proxy-shape")
    r = await client.post(URL, json=["x"], headers=auth)
    assert r.status_code == 422 and "JSON" in r.json()["error"]["message"]
    assert (await client.post(URL, json=order_body())).status_code == 401
    assert (await client.get(URL)).status_code == 401


async def test_one_order_per_grave_per_day(app, client, login) -> None:
    first, second = await login("proxy-a"), await login("proxy-b")
    assert (await client.post(URL, json=order_body(), headers=first)).status_code == 201
    # The same grave written differently, by another family member, the same day: refused.
    again = await client.post(URL, json=order_body(grave="a区 3排-12号", name="王小红"),
                              headers=second)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "proxy_duplicate"
    assert "墓位" in again.json()["error"]["message"]
    # Another grave, another place or another day is a different order.
    tomorrow = (datetime.now(UTC) + timedelta(hours=8, days=1)).date().isoformat()
    for other in ({"grave": "A区3排13号"}, {"place": "sample_columbarium"}, {"date": tomorrow}):
        assert (await client.post(URL, json=order_body(**other), headers=second)).status_code == 201
    # Staff cancel the first: the day is free for that grave again.
    held = await ProxyOrder.filter(user__openid="o-proxy-a").first()
    assert held is not None
    await orders.cancel(CancelOrder(actor="t", order_id=held.id, reason="家属电话取消"),
                        now=datetime.now(UTC))
    assert (await client.post(URL, json=order_body(), headers=second)).status_code == 201


async def test_scheduling_onto_a_taken_day_is_refused(app, client, login) -> None:
    auth = await login("proxy-move")
    tomorrow = (datetime.now(UTC) + timedelta(hours=8, days=1)).date().isoformat()
    a = (await client.post(URL, json=order_body(), headers=auth)).json()
    await client.post(URL, json=order_body(date=tomorrow), headers=auth)
    from core.booking import BookingError
    from core.proxy_sweeping.commands import Schedule
    with pytest.raises(BookingError) as refused:
        await orders.schedule(app.ctx.cipher, Schedule(actor="t", order_id=a["id"],
                                                       day=datetime.fromisoformat(tomorrow).date()),
                              now=datetime.now(UTC))
    assert refused.value.code == "proxy_duplicate"


async def test_the_list_shows_only_the_callers_orders(app, client, login) -> None:
    mine, theirs = await login("proxy-mine"), await login("proxy-theirs")
    made = (await client.post(URL, json=order_body(), headers=mine)).json()
    await client.post(URL, json=order_body(grave="B区1排1号"), headers=theirs)
    listed = (await client.get(URL, headers=mine)).json()["orders"]
    assert [o["id"] for o in listed] == [made["id"]]
    assert listed[0]["status"] == "received"


async def test_packages_and_places_are_listed_with_samples_marked(client) -> None:
    r = await client.get(f"{URL}/packages")
    assert r.status_code == 200
    body = r.json()
    codes = {p["code"] for p in body["packages"]}
    assert {"basic", "standard"} <= codes
    assert all({"code", "name", "description"} <= set(p) for p in body["packages"])
    assert all("示例" in p["name"] for p in body["packages"] + body["places"])


async def _photo_urls(client: httpx.AsyncClient, auth: dict[str, str]) -> list[str]:
    listed = (await client.get(URL, headers=auth)).json()["orders"]
    return [u for o in listed for u in o.get("photos", [])]


async def test_photos_are_listed_only_once_done_and_only_to_the_owner(app, client, login) -> None:
    owner, other = await login("proxy-owner"), await login("proxy-other")
    made = (await client.post(URL, json=order_body(), headers=owner)).json()
    await schedule(app.ctx.cipher, made["id"])
    scheduled = (await client.get(URL, headers=owner)).json()["orders"][0]
    assert scheduled["status"] == "scheduled" and "photos" not in scheduled
    await finish(app.ctx.cipher, app.ctx.settings.var_dir, made["id"], count=3)
    done = (await client.get(URL, headers=owner)).json()["orders"][0]
    assert done["status"] == "done" and len(done["photos"]) == 3 and done["done_at"]
    assert await _photo_urls(client, other) == []  # the other family's list never names them
    r = await client.get(done["photos"][0])
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert "no-store" in r.headers["cache-control"]
    assert r.content.startswith(b"\xff\xd8\xff")


async def test_a_tampered_or_expired_photo_link_is_refused(app, client, login) -> None:
    owner = await login("proxy-links")
    made = (await client.post(URL, json=order_body(), headers=owner)).json()
    await finish(app.ctx.cipher, app.ctx.settings.var_dir, made["id"], count=2)
    first, second = await _photo_urls(client, owner)
    assert (await client.get(first)).status_code == 200
    url = urlsplit(first)
    path, query = url.path, dict(p.split("=", 1) for p in url.query.split("&"))
    other_name = urlsplit(second).path.rsplit("/", 1)[1]
    sig = query["sig"]
    forged = [
        f"{path}?exp={query['exp']}&sig={'0' if sig[0] != '0' else '1'}{sig[1:]}",  # signature
        f"{path}?exp={int(query['exp']) + 3600}&sig={sig}",  # a later expiry
        f"{path.rsplit('/', 1)[0]}/{other_name}?exp={query['exp']}&sig={sig}",  # another photo
        f"{path}?exp={query['exp']}",  # no signature
        f"{path}?exp={query['exp']}&sig=签名",
    ]
    for link in forged:
        r = await client.get(link)
        assert r.status_code == 403, link
        assert "链接" in r.json()["error"]["message"]
    # An hour and a bit later the genuine link has expired.
    real_clock = app.ctx.clock
    app.ctx.clock = lambda: real_clock() + timedelta(minutes=61)
    try:
        assert (await client.get(first)).status_code == 403
    finally:
        app.ctx.clock = real_clock
    assert (await client.get(first)).status_code == 200


async def test_each_transition_queues_one_notification(app, client, login) -> None:
    auth = await login("proxy-notes")
    a = (await client.post(URL, json=order_body(), headers=auth)).json()
    b = (await client.post(URL, json=order_body(grave="C区9排9号"), headers=auth)).json()
    await finish(app.ctx.cipher, app.ctx.settings.var_dir, a["id"])
    await orders.cancel(CancelOrder(actor="t", order_id=b["id"], reason="墓园当天封园"),
                        now=datetime.now(UTC))
    kinds_a = [n.kind for n in await Notification.filter(proxy_order_id=a["id"]).order_by("id")]
    kinds_b = [n.kind for n in await Notification.filter(proxy_order_id=b["id"]).order_by("id")]
    assert kinds_a == ["proxy_received", "proxy_scheduled", "proxy_done"]
    assert kinds_b == ["proxy_received", "proxy_cancelled"]
    actions = [r.action for r in await AuditLog.filter(target__startswith="proxy:").order_by("id")]
    assert actions.count("proxy.create") == 2 and {"proxy.schedule", "proxy.done",
                                                    "proxy.cancel"} <= set(actions)


async def test_the_outbox_sends_each_step_with_consent_and_skips_stale_ones(app, client, login,
                                                                            wechat) -> None:
    from core.booking.reminders import send_due

    auth = await login("proxy-send")
    for _ in range(3):
        await client.post(f"{API}/subscriptions", json={"template_id": "TPL_proxy"}, headers=auth)
    made = (await client.post(URL, json=order_body(), headers=auth)).json()
    at = datetime.now(UTC) + timedelta(seconds=1)
    assert await send_due(app.ctx.wechat, at) == 1
    msg = wechat.sent[-1]
    assert msg["touser"] == "o-proxy-send" and msg["template_id"] == "TPL_proxy"
    assert msg["data"]["character_string3"]["value"] == made["ref"]
    assert "已受理" in msg["data"]["thing4"]["value"]
    assert "王" not in str(msg["data"])  # no name of the family or the deceased in the message
    await schedule(app.ctx.cipher, made["id"])
    await orders.cancel(CancelOrder(actor="t", order_id=made["id"], reason="墓园封园"),
                        now=datetime.now(UTC))
    # The "scheduled" note was overtaken by the cancellation: skipped, its consent kept.
    assert await send_due(app.ctx.wechat, datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert "墓园封园" in wechat.sent[-1]["data"]["thing4"]["value"] and len(wechat.sent) == 2
    statuses = {n.kind: n.status for n in await Notification.filter(proxy_order_id=made["id"])}
    assert statuses == {"proxy_received": "sent", "proxy_scheduled": "skipped",
                        "proxy_cancelled": "sent"}


async def test_concurrent_orders_for_one_grave_yield_one(app, client, login) -> None:
    import asyncio

    heads = [await login(f"proxy-rush-{i}") for i in range(5)]
    answers = await asyncio.gather(*[client.post(URL, json=order_body(name=n), headers=h)
                                     for n, h in zip("赵钱孙李周", heads, strict=True)])
    codes = sorted(r.status_code for r in answers)
    assert codes == [201, 409, 409, 409, 409], [r.text for r in answers]
    assert await ProxyOrder.all().count() == 1
