"""Console: 清明/冬至 tomb-sweeping campaigns — open every place's peak-day windows in one step
(preview first), watch the fill per place and window, and book by phone for residents who cannot
use the mini-program (the "green channel": recorded as booked by staff, the code read out).

The rules live in ``core.booking`` (campaign plan, the booking service the mini-program uses);
these handlers parse forms, call them and render.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from content.blueprint import bp, staff_required
from content.bookings_common import bad, console_error, parse_int, parse_moment
from content.pages import done_redirect, flash, page, posted
from core.booking import BookingError, campaign, rules
from core.booking.bulk import parse_windows
from core.booking.commands import Book
from core.booking.usecases import bookings
from core.models import MiniappUser, Slot
from core.request_ctx import now
from core.tz import SHANGHAI

# Peak-day windows as the cemeteries publish them: about 1.5 hours from 07:00 to 16:00.
DEFAULT_WINDOWS = "07:00-08:30, 08:30-10:00, 10:00-11:30, 11:30-13:00, 13:00-14:30, 14:30-16:00"
FIELDS = ("name", "days", "windows", "places", "capacity", "opens_at")
# Phone bookings belong to this account: nobody can sign in as it (not a WeChat openid shape).
GREEN_CHANNEL_OPENID = "~green-channel"


def _request(form: dict[str, str]) -> campaign.CampaignRequest:
    opens = parse_moment(form["opens_at"], "opens_at")
    if opens is None:
        raise bad("请填写开放预约的时间，例如 2027-03-20 08:00", "opens_at")
    return campaign.CampaignRequest(
        name=campaign.parse_name(form["name"]), days=campaign.parse_days(form["days"]),
        windows=parse_windows(form["windows"]), places=campaign.parse_places(form["places"]),
        capacity=parse_int(form["capacity"], "capacity", "每时段人数"), opens_at=opens)


def _form(request: Request) -> dict[str, str]:
    data = posted(request)
    return {k: (data.get(k) or "").strip() for k in FIELDS}


async def _index(request: Request, *, form: dict[str, str] | None = None, error: str = "",
                 field: str = "", plan: campaign.CampaignPlan | None = None,
                 status: int = 200) -> HTTPResponse:
    first = (now(request).astimezone(SHANGHAI) + timedelta(days=30)).date()
    defaults = {"name": "", "days": "", "windows": DEFAULT_WINDOWS, "places": "", "capacity": "200",
                "opens_at": f"{first - timedelta(days=14)}T08:00"}
    return page("tomb_campaigns.html", status, staff=request.ctx.staff, done=flash(request),
                campaigns=await campaign.campaigns(), form=form or defaults, error=error,
                field=field, plan=plan)


@bp.get("/console/tomb")
@openapi.exclude()
@staff_required("registrar")
async def tomb_index(request: Request) -> HTTPResponse:
    return await _index(request)


@bp.post("/console/tomb/open")
@openapi.exclude()
@staff_required("registrar")
async def tomb_open(request: Request) -> HTTPResponse:
    """The first POST shows the plan (what will be opened, what already exists); the preview's
    own POST (``confirm=1``) opens it and redirects, so a refresh cannot open it twice."""
    form = _form(request)
    try:
        req = _request(form)
        if posted(request).get("confirm") != "1":
            plan = await campaign.preview(req, now=now(request))
            return await _index(request, form=form, plan=plan)
        await campaign.open_campaign(req, actor=request.ctx.staff, now=now(request))
    except BookingError as exc:
        status, text = console_error(exc)
        return await _index(request, form=form, error=text, field=exc.field or "",
                            status=status)
    return done_redirect(f"/console/tomb/campaign?name={quote(req.name)}", "tomb_campaign_opened")


@bp.get("/console/tomb/campaign")
@openapi.exclude()
@staff_required("registrar")
async def tomb_campaign(request: Request) -> HTTPResponse:
    name = request.args.get("name") or ""
    fill = await campaign.fill(name)
    if fill is None:
        return page("error.html", 404, staff=request.ctx.staff, message="没有找到这个祭扫季")
    booked, capacity = fill.totals()
    opens = fill.opens_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if fill.opens_at else ""
    return page("tomb_campaign.html", staff=request.ctx.staff, done=flash(request), fill=fill,
                booked=booked, capacity=capacity, opens=opens,
                opened=bool(fill.opens_at and fill.opens_at <= now(request)))


async def _green_channel_user() -> int:
    user, _ = await MiniappUser.get_or_create(openid=GREEN_CHANNEL_OPENID)
    user_id: int = user.id
    return user_id


def _phone_body(data: Any) -> dict[str, Any]:
    companions = []
    for i in range(rules.MAX_COMPANIONS):
        name, number = (data.get(f"c{i}_name") or "").strip(), (data.get(f"c{i}_id") or "").strip()
        if name or number:
            companions.append({"name": name, "id_number": number})
    slot_id = (data.get("slot_id") or "").strip()
    return {"slot_id": int(slot_id) if slot_id.isdigit() and len(slot_id) < 12 else None,
            "name": data.get("name") or "", "id_number": data.get("id_number") or "",
            "phone": data.get("phone") or "", "companions": companions,
            "plate": (data.get("plate") or "").strip() or None}


async def _phone_page(request: Request, name: str, *, error: str = "", form: dict[str, Any] | None = None,
                      code: str = "", status: int = 200) -> HTTPResponse:
    clock = now(request)
    slots = await Slot.filter(service=rules.TOMB, title=name, closed_at__isnull=True,
                              starts_at__gt=clock).order_by("starts_at", "place")
    choices = [(s.id, f"{s.place} {s.starts_at.astimezone(SHANGHAI):%m-%d %H:%M}"
                      f"-{s.ends_at.astimezone(SHANGHAI):%H:%M}（余 {max(0, s.capacity - s.booked)} 人）")
               for s in slots]
    # A fresh Idempotency-Key per form: a double click or a refresh after the POST books once.
    key = (form or {}).get("key") or secrets.token_hex(8)
    return page("tomb_phone.html", status, staff=request.ctx.staff, campaign=name, choices=choices,
                form=form or {}, error=error, code=code, key=key,
                max_companions=rules.MAX_COMPANIONS)


@bp.route("/console/tomb/phone", methods=["GET", "POST"])
@openapi.exclude()
@staff_required("registrar")
async def tomb_phone(request: Request) -> HTTPResponse:
    """Green channel: staff book on a resident's behalf (elderly residents phone in). The booking
    goes through the same service as the mini-program (capacity, one per person per day), is
    recorded as staff's (audit), and the page shows the code to read out."""
    name = request.args.get("name") or ""
    if request.method == "GET":
        return await _phone_page(request, name)
    data = posted(request)
    body = _phone_body(data)
    shown = {k: v for k, v in data.items() if k != "csrf"}
    form = {k: (v[0] if isinstance(v, list) and v else v) for k, v in shown.items()}
    try:
        cmd = Book.from_body(body, user_id=await _green_channel_user(),
                             key=(data.get("key") or "")[:64] or None,
                             actor=request.ctx.staff.username)
        booking, _ = await bookings(request).book(cmd)
    except BookingError as exc:
        status, text = console_error(exc)
        return await _phone_page(request, name, error=text, form=form, status=status)
    return await _phone_page(request, name, code=booking.code)
