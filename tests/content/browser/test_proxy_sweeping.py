"""The proxy-sweeping work queue (代客祭扫) in a real browser under the console's CSP: filter by
place, day and status, schedule an order, finish it with photos (one a PNG named .jpg), cancel
another after the confirm page, and manage packages — at 1366 px and at 390 px, where no page may
scroll sideways.

Orders are placed the way ``test_confirm`` books: a few lines of Python against the site's database
calling the very service the mini-program API calls (its WeChat login cannot work here).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from tests.support.browser import ROOT, Site, shot
from tests.support.proxy import image_bytes

DOCS = ROOT / "docs" / "screenshots"
BASE = "/console/proxy-sweeping"

_FILL = """
import asyncio, json, sys
from datetime import UTC, datetime
from core import db
from core.crypto import FieldCipher
from core.models import MiniappUser
from core.proxy_sweeping import orders
from core.proxy_sweeping.commands import CreateOrder
from core.settings import load_settings

async def main():
    settings = load_settings()
    await db.init_orm(settings)
    try:
        cipher, made = FieldCipher(settings.secret_key), []
        rows = [("sample_cemetery", "A区3排12号", "王建国", "basic"),
                ("sample_cemetery", "福寿园（东）B区 7排 21号", "李秀英", "standard"),
                ("sample_columbarium", "二楼 3号厅 第4层 112格", "赵德明", "clean_only")]
        for i, (place, grave, deceased, package) in enumerate(rows):
            user = await MiniappUser.create(openid=f"o-proxy-browser-{i}")
            body = {"place": place, "grave": grave, "deceased_name": deceased, "package": package,
                    "name": "张王李"[i] + "小明", "phone": f"1390000001{i}", "message": "代为献花，谢谢"}
            order = await orders.create(cipher, CreateOrder.from_body(body, user_id=user.id),
                                        now=datetime.now(UTC))
            made.append(order.id)
        print(json.dumps(made))
    finally:
        await db.close_orm()

asyncio.run(main())
"""


def _fill(site: Site) -> list[int]:
    import json

    done = subprocess.run([sys.executable, "-c", _FILL], env=site.env,
                          cwd=site.env["BAOSHAN_VAR_DIR"], capture_output=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return list(json.loads(done.stdout.decode().strip().splitlines()[-1]))


def _shot(page: object, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot(page, name), DOCS / f"{name}.png")


def _fits(page, width: int) -> None:  # type: ignore[no-untyped-def]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width}px ({scroll}px wide)"


def test_proxy_sweeping_queue_in_the_browser(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    first, second, third = _fill(site)
    page = page_as("registrar")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.click("nav.menu >> text=代客祭扫")
    page.wait_for_url(f"**{BASE}")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(BASE)
        text = page.inner_text("#orders")
        assert "王*国" in text and "139****0010" in text
        assert "王建国" not in text and "13900000010" not in text  # masked in the queue
        _fits(page, width)
        _shot(page, f"95-proxy-queue-{width}")

    # Filter: the columbarium only, received orders only.
    page.select_option("select[name=place]", "sample_columbarium")
    page.select_option("select[name=status]", "received")
    page.click("#queue-filters button[type=submit]")
    listed = page.inner_text("#orders")
    assert "赵*明" in listed and "王*国" not in listed

    # Schedule the first order for today, then finish it with two photos.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{BASE}/{first}")
    assert "A区3排12号" in page.inner_text("#order-facts")  # shown in full where the work is done
    page.click("#schedule-form button[type=submit]")
    page.wait_for_url(f"**{BASE}/{first}?done=proxy_scheduled")
    assert "已安排" in page.inner_text("main")
    page.set_input_files("#done-form input[name=photos]", [
        {"name": "grave.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("PNG", (320, 240))},
        {"name": "flowers.jpg", "mimeType": "image/jpeg",
         "buffer": image_bytes("JPEG", (320, 240), exif=True)},
    ])
    _shot(page, "96-proxy-order-scheduled-1366")
    page.click("#done-form button[type=submit]")
    page.wait_for_url(f"**{BASE}/{first}?done=proxy_done")
    assert page.locator("#order-photos img").count() == 2
    loaded = page.evaluate("Array.from(document.querySelectorAll('#order-photos img'))"
                           ".every(i => i.complete && i.naturalWidth === 320)")
    assert loaded
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        _fits(page, width)
        _shot(page, f"97-proxy-order-done-{width}")

    # A text file named .png is refused by its content.
    page.goto(f"{BASE}/{second}")
    page.click("#schedule-form button[type=submit]")
    page.wait_for_url(f"**{BASE}/{second}?done=proxy_scheduled")
    page.set_input_files("#done-form input[name=photos]", [
        {"name": "note.png", "mimeType": "image/png", "buffer": "不是图片".encode() * 20}])
    page.click("#done-form button[type=submit]")
    assert "第1张照片不是有效的" in page.inner_text("#order-error")

    # Cancel the third after the confirm page (at 390 px): 返回 first, then confirm.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{BASE}/{third}")
    page.fill("#cancel-form input[name=reason]", "骨灰堂当天闭馆检修")
    page.click("#cancel-form button[type=submit]")
    assert "家属将收到取消通知" in page.inner_text("#confirm-message")
    _fits(page, 390)
    _shot(page, "98-proxy-cancel-confirm-390")
    page.click("#confirm-back")
    page.wait_for_url(f"**{BASE}/{third}")
    assert page.locator("#cancel-form").count() == 1
    page.fill("#cancel-form input[name=reason]", "骨灰堂当天闭馆检修")
    page.click("#cancel-form button[type=submit]")
    page.click("#confirm-button")
    page.wait_for_url(f"**{BASE}/{third}?done=proxy_cancelled")
    assert "骨灰堂当天闭馆检修" in page.inner_text("#order-facts")

    # Packages: create one, then deactivate it.
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{BASE}/packages")
        assert "基础代祭扫（示例）" in page.inner_text("#packages")
        _fits(page, width)
        _shot(page, f"99-proxy-packages-{width}")
    page.fill("#package-form input[name=code]", "browser_pkg")
    page.fill("#package-form input[name=name]", "清明鲜花代祭扫")
    page.fill("#package-form textarea[name=description]", "清扫墓碑、敬献鲜花、回传照片")
    page.click("#package-form button[type=submit]")
    page.wait_for_url(f"**{BASE}/packages?done=proxy_package_saved")
    page.click("#packages >> text=清明鲜花代祭扫")
    page.click("button[value=deactivate]")
    page.wait_for_url(f"**{BASE}/packages?done=proxy_package_deactivated")
    assert "已停用" in page.inner_text("#packages")
    assert not [e for e in errors if "Content Security Policy" in e], errors
