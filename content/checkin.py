"""Console: check-in at the counter by typed booking code or scanned QR payload.

The scan button is progressive enhancement (static/checkin.js with the BarcodeDetector API): it
fills the same text box and submits the same form, so typing the code always works.
"""

from __future__ import annotations

from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.bookings_common import console_error, service_names
from content.counter_common import audit_view, identity
from content.pages import page, posted, say
from core.booking import BookingError
from core.booking.commands import CheckIn
from core.booking.export import local_date, local_moment, local_span
from core.booking.usecases import bookings
from core.models import Booking

_MAX_INPUT = 300


async def _details(request: Request, booking: Booking) -> dict[str, Any]:
    """What the counter shows of the booking: full names and the last four ID digits for the
    roles that check identities (content.counter_common), audited as one view."""
    slot = booking.slot
    names = await service_names()
    who = identity(request, booking)
    await audit_view(request, "签到", [{"id": booking.id}])
    return {"code": booking.code, "names": who.names, "id_last4": who.id_last4, "id": booking.id,
            "service_name": names.get(booking.service, booking.service),
            "day": local_date(slot.starts_at), "time": local_span(slot.starts_at, slot.ends_at),
            "party_size": booking.party_size, "checked_in_at": local_moment(booking.checked_in_at),
            "slot_id": slot.id}


@bp.get("/console/checkin")
@openapi.exclude()
@staff_required("registrar")
async def checkin_page(request: Request) -> HTTPResponse:
    return page("checkin.html", staff=request.ctx.staff)


@bp.post("/console/checkin")
@openapi.exclude()
@staff_required("registrar")
async def checkin_submit(request: Request) -> HTTPResponse:
    who = request.ctx.staff
    cmd = CheckIn(actor=who.username, text=(posted(request).get("code") or "")[:_MAX_INPUT])
    try:
        booking = await bookings(request).check_in(cmd)
    except BookingError as exc:
        # The counter's wording differs from the slot page's for some codes ("checkin.<code>").
        status, message = console_error(exc, "checkin")
        found = exc.extra.get("booking")
        details = await _details(request, found) if isinstance(found, Booking) else None
        return page("checkin.html", status, staff=who, error=message, details=details)
    return page("checkin.html", staff=who, success=say("done.checkin_done"),
                details=await _details(request, booking))


# Imported for the routes they register on bp (content.bookings imports this module).
from content import counter, day  # noqa: E402, F401
