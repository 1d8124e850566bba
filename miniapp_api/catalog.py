"""Services and their open slots."""

from __future__ import annotations

from datetime import UTC, date

from sanic import Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from core import tz
from core.booking.reads import load_rules
from core.context import app_context
from core.models import Slot
from miniapp_api.blueprint import bp
from miniapp_api.common import api_error, now
from miniapp_api.schemas import ServiceOut, ServicesOut, SlotsOut, content, errors
from miniapp_api.views import slot_view


@bp.get("/services")
@openapi.summary("可预约的服务及其规则")
@openapi.response(200, content(ServicesOut), "服务列表")
@errors("rate_limited")
async def services(request: Request) -> HTTPResponse:
    rules = await load_rules(app_context(request).booking_reads)
    out = ServicesOut(services=[ServiceOut(**r.public()) for r in rules.values()])
    return json(out.body(), ensure_ascii=False)


@bp.get("/slots")
@openapi.summary("某项服务某天的时段与余量")
@openapi.parameter("service", str, "query", required=True)
@openapi.parameter("date", str, "query", description="YYYY-MM-DD（上海时间）")
@openapi.response(200, content(SlotsOut), "时段列表")
@errors("invalid_input", "rate_limited")
async def slots(request: Request) -> HTTPResponse:
    service = request.args.get("service", "")
    if service not in await load_rules(app_context(request).booking_reads):
        raise api_error("invalid_input", field="service", detail="请选择有效的预约服务")
    query = Slot.filter(service=service, closed_at__isnull=True)  # staff-closed slots are gone
    raw_day = request.args.get("date")
    if raw_day:
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            raise api_error("invalid_input", field="date", detail="日期格式应为 YYYY-MM-DD") from None
        # As UTC: SQLite compares the stored UTC text, and a +08:00 bound would put slots before
        # 08:00 local time on the previous day's list.
        start, end = tz.day_bounds(day)
        query = query.filter(starts_at__gte=start, starts_at__lt=end)
    else:
        query = query.filter(starts_at__gte=now(request).astimezone(UTC))
    rows = await query.order_by("starts_at", "id").limit(500)
    return json(SlotsOut(slots=[slot_view(s) for s in rows]).body(), ensure_ascii=False)
