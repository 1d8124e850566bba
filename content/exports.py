"""Console: booking lists as CSV or XLSX, per slot or per service and date range (audited)."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse, raw
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.bookings_common import console_error, day_bounds, parse_day, service_names, staff_text
from content.pages import page
from core import audit
from core.booking import BookingError
from core.booking.bulk import MAX_RANGE_DAYS
from core.booking.export import booking_row, content_disposition, local_date, to_csv, to_xlsx
from core.models import Booking, Slot
from core.tz import SHANGHAI

MAX_ROWS = 50_000
_TYPES = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _format(request: Request) -> str | None:
    fmt = (request.args.get("format") or "csv").strip().lower()
    return fmt if fmt in _TYPES else None


def _file(rows: list[list[str | int]], fmt: str, name: str, fallback: str) -> HTTPResponse:
    body = to_csv(rows) if fmt == "csv" else to_xlsx(rows)
    return raw(body, content_type=_TYPES[fmt], headers={
        "Content-Disposition": content_disposition(f"{name}.{fmt}", f"{fallback}.{fmt}"),
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _error(request: Request, status: int, message: str) -> HTTPResponse:
    return page("error.html", status, staff=request.ctx.staff, message=message)


@bp.get("/console/slots/<slot_id:int>/export")
@openapi.exclude()
@staff_required("registrar")
async def slot_export(request: Request, slot_id: int) -> HTTPResponse:
    fmt = _format(request)
    if fmt is None:
        return _error(request, 422, staff_text("booking_bad_action"))
    slot = await Slot.get_or_none(id=slot_id)
    if slot is None:
        return _error(request, 404, staff_text("slot_not_found"))
    name = (await service_names()).get(slot.service, slot.service)
    bookings = await Booking.filter(slot_id=slot_id).order_by("id").limit(MAX_ROWS)
    rows = [booking_row(b, slot, name) for b in bookings]
    await audit.record(request.ctx.staff, "booking.export", f"slot:{slot_id}",
                       after={"format": fmt, "rows": len(rows), "slot": slot_id})
    start = slot.starts_at.astimezone(SHANGHAI)
    return _file(rows, fmt, f"预约名单-{name}-{start:%Y-%m-%d-%H%M}", f"bookings-slot-{slot_id}")


@bp.get("/console/bookings/export")
@openapi.exclude()
@staff_required("registrar")
async def bookings_export(request: Request) -> HTTPResponse:
    fmt = _format(request)
    if fmt is None:
        return _error(request, 422, staff_text("booking_bad_action"))
    names = await service_names()
    service = (request.args.get("service") or "").strip()
    if service not in names:
        return _error(request, 422, staff_text("slot_export_service"))
    try:
        first, last = parse_day(request.args.get("from"), "from"), parse_day(request.args.get("to"), "to")
        if last < first or (last - first).days + 1 > MAX_RANGE_DAYS:
            raise BookingError("invalid_input", field="to",
                               detail=f"结束日期不能早于开始日期，且一次最多导出 {MAX_RANGE_DAYS} 天")
    except BookingError as exc:
        return _error(request, *console_error(exc))
    start, end = day_bounds(first, last)
    slots = {s.id: s for s in await Slot.filter(service=service, starts_at__gte=start, starts_at__lt=end)}
    bookings = await Booking.filter(slot_id__in=list(slots)).limit(MAX_ROWS) if slots else []
    bookings.sort(key=lambda b: (slots[b.slot_id].starts_at, b.slot_id, b.id))
    rows = [booking_row(b, slots[b.slot_id], names[service]) for b in bookings]
    await audit.record(request.ctx.staff, "booking.export", f"{service} {first}~{last}",
                       after={"format": fmt, "rows": len(rows), "service": service,
                              "from": first.isoformat(), "to": last.isoformat()})
    label = f"{local_date(start)}至{last.isoformat()}"
    return _file(rows, fmt, f"预约名单-{names[service]}-{label}", f"bookings-{service}-{first}-{last}")
