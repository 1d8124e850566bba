"""#14: the bot chart and the tiles count the same messages (the search API too), bars carry their
values, and a registrar's home page shows today's sessions with bookings and check-ins."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time, timedelta

from sanic import Sanic

from content import charts
from core import stats, tz
from core.models import Booking, MiniappUser, Slot
from tests.content.conftest import ConsoleFactory

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_carry_their_values_and_zeros_stay_blank() -> None:
    root = ET.fromstring(str(charts.bar_chart(["一", "二"], [charts.Series("甲", [3, 0])], title="t")))
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["3"]


async def test_the_bot_chart_counts_the_search_api_like_the_tiles(app: Sanic,
                                                                  console: ConsoleFactory) -> None:
    today = tz.local_day(datetime.now(UTC))
    await stats.increment("api.answered", today, 10)  # only the search API: no WeChat at all
    await stats.increment("api.unanswered", today, 3)
    page = (await (await console("editor")).get("/console/")).text
    assert re.search(r'id="total-answered">10<', page) and re.search(r'id="total-unanswered">3<', page)
    chart = ET.fromstring(re.findall(r"<svg.*?</svg>", page, re.S)[-1])
    titles = [t.text or "" for r in chart.iter(f"{SVG}rect") for t in r.iter(f"{SVG}title")]
    assert any(t.endswith("合计·已回答：10") for t in titles)
    assert any(t.endswith("合计·未回答：3") for t in titles)
    assert sorted(t.text or "" for t in chart.iter(f"{SVG}text") if t.get("class") == "value") == ["10", "3"]


async def test_a_registrar_sees_todays_bookings_and_check_ins_first(app: Sanic,
                                                                   console: ConsoleFactory) -> None:
    now = datetime.now(UTC)
    day = tz.local_day(now)
    nine = datetime.combine(day, time(9), tz.SHANGHAI)
    user = await MiniappUser.create(openid="o-today")
    slot = await Slot.create(service="marriage_registration", starts_at=nine,
                             ends_at=nine + timedelta(hours=1), capacity=8, booked=3)
    tomorrow = await Slot.create(service="marriage_registration", starts_at=nine + timedelta(days=1),
                                 ends_at=nine + timedelta(days=1, hours=1), capacity=8, booked=1)
    for n, (s, status, arrived) in enumerate([(slot, "confirmed", True), (slot, "confirmed", False),
                                              (slot, "cancelled", False), (tomorrow, "confirmed", False)]):
        await Booking.create(user=user, slot=s, service=s.service, code=f"D{n:07d}", personal_enc="x",
                             status=status, checked_in_at=now if arrived else None)
    page = (await (await console("registrar")).get("/console/")).text
    card = page[page.index('id="today"'):]
    card = card[:card.index("</section>")]
    assert f"今日预约与签到（{day.isoformat()}）" in card
    assert re.search(r'id="today-booked">2<', card) and re.search(r'id="today-arrived">1<', card)
    assert re.search(r'id="today-waiting">1<', card)
    assert f'href="/console/slots/{slot.id}">09:00–10:00</a>' in card and "结婚登记" in card
    assert f"/console/slots/{tomorrow.id}" not in card and 'href="/console/checkin"' in card
    # Editors do not work the counter: no card for them.
    assert 'id="today"' not in (await (await console("editor")).get("/console/")).text
