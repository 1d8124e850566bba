"""Console pages for the 上海慈善周 charity-week campaigns (the public side is in content/public.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from content.blueprint import bp, staff_required, status_for
from content.campaigns import campaign_events, find_campaign
from content.markdown import render
from content.messages import NOTICE_STATE_NAMES
from content.notice_form import local_text
from content.pages import done_redirect, flash, page, posted, say
from core import request_ctx
from core.charity import CharityError, SaveCampaign, save_campaign
from core.models import CharityCampaign, Notice
from core.notices import effective_state

TITLE_MAX = 120
INTRO_MAX = 20_000


@dataclass
class CampaignForm:
    title: str = ""
    starts_on: str = ""  # YYYY-MM-DD, as a date input sends it
    ends_on: str = ""
    intro: str = ""
    published: bool = False

    @classmethod
    def from_campaign(cls, c: CharityCampaign) -> CampaignForm:
        return cls(c.title, c.starts_on.isoformat(), c.ends_on.isoformat(), c.intro, c.published)

    @classmethod
    def from_request(cls, request: Request) -> CampaignForm:
        form = posted(request)

        def text(name: str) -> str:
            return (form.get(name) or "").replace("\r\n", "\n").replace("\x00", "").strip()

        return cls(text("title"), text("starts_on"), text("ends_on"), text("intro"),
                   form.get("published") == "1")

    def check(self) -> tuple[list[str], date | None, date | None]:
        """(Chinese errors, starts_on, ends_on): every field is checked, nothing raised."""
        errors: list[str] = []
        if not self.title:
            errors.append(say("charity_title_required"))
        elif len(self.title) > TITLE_MAX:
            errors.append(say("charity_title_too_long"))
        starts, ends = _date(self.starts_on), _date(self.ends_on)
        if starts is None:
            errors.append(say("charity_starts_bad"))
        if ends is None:
            errors.append(say("charity_ends_bad"))
        if starts and ends and ends < starts:
            errors.append(say("charity_date_order"))
        if len(self.intro) > INTRO_MAX:
            errors.append(say("charity_intro_too_long"))
        return errors, starts, ends


def _date(text: str) -> date | None:
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        return None
    # A sane window: the campaign's days are turned into UTC moments, which year 1 cannot be.
    return parsed if 2000 <= parsed.year <= 2100 else None


@bp.get("/console/charity")
@openapi.exclude()
@staff_required("editor")
async def charity_list(request: Request) -> HTTPResponse:
    campaigns = await CharityCampaign.all().order_by("-starts_on", "-id")
    counts: dict[int, int] = {}
    # flat=True gives one value per row; Tortoise types every values_list as rows of tuples.
    campaign_ids = cast(list[int], await Notice.filter(campaign_id__isnull=False)
                        .values_list("campaign_id", flat=True))
    for campaign_id in campaign_ids:
        counts[campaign_id] = counts.get(campaign_id, 0) + 1
    return page("charity_list.html", staff=request.ctx.staff, done=flash(request), campaigns=campaigns,
                counts=counts)


async def _editor(request: Request, campaign: CharityCampaign | None, form: CampaignForm, *,
                  status: int = 200, errors: list[str] | None = None,
                  preview: str | None = None) -> HTTPResponse:
    context: dict[str, Any] = {"campaign": campaign, "form": form, "errors": errors or [],
                               "preview": preview, "events": [], "notices": []}
    if campaign is not None:
        now = request_ctx.now(request)
        context["events"] = await campaign_events(campaign)
        for event in context["events"]:
            event["when"] = local_text(datetime.fromisoformat(event["starts_at"]))
        rows = await (Notice.filter(campaign_id=campaign.id).only("id", "title", "status", "publish_at")
                      .order_by("-created_at", "-id"))
        context["notices"] = [{"id": n.id, "title": n.title,
                               "state": NOTICE_STATE_NAMES[effective_state(n.status, n.publish_at, now)]}
                              for n in rows]
    return page("charity_edit.html", status, staff=request.ctx.staff, done=flash(request), **context)


@bp.get("/console/charity/new")
@openapi.exclude()
@staff_required("editor")
async def charity_new(request: Request) -> HTTPResponse:
    return await _editor(request, None, CampaignForm())


@bp.post("/console/charity/new")
@openapi.exclude()
@staff_required("editor")
async def charity_create(request: Request) -> HTTPResponse:
    return await _submit(request, None)


@bp.get("/console/charity/<campaign_id:int>")
@openapi.exclude()
@staff_required("editor")
async def charity_edit(request: Request, campaign_id: int) -> HTTPResponse:
    campaign = await find_campaign(campaign_id)
    if campaign is None:
        raise CharityError("charity_not_found")
    return await _editor(request, campaign, CampaignForm.from_campaign(campaign))


@bp.post("/console/charity/<campaign_id:int>")
@openapi.exclude()
@staff_required("editor")
async def charity_update(request: Request, campaign_id: int) -> HTTPResponse:
    campaign = await find_campaign(campaign_id)
    if campaign is None:
        raise CharityError("charity_not_found")
    return await _submit(request, campaign)


async def _submit(request: Request, campaign: CharityCampaign | None) -> HTTPResponse:
    form = CampaignForm.from_request(request)
    errors, starts, ends = form.check()
    intro_html = render(form.intro) if len(form.intro) <= INTRO_MAX else ""
    action = posted(request).get("action") or "save"
    if action == "preview" or errors or starts is None or ends is None:
        return await _editor(request, campaign, form, status=422 if errors else 200, errors=errors,
                             preview=intro_html if action == "preview" else None)
    cmd = SaveCampaign(form.title, starts, ends, form.intro, intro_html, form.published)
    try:
        saved = await save_campaign(request.ctx.staff, campaign.id if campaign else None, cmd)
    except CharityError as exc:
        return await _editor(request, campaign, form, status=status_for(exc.code),
                             errors=[say(exc.code, exc.params)])
    return done_redirect(f"/console/charity/{saved.id}", "charity_saved")
