"""The dashboard at /console/: SVG charts rendered on the server, with the figures as tables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sanic import Sanic

from content import charts
from core import stats, tz
from core.models import Booking, MiniappUser, Slot, UnansweredQuestion

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_is_valid_svg_with_escaped_labels() -> None:
    svg = charts.bar_chart(["<b>甲&乙</b>", "丙"], [charts.Series('预约"A"', [3, 7]),
                                                  charts.Series("候补", [0, 1])], title="标题<i>")
    root = ET.fromstring(str(svg))  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "标题<i>"  # type: ignore[union-attr]
    assert "<b>" not in svg and "&lt;b&gt;甲&amp;乙&lt;/b&gt;" in svg
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 4
    heights = {r.find(f"{SVG}title").text: float(r.get("height")) for r in bars}  # type: ignore[union-attr,arg-type]
    # The axis tops at 8 (ticks 0, 2, 4, 6, 8): 7 fills seven eighths of the plot.
    assert heights['丙 预约"A"：7'] == pytest.approx(7 / 8 * (charts.HEIGHT - 36 - 44), abs=0.1)
    assert heights["<b>甲&乙</b> 候补：0"] == 0


def test_line_chart_has_a_line_per_series_and_tolerates_no_data() -> None:
    svg = charts.line_chart(["03-01", "03-02", "03-03"], [charts.Series("已回答", [1, 5, 2]),
                                                          charts.Series("未回答", [0, 0, 0])],
                            title="提问")
    root = ET.fromstring(str(svg))
    assert len(root.findall(f".//{SVG}polyline")) == 2 and len(root.findall(f".//{SVG}circle")) == 6
    empty = ET.fromstring(str(charts.line_chart([], [charts.Series("x", [])], title="空")))
    assert empty.find(f"{SVG}title").text == "空"  # type: ignore[union-attr]


@pytest.mark.parametrize(("value", "axis"), [(0, (4, 4)), (0.4, (4, 4)), (3, (4, 4)), (7, (8, 4)),
                                             (10, (10, 5)), (11, (20, 4)), (240, (250, 5)),
                                             (1001, (2000, 4))])
def test_axes_end_on_whole_round_ticks(value: float, axis: tuple[float, int]) -> None:
    assert charts.nice_axis(value) == axis


async def _booking(user: MiniappUser, slot: Slot, n: int, created: datetime) -> None:
    b = await Booking.create(user=user, slot=slot, service=slot.service, code=f"T{n:07d}",
                             personal_enc="x")
    await Booking.filter(id=b.id).update(created_at=created)


def _row(page: str, label: str) -> list[str]:
    """The cells of the first table row headed ``label``."""
    match = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', page, re.S)
    assert match, label
    return re.findall(r'<td class="num">([^<]*)</td>', match.group(1))


async def test_dashboard_shows_bookings_fill_rates_messages_and_gaps(app: Sanic, console: Any) -> None:
    now = datetime.now(UTC)
    today = tz.local_day(now)
    midnight = datetime.combine(today, time(), tz.SHANGHAI)  # Shanghai's midnight
    user = await MiniappUser.create(openid="o-dash")
    upcoming = await Slot.create(service="marriage_registration", starts_at=now + timedelta(days=2),
                                 ends_at=now + timedelta(days=2, hours=1), capacity=8, booked=2)
    await Slot.create(service="marriage_registration", starts_at=now + timedelta(days=3),
                      ends_at=now + timedelta(days=3, hours=1), capacity=2, booked=2)
    await Slot.create(service="charity_event", starts_at=now + timedelta(days=1),
                      ends_at=now + timedelta(days=1, hours=1), capacity=10, booked=9,
                      closed_at=now)  # closed: left out
    # 00:10 in Shanghai is still the previous day in UTC; it belongs to today here.
    await _booking(user, upcoming, 1, midnight + timedelta(minutes=10))
    await _booking(user, upcoming, 2, midnight + timedelta(minutes=20))
    await _booking(user, upcoming, 3, midnight - timedelta(minutes=10))  # yesterday
    await _booking(user, upcoming, 4, midnight - timedelta(days=20))  # outside the window
    await stats.increment("wechat.answered", today, 12)
    await stats.increment("wechat.unanswered", today, 3)
    await stats.increment("api.answered", today - timedelta(days=2), 4)
    await stats.increment("simulator.answered", today, 99)  # staff trials are not shown
    for _ in range(3):
        await UnansweredQuestion.create(text="<script>养乌龟</script>", normalized="养乌龟",
                                        reason="unknown", channel="wechat")
    await UnansweredQuestion.create(text="模拟器提问", normalized="模拟器提问", reason="unknown",
                                    channel="simulator")

    c = await console("registrar")  # every role sees the dashboard
    r = await c.get("/console/")
    assert r.status_code == 200
    page = r.text
    def table(caption: str) -> str:
        match = re.search(rf"{caption}（数据表）(.*?)</table>", page, re.S)
        assert match, caption
        return match.group(1)

    bookings, fills, messages = table("每日新增预约"), table("号源预约率"), table("每日提问数")
    # Columns are the last 14 days, oldest first, then the total.
    assert _row(bookings, "结婚登记")[-3:] == ["1", "2", "3"]  # yesterday, today, total
    assert _row(bookings, "集体颁证") == ["0"] * 15
    assert re.search(r'id="total-bookings">3<', page)
    # Fill rate of open upcoming slots: 4 of 10 places; the closed slot is left out.
    assert _row(fills, "结婚登记") == ["4", "10", "40.0%"] and "慈善超市活动" not in fills
    assert _row(messages, "公众号·已回答")[-2:] == ["12", "12"]
    assert _row(messages, "公众号·未回答")[-2:] == ["3", "3"]
    assert _row(messages, "接口·已回答")[-4:] == ["4", "0", "0", "4"]  # two days ago
    assert re.search(r'id="total-answered">16<', page) and re.search(r'id="total-unanswered">3<', page)
    assert "&lt;script&gt;养乌龟&lt;/script&gt;" in page and "<script>养乌龟" not in page
    assert "模拟器提问" not in page and "99" not in messages
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        ET.fromstring(svg)
    assert "处理未答问题" not in page  # the link is for editors


async def test_an_empty_dashboard_still_renders(app: Sanic, console: Any) -> None:
    c = await console("editor")
    r = await c.get("/console/")
    assert r.status_code == 200
    assert "未来30天没有开放的号源" in r.text and "近30天没有未答问题" in r.text
    assert "处理未答问题" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"].split("; ")
    assert "<script" not in r.text and 'style="' not in r.text
