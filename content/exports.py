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
from core.booking.export import (
    HEADER,
    UNMASKED_HEADER,
    booking_row,
    content_disposition,
    local_date,
    to_csv,
    to_xlsx,
)
from core.booking.identity import export_identity
from core.context import app_context
from core.models import Booking, Slot
from core.tz import SHANGHAI

MAX_ROWS = 50_000
_TYPES = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _format(request: Request) -> str | None:
    fmt = (request.args.get("format") or "csv").strip().lower()
    return fmt if fmt in _TYPES else None


def _file(rows: list[list[str | int]], fmt: str, name: str, fallback: str,
          unmasked: bool = False) -> HTTPResponse:
    header = UNMASKED_HEADER if unmasked else HEADER
    body = to_csv(rows, header) if fmt == "csv" else to_xlsx(rows, header=header)
    return raw(body, content_type=_TYPES[fmt], headers={
        "Content-Disposition": content_disposition(f"{name}.{fmt}", f"{fallback}.{fmt}"),
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _error(request: Request, status: int, message: str) -> HTTPResponse:
    return page("error.html", status, staff=request.ctx.staff, message=message)


def _unmasked(request: Request) -> bool | None:
    """Whether the admin ticked 导出完整姓名与手机号; None when someone else asked for it."""
    if request.args.get("unmasked") != "1":
        return False
    return True if request.ctx.staff.role == "admin" else None


def _rows(request: Request, bookings: list[Booking], slots: dict[int, Slot], names: dict[str, str],
          unmasked: bool) -> list[list[str | int]]:
    cipher = app_context(request).cipher
    return [booking_row(b, slots[b.slot_id], names.get(b.service, b.service),
                        export_identity(cipher, b) if unmasked else None) for b in bookings]


@bp.get("/console/slots/<slot_id:int>/export")
@openapi.exclude()
@staff_required("registrar")
async def slot_export(request: Request, slot_id: int) -> HTTPResponse:
    fmt, unmasked = _format(request), _unmasked(request)
    if fmt is None:
        return _error(request, 422, staff_text("booking_bad_action"))
    if unmasked is None:
        return _error(request, 403, staff_text("export_unmasked_admin"))
    slot = await Slot.get_or_none(id=slot_id)
    if slot is None:
        return _error(request, 404, staff_text("slot_not_found"))
    names = await service_names()
    name = names.get(slot.service, slot.service)
    bookings = await Booking.filter(slot_id=slot_id).order_by("id").limit(MAX_ROWS)
    rows = _rows(request, bookings, {slot.id: slot}, names, unmasked)
    await audit.record(request.ctx.staff, "booking.export", f"slot:{slot_id}",
                       after={"format": fmt, "rows": len(rows), "slot": slot_id,
                              "unmasked": unmasked})
    start = slot.starts_at.astimezone(SHANGHAI)
    return _file(rows, fmt, f"预约名单-{name}-{start:%Y-%m-%d-%H%M}", f"bookings-slot-{slot_id}",
                 unmasked)


@bp.get("/console/bookings/export")
@openapi.exclude()
@staff_required("registrar")
async def bookings_export(request: Request) -> HTTPResponse:
    fmt, unmasked = _format(request), _unmasked(request)
    if fmt is None:
        return _error(request, 422, staff_text("booking_bad_action"))
    if unmasked is None:
        return _error(request, 403, staff_text("export_unmasked_admin"))
    names = await service_names()
    # "" (全部服务): every service's bookings of the range in one file.
    service = (request.args.get("service") or "").strip()
    if service and service not in names:
        return _error(request, 422, staff_text("slot_export_service"))
    try:
        first, last = parse_day(request.args.get("from"), "from"), parse_day(request.args.get("to"), "to")
        if last < first or (last - first).days + 1 > MAX_RANGE_DAYS:
            raise BookingError("invalid_input", field="to",
                               detail=f"结束日期不能早于开始日期，且一次最多导出 {MAX_RANGE_DAYS} 天")
    except BookingError as exc:
        return _error(request, *console_error(exc))
    start, end = day_bounds(first, last)
    query = Slot.filter(starts_at__gte=start, starts_at__lt=end)
    slots = {s.id: s for s in await (query.filter(service=service) if service else query)}
    bookings = await Booking.filter(slot_id__in=list(slots)).limit(MAX_ROWS) if slots else []
    bookings.sort(key=lambda b: (slots[b.slot_id].starts_at, b.slot_id, b.id))
    rows = _rows(request, bookings, slots, names, unmasked)
    label = service or "全部服务"
    await audit.record(request.ctx.staff, "booking.export", f"{label} {first}~{last}",
                       after={"format": fmt, "rows": len(rows), "service": label,
                              "from": first.isoformat(), "to": last.isoformat(),
                              "unmasked": unmasked})
    span = f"{local_date(start)}至{last.isoformat()}"
    title = names[service] if service else "全部服务"
    return _file(rows, fmt, f"预约名单-{title}-{span}", f"bookings-{service or 'all'}-{first}-{last}",
                 unmasked)
