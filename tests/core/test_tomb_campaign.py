"""Tomb-sweeping campaigns (issue #15): the plan of a 清明 campaign and opening it in one step."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from core.booking import BookingError, campaign
from core.booking.bulk import parse_windows
from core.models import AuditLog, Slot
from core.tz import SHANGHAI

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def request(**over: object) -> campaign.CampaignRequest:
    values: dict[str, object] = dict(
        name="2027年清明", days=campaign.parse_days("2027-04-03, 2027-04-04 2027-04-05"),
        windows=parse_windows("07:00-08:30, 08:30-10:00, 10:00-11:30"),
        places=campaign.parse_places("示例墓园甲\n示例骨灰堂乙\n\n示例墓园甲"),
        capacity=200, opens_at=datetime(2027, 3, 20, 8, 0, tzinfo=SHANGHAI))
    values.update(over)
    return campaign.CampaignRequest(**values)  # type: ignore[arg-type]


def test_the_plan_is_places_times_days_times_windows() -> None:
    plan = campaign.plan_campaign(request(), existing=set(), now=NOW)
    assert len(plan.slots) == 2 * 3 * 3 and plan.persons == 18 * 200
    place, starts, ends = plan.slots[0]
    assert place == "示例墓园甲" and starts == datetime(2027, 4, 3, 7, 0, tzinfo=SHANGHAI)
    assert (ends - starts).total_seconds() == 90 * 60


def test_existing_windows_are_skipped_not_doubled() -> None:
    taken = {("示例墓园甲", datetime.combine(date(2027, 4, 3), time(7), SHANGHAI).timestamp())}
    plan = campaign.plan_campaign(request(), existing=taken, now=NOW)
    assert len(plan.slots) == 17 and plan.existing == 1


@pytest.mark.parametrize(("over", "field"), [
    ({"opens_at": datetime(2027, 4, 3, 8, 0, tzinfo=SHANGHAI)}, "opens_at"),
    ({"days": (date(2027, 2, 1),)}, "days"),
    ({"capacity": 0}, "capacity"),
])
def test_refusals_name_the_field(over: dict[str, object], field: str) -> None:
    with pytest.raises(BookingError) as err:
        campaign.plan_campaign(request(**over), existing=set(), now=NOW)
    assert err.value.field == field and err.value.params["detail"]


@pytest.mark.parametrize(("text", "parse"), [
    ("", campaign.parse_days), ("2027-13-01", campaign.parse_days),
    (", ".join(f"2027-04-{d:02d}" for d in range(1, 12)), campaign.parse_days),
    ("\n \n", campaign.parse_places), ("墓" * 51, campaign.parse_places),
    ("", campaign.parse_name),
])
def test_bad_forms_are_refused_in_chinese(text: str, parse: object) -> None:
    with pytest.raises(BookingError) as err:
        parse(text)  # type: ignore[operator]
    assert err.value.code == "invalid_input" and err.value.params["detail"]


async def test_opening_twice_opens_once_and_is_audited(app: object) -> None:
    first = await campaign.open_campaign(request(), actor="registrar1", now=NOW)
    again = await campaign.open_campaign(request(), actor="registrar1", now=NOW)
    assert len(first.slots) == 18 and len(again.slots) == 0 and again.existing == 18
    slots = await Slot.filter(service="tomb_sweeping")
    assert len(slots) == 18
    assert {s.place for s in slots} == {"示例墓园甲", "示例骨灰堂乙"}
    assert {s.title for s in slots} == {"2027年清明"} and {s.capacity for s in slots} == {200}
    assert all(s.opens_at == datetime(2027, 3, 20, 0, 0, tzinfo=UTC) for s in slots)
    rows = await AuditLog.filter(action="tomb.campaign_open")
    assert len(rows) == 2 and rows[0].after["opened"] == 18 and rows[0].target == "2027年清明"
    fill = await campaign.fill("2027年清明")
    assert fill is not None and fill.totals() == (0, 3600)
    assert fill.days == [date(2027, 4, 3), date(2027, 4, 4), date(2027, 4, 5)]
    assert fill.windows == ["07:00-08:30", "08:30-10:00", "10:00-11:30"]
    assert [c[0] for c in await campaign.campaigns()] == ["2027年清明"]


async def test_the_status_residents_hear_follows_the_campaign(app: object) -> None:
    assert await campaign.status_text(NOW) is None  # nothing coming: the entry stands alone
    await campaign.open_campaign(request(capacity=1), actor="registrar1", now=NOW)
    before = await campaign.status_text(NOW)
    assert before == ("【2027年清明】高峰日：4月3日、4月4日、4月5日。"
                      "3月20日08:00起可在“宝山民政”小程序预约。")
    opened = datetime(2027, 3, 21, 1, 0, tzinfo=UTC)
    assert "正在预约" in (await campaign.status_text(opened) or "")
    await Slot.filter(starts_at__lt=datetime(2027, 4, 3, 16, 0, tzinfo=UTC)).update(booked=1)
    partly = await campaign.status_text(opened) or ""
    assert "正在预约" in partly and "其中4月3日已约满" in partly
    await Slot.all().update(booked=1)
    assert "各时段已约满" in (await campaign.status_text(opened) or "")
