"""Slots in a real browser (issues #14 and #17): edit a slot (time only while nobody booked), open
in bulk with a title, theme and place through a preview, re-size and close ticked slots (closing
asks first on the confirm page), and the public 集体颁证 page; at 1366 px and at a 390 px phone
without sideways scrolling. Residents are booked as ``test_confirm`` books them."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta

from core.booking.rules import SHANGHAI
from tests.content.browser.test_confirm import _fill
from tests.support.browser import ROOT, Site, shot

ECO, CEREMONY = "eco_burial_consultation", "collective_ceremony"
DOCS = ROOT / "docs" / "screenshots"
WIDTHS = ((1366, 900), (390, 844))


def _shot(page: object, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot(page, name), DOCS / f"{name}.png")


def _fits(page: object, width: int) -> None:
    """Nothing wider than the screen: no sideways scrolling."""
    scroll = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert scroll <= width, f"page is {scroll} px wide at {width} px"


def _open(site: Site, service: str, day: str, start: str, end: str, capacity: int = 5) -> int:
    out = site.cli("slots", "open", "--service", service, "--date", day, "--start", start,
                   "--end", end, "--capacity", str(capacity))
    return int(out.strip().splitlines()[-1])


def test_editing_a_slot_and_the_public_ceremony_page(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    day = (datetime.now(SHANGHAI) + timedelta(days=40)).date().isoformat()
    ceremony = _open(site, CEREMONY, day, "09:00", "10:00", capacity=20)
    booked = _open(site, ECO, day, "15:00", "16:00", capacity=3)
    _fill(site, booked, booked=1, waiting=0)

    page = page_as("registrar")
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/console/slots/{ceremony}")
        form = page.locator("#edit-form")
        form.locator("input[name=title]").fill(f"七夕集体颁证 {width}")
        form.locator("input[name=theme]").fill("七夕")
        form.locator("input[name=place]").fill("宝山区婚姻登记处（示例）")
        form.locator("input[name=start]").fill("10:00")
        form.locator("input[name=end]").fill("11:30")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"**/console/slots/{ceremony}?done=slot_edited")
        assert "号源已修改" in page.inner_text("main")
        assert f"七夕集体颁证 {width}" in page.inner_text("h1") and "10:00-11:30" in page.inner_text("h1")
        assert page.inner_text("#slot-theme") == "七夕"
        _fits(page, width)
        _shot(page, f"70-slot-edit-{width}")

    # Booked: time and place are locked (and refused by the server), the title may change.
    page.goto(f"/console/slots/{booked}")
    assert "已有 1 人预约" in page.inner_text("#edit-locked")
    assert page.locator("#edit-form input[name=start]").get_attribute("readonly") is not None
    page.evaluate("document.querySelector('#edit-form input[name=start]').removeAttribute('readonly')")
    page.fill("#edit-form input[name=start]", "15:30")
    page.locator("#edit-form button[type=submit]").click()
    assert "不能修改时间或地点" in page.inner_text("#error-when")
    page.goto(f"/console/slots/{booked}")
    page.fill("#edit-form input[name=title]", "树葬政策咨询")
    page.locator("#edit-form button[type=submit]").click()
    page.wait_for_url(f"**/console/slots/{booked}?done=slot_edited")
    assert "树葬政策咨询" in page.inner_text("h1") and "15:00-16:00" in page.inner_text("h1")

    public = page.context.new_page()
    for width, height in WIDTHS:
        public.set_viewport_size({"width": width, "height": height})
        public.goto("/ceremonies")
        text = public.inner_text("#ceremonies")
        assert "七夕集体颁证 390" in text and "主题：七夕" in text and "剩余名额 20/20" in text
        assert "地点：宝山区婚姻登记处（示例）" in text
        _fits(public, width)
        _shot(public, f"74-ceremonies-public-{width}")


def _ticks(page: object, ids: list[int]) -> None:
    for slot_id in ids:
        page.check(f"#slot-{slot_id} input[name=slot_id]")  # type: ignore[attr-defined]


def test_bulk_open_previews_then_bulk_capacity_and_close(site: Site, page_as) -> None:  # type: ignore[no-untyped-def]
    first = (datetime.now(SHANGHAI) + timedelta(days=50)).date()
    last = first + timedelta(days=1)
    page = page_as("registrar")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/console/slots?service={ECO}&from={first}&to={last}")
    form = page.locator("#bulk-form")
    form.locator("select[name=service]").select_option(ECO)
    form.locator("input[name=first_day]").fill(first.isoformat())
    form.locator("input[name=last_day]").fill(last.isoformat())
    form.locator("input[name=skip_weekends]").uncheck()
    form.locator("input[name=skip_holidays]").uncheck()
    form.locator("input[name=capacity]").fill("4")
    form.locator("input[name=title]").fill("海葬政策咨询会")
    form.locator("input[name=place]").fill("区殡葬管理所（示例）")
    form.locator("textarea[name=windows]").fill("09:00-10:00, 9点到10点")
    form.locator("button[type=submit]").click()
    assert "格式不正确" in page.inner_text("#error-windows")  # next to its field
    assert page.locator("#bulk-preview").count() == 0

    page.locator("#bulk-form textarea[name=windows]").fill("09:00-10:00, 10:00-11:00")
    page.locator("#bulk-form button[type=submit]").click()
    preview = page.inner_text("#bulk-preview")
    assert "将开放 4 个号源（每个 4 个名额）" in preview and "海葬政策咨询会" in preview
    assert first.isoformat() in preview and "09:00-10:00、10:00-11:00" in preview
    assert page.locator("table.slots tbody tr", has_text="海葬政策咨询会").count() == 0  # nothing yet
    _shot(page, "71-slots-bulk-preview-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits(page, 390)
    _shot(page, "71-slots-bulk-preview-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("#preview-confirm")
    page.wait_for_url(re.compile(r".*done=slot_bulk_opened.*"))
    assert "已开放 4 个号源" in page.inner_text("#bulk-summary")
    page.reload()  # a refresh repeats the GET, not the POST
    rows = page.locator("table.slots tbody tr", has_text="海葬政策咨询会")
    assert rows.count() == 4
    ids = [int((rows.nth(i).get_attribute("id") or "").removeprefix("slot-")) for i in range(4)]
    _fill(site, ids[0], booked=2, waiting=0)

    page.reload()
    _ticks(page, ids)
    page.fill("#bulk-capacity", "1")
    page.click("#bulk-capacity-button")
    assert "少于已预约人数" in page.inner_text("#error-selection_capacity")
    _ticks(page, ids)
    page.fill("#bulk-capacity", "6")
    page.click("#bulk-capacity-button")
    page.wait_for_url(re.compile(r".*done=slots_capacity.*"))
    assert "已将 4 个号源的名额改为 6" in page.inner_text("#bulk-summary")

    page.set_viewport_size({"width": 390, "height": 844})
    _fits(page, 390)
    _shot(page, "73-slots-list-390")
    _ticks(page, ids[:2])
    page.fill("#bulk-reason", "场地临时调整")
    page.click("#bulk-close-button")
    message = page.inner_text("#confirm-message")
    assert "关闭所选 2 个号源：2 位群众的预约将改为已关闭并收到通知" in message
    assert "场地临时调整" in page.inner_text("#confirm")
    _fits(page, 390)
    _shot(page, "72-slots-bulk-close-confirm-390")
    page.click("#confirm-back")  # 返回: nothing closed
    page.wait_for_url(re.compile(r".*/console/slots\?.*"))
    assert page.locator("table.slots tbody tr.closed", has_text="海葬政策咨询会").count() == 0
    _ticks(page, ids[:2])
    page.fill("#bulk-reason", "场地临时调整")
    page.click("#bulk-close-button")
    page.click("#confirm-button")
    page.wait_for_url(re.compile(r".*done=slots_closed.*"))
    assert "已关闭 2 个号源，2 位群众的预约已改为已关闭" in page.inner_text("#bulk-summary")
    assert page.locator("table.slots tbody tr.closed", has_text="海葬政策咨询会").count() == 2

    page.goto(f"/console/slots/{ids[0]}")
    assert "<dt>剩余</dt><dd>0</dd>" in page.inner_html("dl.facts")  # closed: no places left
    _fits(page, 390)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/console/slots?service={ECO}&from={first}&to={last}")
    _shot(page, "73-slots-list-1366")
