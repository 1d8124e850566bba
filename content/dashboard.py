"""Console: the dashboard at /console/ (bookings, messages and unanswered questions at a glance).

Every query is bounded by a date window and, where Tortoise can express it, aggregated in SQL.
Bookings per day are the exception: "day" means a Shanghai calendar day, which neither database
computes the same way, so the window's (service, created_at) pairs are grouped here instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup
from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi
from tortoise.functions import Sum

import content.charts as charts
import content.dashboard_today as dashboard_today
import content.kb_unanswered as kb_unanswered
from content.blueprint import bp, staff_required
from content.pages import flash, page
from core import request_ctx, stats, tz, urgent
from core.booking.rules import DEFAULT_RULES
from core.models import Booking, Slot

DAYS = 14
UPCOMING_DAYS = 30
TOP_UNANSWERED = 10
MESSAGE_SERIES = (("wechat.answered", "公众号·已回答"), ("wechat.unanswered", "公众号·未回答"),
                  ("api.answered", "接口·已回答"), ("api.unanswered", "接口·未回答"))
CHANNELS = ("wechat", "api")
OUTCOMES = (("answered", "合计·已回答"), ("unanswered", "合计·未回答"))


@dataclass
class Table:
    """A chart's figures for the page's accessible table: a header row and data rows."""

    head: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def by_day(first: str, labels: Sequence[str], series: Sequence[charts.Series]) -> Table:
    """One row per series, one column per day: 14 days fit across the page, not down it."""
    return Table([first, *labels, "合计"], [[s.name, *s.values, sum(s.values)] for s in series])


def window(today: date, days: int = DAYS) -> list[date]:
    return [today - timedelta(days=days - 1 - i) for i in range(days)]


def day_label(day: date) -> str:
    return f"{day.month:02d}-{day.day:02d}"


def service_name(code: str) -> str:
    rule = DEFAULT_RULES.get(code)
    return rule.name if rule else code


async def bookings_per_day(days: Sequence[date]) -> dict[str, list[int]]:
    """``{service: [bookings made on each day]}`` (by the Shanghai day they were made)."""
    start = tz.day_bounds(days[0])[0]
    index = {d: i for i, d in enumerate(days)}
    per: dict[str, list[int]] = {code: [0] * len(days) for code in DEFAULT_RULES}
    for service, created in await Booking.filter(created_at__gte=start).values_list(
            "service", "created_at"):
        i = index.get(tz.local_day(created))
        if i is not None:
            per.setdefault(str(service), [0] * len(days))[i] += 1
    return per


async def fill_rates(now: datetime) -> dict[str, tuple[int, int]]:
    """``{service: (booked, capacity)}`` over open slots starting in the next 30 days."""
    rows = await Slot.filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=UPCOMING_DAYS),
                             closed_at__isnull=True) \
        .annotate(cap=Sum("capacity"), taken=Sum("booked")).group_by("service") \
        .values("service", "cap", "taken")
    return {str(r["service"]): (int(r["taken"] or 0), int(r["cap"] or 0)) for r in rows}


def _percent(booked: int, capacity: int) -> float:
    return round(100 * booked / capacity, 1) if capacity else 0.0


async def dashboard_context(now: datetime) -> dict[str, Any]:
    days = window(tz.local_day(now))
    labels = [day_label(d) for d in days]

    per = await bookings_per_day(days)
    booking_series = [charts.Series(service_name(c), v) for c, v in per.items()]
    booking_table = by_day("服务", labels, booking_series)

    fills = await fill_rates(now)
    codes = [c for c in DEFAULT_RULES if c in fills] + [c for c in fills if c not in DEFAULT_RULES]
    fill_chart: Markup | None = None
    if codes:
        fill_chart = charts.bar_chart(
            [service_name(c) for c in codes],
            [charts.Series("已约满比例", [_percent(*fills[c]) for c in codes])],
            title=f"未来{UPCOMING_DAYS}天号源预约率", unit="%", max_value=100)
    fill_table = Table(["服务", "已预约", "名额", "预约率"],
                       [[service_name(c), fills[c][0], fills[c][1], f"{_percent(*fills[c])}%"]
                        for c in codes])

    counted = await stats.counts([m for m, _ in MESSAGE_SERIES], days[0], days[-1])
    message_series = [charts.Series(name, [counted[m][d] for d in days]) for m, name in MESSAGE_SERIES]
    # The chart and the tiles read the same sums: every channel (the official account and the
    # search API), so a chart can no longer lie flat under tiles that count the API too.
    outcome_series = [charts.Series(name, [sum(counted[f"{channel}.{outcome}"][d]
                                               for channel in CHANNELS) for d in days])
                      for outcome, name in OUTCOMES]
    message_table = by_day("渠道与结果", labels, [*message_series, *outcome_series])

    top = await kb_unanswered.groups(kb_unanswered.recent(now), limit=TOP_UNANSWERED)
    return {
        "urgent_open": await urgent.open_count(),
        "booking_chart": charts.bar_chart(labels, booking_series,
                                          title=f"近{DAYS}天每日新增预约（按服务）"),
        "booking_table": booking_table,
        "fill_chart": fill_chart, "fill_table": fill_table,
        "message_chart": charts.bar_chart(labels, outcome_series,
                                          title=f"近{DAYS}天机器人提问（公众号与接口）：已回答与未回答"),
        "message_table": message_table,
        "top_unanswered": top, "when": kb_unanswered.when,
        "totals": {"bookings": sum(sum(v) for v in per.values()),
                   "answered": sum(outcome_series[0].values),
                   "unanswered": sum(outcome_series[1].values)},
    }


@bp.get("/console/")
@openapi.exclude()
@staff_required()
async def home(request: Request) -> HTTPResponse:
    now = request_ctx.now(request)
    context = await dashboard_context(now)
    staff = request.ctx.staff
    # The counter's day first: what a registrar sees right after signing in.
    day = await dashboard_today.today(now) if staff.role in dashboard_today.COUNTER_ROLES else None
    return page("dashboard.html", staff=staff, done=flash(request), today=day, **context)
