"""The console's proxy-sweeping pages (代客祭扫): the work queue shows masked data, staff schedule,
finish with photos checked by content (EXIF stripped), cancel after a confirm page, and manage
packages. Orders are placed through the very service the mini-program calls."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from core.models import MiniappUser, Notification, ProxyOrder, SweepPackage
from core.proxy_sweeping import orders, photos
from core.proxy_sweeping.commands import CreateOrder
from core.tz import local_day
from tests.support.proxy import image_bytes, order_body

BASE = "/console/proxy-sweeping"


async def _order(app, openid: str = "o-console", **over) -> ProxyOrder:  # type: ignore[no-untyped-def]
    user = await MiniappUser.create(openid=openid)
    cmd = CreateOrder.from_body(order_body(**over), user_id=user.id)
    return await orders.create(app.ctx.cipher, cmd, now=datetime.now(UTC))


async def _scheduled(app, console) -> tuple[ProxyOrder, object]:  # type: ignore[no-untyped-def]
    order = await _order(app)
    staff = await console("registrar")
    today = local_day(datetime.now(UTC)).isoformat()
    r = await staff.post(f"{BASE}/{order.id}/schedule", {"day": today})
    assert r.status_code == 302 and r.headers["location"].endswith("done=proxy_scheduled")
    return order, staff


async def test_the_queue_lists_orders_masked_and_filters_them(app, console) -> None:
    order = await _order(app)
    other = await _order(app, "o-console-2", place="sample_columbarium", grave="B区1排1号")
    staff = await console("registrar")
    page = await staff.get(BASE)
    assert page.status_code == 200 and order.ref in page.text and other.ref in page.text
    for secret in ("王小明", "13800000014", "A区3排12号", "王建国"):
        assert secret not in page.text
    assert "王*明" in page.text and "138****0014" in page.text
    only = await staff.get(BASE, params={"place": "sample_columbarium"})
    assert other.ref in only.text and order.ref not in only.text
    none = await staff.get(BASE, params={"status": "done"})
    assert order.ref not in none.text
    tomorrow = (local_day(datetime.now(UTC)) + timedelta(days=1)).isoformat()
    assert order.ref not in (await staff.get(BASE, params={"day": tomorrow})).text
    bad = await staff.get(BASE, params={"day": "昨天"})
    assert bad.status_code == 422 and "日期" in bad.text
    # The work page shows the grave and the deceased (needed on site), never the phone.
    detail = await staff.get(f"{BASE}/{order.id}")
    assert "A区3排12号" in detail.text and "王建国" in detail.text and "13800000014" not in detail.text
    assert (await (await console("editor")).get(BASE)).status_code == 403


async def test_schedule_then_done_with_photos_checked_by_content(app, console) -> None:
    order, staff = await _scheduled(app, console)
    files = [("photos", ("scene.jpg", image_bytes("PNG"), "image/jpeg")),  # a PNG named .jpg
             ("photos", ("flowers.webp", image_bytes("WEBP"), "image/webp"))]
    r = await staff.post(f"{BASE}/{order.id}/done", files=files)
    assert r.status_code == 302, r.text
    done = await ProxyOrder.get(id=order.id)
    assert done.status == "done" and len(done.photos) == 2
    stored = photos.folder(app.ctx.settings.var_dir, order.id) / done.photos[0]
    assert stored.read_bytes().startswith(b"\xff\xd8\xff")
    page = await staff.get(f"{BASE}/{order.id}")
    assert "已完成" in page.text and done.photos[0] in page.text
    img = await staff.get(f"{BASE}/{order.id}/photos/{done.photos[0]}")
    assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg"
    kinds = [n.kind for n in await Notification.filter(proxy_order_id=order.id).order_by("id")]
    assert kinds == ["proxy_received", "proxy_scheduled", "proxy_done"]


async def test_bad_photos_are_refused_and_nothing_changes(app, console) -> None:
    order, staff = await _scheduled(app, console)
    text = [("photos", ("photo.png", "这不是图片".encode() * 10, "image/png"))]
    r = await staff.post(f"{BASE}/{order.id}/done", files=text)
    assert r.status_code == 422 and "第1张照片不是有效的" in r.text
    big = Image.effect_noise((1100, 1100), 100).convert("RGB")
    raw = io.BytesIO()
    big.save(raw, format="PNG")
    assert len(raw.getvalue()) > photos.MAX_BYTES
    files = [("photos", ("ok.jpg", image_bytes("JPEG"), "image/jpeg")),
             ("photos", ("big.png", raw.getvalue(), "image/png"))]
    r = await staff.post(f"{BASE}/{order.id}/done", files=files)
    assert r.status_code == 422 and "第2张照片超过2MB" in r.text
    seven = [("photos", (f"{i}.jpg", image_bytes("JPEG"), "image/jpeg")) for i in range(7)]
    r = await staff.post(f"{BASE}/{order.id}/done", files=seven)
    assert r.status_code == 422 and "1至6张" in r.text
    r = await staff.post(f"{BASE}/{order.id}/done")
    assert r.status_code == 422 and "1至6张" in r.text
    still = await ProxyOrder.get(id=order.id)
    assert still.status == "scheduled" and still.photos == []
    folder = photos.folder(app.ctx.settings.var_dir, order.id)
    assert not folder.exists() or not any(folder.iterdir())


async def test_exif_is_gone_after_upload(app, console) -> None:
    order, staff = await _scheduled(app, console)
    original = image_bytes("JPEG", exif=True)
    assert b"SecretPhoneMaker" in original and Image.open(io.BytesIO(original)).getexif()
    r = await staff.post(f"{BASE}/{order.id}/done",
                         files=[("photos", ("gps.jpg", original, "image/jpeg"))])
    assert r.status_code == 302, r.text
    done = await ProxyOrder.get(id=order.id)
    stored = (photos.folder(app.ctx.settings.var_dir, order.id) / done.photos[0]).read_bytes()
    assert b"SecretPhoneMaker" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert not img.getexif() and img.size == (64, 48)


async def test_cancel_asks_first_then_tells_the_family(app, console) -> None:
    order = await _order(app)
    staff = await console("registrar")
    ask = await staff.post(f"{BASE}/{order.id}/cancel", {"reason": "墓园当天封园"})
    assert ask.status_code == 200 and "确认取消代祭扫订单" in ask.text and order.ref in ask.text
    assert (await ProxyOrder.get(id=order.id)).status == "received"
    no_reason = await staff.post(f"{BASE}/{order.id}/cancel", {"reason": " "})
    assert no_reason.status_code == 422 and "取消原因" in no_reason.text
    r = await staff.post(f"{BASE}/{order.id}/cancel", {"reason": "墓园当天封园", "confirm": "1"})
    assert r.status_code == 302 and r.headers["location"].endswith("done=proxy_cancelled")
    row = await ProxyOrder.get(id=order.id)
    assert row.status == "cancelled" and row.cancel_reason == "墓园当天封园" and row.day_key is None
    assert await Notification.filter(proxy_order_id=order.id, kind="proxy_cancelled").exists()
    again = await staff.post(f"{BASE}/{order.id}/cancel", {"reason": "x", "confirm": "1"})
    assert again.status_code == 409


async def test_packages_are_created_edited_and_deactivated(app, console, client) -> None:
    staff = await console("registrar")
    listed = await staff.get(f"{BASE}/packages")
    assert listed.status_code == 200 and "基础代祭扫（示例）" in listed.text and "示例" in listed.text
    bad = await staff.post(f"{BASE}/packages", {"code": "X!", "name": "鲜花", "description": ""})
    assert bad.status_code == 422 and "套餐代码" in bad.text
    r = await staff.post(f"{BASE}/packages", {"code": "flowers_test", "name": "鲜花代祭扫",
                                               "description": "敬献鲜花", "photos": "1"})
    assert r.status_code == 302, r.text
    made = await SweepPackage.get(code="flowers_test")
    taken = await staff.post(f"{BASE}/packages", {"code": "flowers_test", "name": "重复"})
    assert taken.status_code == 409 and "已被使用" in taken.text
    r = await staff.post(f"{BASE}/packages/{made.id}", {"action": "save", "name": "鲜花代祭扫（新）",
                                                         "description": "敬献鲜花两束"})
    assert r.status_code == 302
    edited = await SweepPackage.get(id=made.id)
    assert edited.name == "鲜花代祭扫（新）" and edited.photos is False and edited.code == "flowers_test"
    api = "/api/v1/miniapp/proxy-sweeping/packages"
    assert "flowers_test" in {p["code"] for p in (await client.get(api)).json()["packages"]}
    r = await staff.post(f"{BASE}/packages/{made.id}", {"action": "deactivate"})
    assert r.status_code == 302 and "done=proxy_package_deactivated" in r.headers["location"]
    assert "flowers_test" not in {p["code"] for p in (await client.get(api)).json()["packages"]}
    user = await MiniappUser.create(openid="o-pkg")
    from core.booking import BookingError
    try:
        await orders.create(app.ctx.cipher, CreateOrder.from_body(order_body(package="flowers_test"),
                                                                  user_id=user.id),
                            now=datetime.now(UTC))
        raise AssertionError("a deactivated package was accepted")
    except BookingError as exc:
        assert exc.field == "package"
    await SweepPackage.filter(id=made.id).delete()


async def test_places_are_created_edited_and_deactivated(app, console, client) -> None:
    staff = await console("registrar")
    listed = await staff.get(f"{BASE}/places")
    assert listed.status_code == 200 and "示例公墓" in listed.text
    bad = await staff.post(f"{BASE}/places", {"code": "east_hill", "kind": "moon", "name": "东山"})
    assert bad.status_code == 422 and "地点类型" in bad.text
    r = await staff.post(f"{BASE}/places", {"code": "east_hill", "kind": "cemetery",
                                             "name": "东山公墓（测试）", "note": "清明期间人多"})
    assert r.status_code == 302, r.text
    from core.models import Place
    made = await Place.get(code="east_hill")
    api = "/api/v1/miniapp/proxy-sweeping/packages"
    places = {p["code"]: p for p in (await client.get(api)).json()["places"]}
    assert places["east_hill"]["kind"] == "cemetery" and places["east_hill"]["note"] == "清明期间人多"
    r = await staff.post(f"{BASE}/places/{made.id}", {"action": "save", "kind": "columbarium",
                                                       "name": "东山骨灰堂", "note": ""})
    assert r.status_code == 302
    assert (await Place.get(id=made.id)).kind == "columbarium"
    r = await staff.post(f"{BASE}/places/{made.id}", {"action": "deactivate"})
    assert "done=proxy_place_deactivated" in r.headers["location"]
    assert "east_hill" not in {p["code"] for p in (await client.get(api)).json()["places"]}
    user = await MiniappUser.create(openid="o-place")
    from core.booking import BookingError
    try:
        await orders.create(app.ctx.cipher, CreateOrder.from_body(order_body(place="east_hill"),
                                                                  user_id=user.id),
                            now=datetime.now(UTC))
        raise AssertionError("a deactivated place was accepted")
    except BookingError as exc:
        assert exc.field == "place"
    await Place.filter(id=made.id).delete()


async def test_numbers_in_the_familys_message_stay_hidden(app, console) -> None:
    order = await _order(app, message="请先打电话13912345678给我，谢谢！")
    staff = await console("registrar")
    page = await staff.get(f"{BASE}/{order.id}")
    assert "13912345678" not in page.text and "[手机号]" in page.text
    plain = await _order(app, "o-console-plain", grave="D区1排1号", message="代为献花，谢谢")
    assert "代为献花，谢谢" in (await staff.get(f"{BASE}/{plain.id}")).text
