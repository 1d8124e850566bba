"""Public content for residents, the mini-program and the bot (no login).

``GET /api/v1/notices`` is in CONTRACT.md; the notice pages are what the bot's "最新通知" news reply
links to, read on phones inside WeChat.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, html, json, raw
from sanic_ext import openapi

from content.blueprint import bp
from content.campaigns import (
    campaign_events,
    campaign_view,
    current_campaign,
    find_campaign,
    public_notices,
)
from content.markdown import sanitise
from content.pages import templates
from core import catalogue, request_ctx
from core.booking.slots import coming, places_left
from core.errors import DomainError
from core.models import CharityCampaign, Notice
from core.notices import public_notice, published_notices
from core.tz import SHANGHAI
from knowledge.render import render_text, source_line

_NOTICE = {"id": int, "title": str, "summary": str, "published_at": str, "url": str, "cover_url": str}
_EVENT = {"slot_id": int, "title": str, "starts_at": str, "ends_at": str, "capacity": int, "remaining": int}
_CAMPAIGN = {"id": int, "title": str, "starts_on": str, "ends_on": str, "intro_html": str,
             "events": [_EVENT], "notices": [{"id": int, "title": str, "url": str}]}
# Short: an archived or withdrawn notice should leave phones' caches within a minute or so.
_PAGE_CACHE = "public, max-age=60"
# The shape of an entry id (knowledge.entries validates the same): anything else is not looked up.
_ENTRY_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")
_COVER_CACHE = "public, max-age=300"


def cover_url(n: Notice, base_url: str) -> str:
    # The version makes a replaced cover a new URL, so caches never show the old picture.
    return f"{base_url}/notices/{n.id}/cover?v={int(n.updated_at.timestamp())}"


def notice_view(n: Notice, base_url: str) -> dict[str, object]:
    when = n.publish_at or n.created_at
    view: dict[str, object] = {"id": n.id, "title": n.title, "summary": n.summary,
                               "published_at": when.astimezone(SHANGHAI).isoformat(timespec="seconds"),
                               "url": f"{base_url}/notices/{n.id}"}
    if n.cover_type:
        view["cover_url"] = cover_url(n, base_url)
    return view


def public_page(name: str, status: int = 200, **context: Any) -> HTTPResponse:
    body = templates().get_template(name).render(**context)
    return html(body, status=status, headers={
        "Cache-Control": _PAGE_CACHE if status == 200 else "no-store",
        "Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff"})


def _missing(code: str) -> HTTPResponse:
    return public_page("public_missing.html", 404, message=catalogue.text("residents", code))


@bp.get("/api/v1/notices")
@openapi.summary("已发布的通知，最新的在前")
@openapi.parameter("limit", int, "query", description="最多返回几条（1-50，默认 20）")
@openapi.response(200, {"application/json": {"notices": [_NOTICE]}},
                  "cover_url 仅在通知有封面图片时出现")
@openapi.response(400, {"application/json": {"error": {"code": str, "message": str}}}, "invalid_limit")
async def list_notices(request: Request) -> HTTPResponse:
    raw_limit = request.args.get("limit") or "20"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 50:
        raise DomainError("invalid_limit", field="limit", params={"max": 50})
    notices = await published_notices(request_ctx.now(request), int(raw_limit))
    base = request.app.ctx.settings.public_base_url
    return json({"notices": [notice_view(n, base) for n in notices]}, ensure_ascii=False)


@bp.get("/notices/<notice_id:int>")
@openapi.exclude()
async def notice_page(request: Request, notice_id: int) -> HTTPResponse:
    notice = await public_notice(notice_id, request_ctx.now(request))
    if notice is None:
        return _missing("notice_public_missing")
    # What awaiting the unfetched notice.campaign runs, typed (Tortoise types the relation as the model).
    campaign = await CharityCampaign.filter(id=notice.campaign_id).first() if notice.campaign_id else None
    when = notice.publish_at or notice.created_at
    # Sanitised again on the way out: a stored rendering outlives any tightening of the rules.
    return public_page("public_notice.html", notice=notice, body=sanitise(notice.body_html),
                       published=when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                       cover=cover_url(notice, "") if notice.cover_type else "",
                       campaign=campaign if campaign and campaign.published else None)


@bp.get("/notices/<notice_id:int>/cover")
@openapi.exclude()
async def notice_cover(request: Request, notice_id: int) -> HTTPResponse:
    notice = await public_notice(notice_id, request_ctx.now(request))
    if notice is None or not notice.cover or not notice.cover_type:
        return _missing("notice_public_missing")
    return raw(bytes(notice.cover), content_type=notice.cover_type,
               headers={"X-Content-Type-Options": "nosniff", "Cache-Control": _COVER_CACHE,
                        "Content-Security-Policy": "default-src 'none'"})


async def _charity_page(request: Request, campaign: CharityCampaign | None) -> HTTPResponse:
    now = request_ctx.now(request)
    if campaign is None:
        return public_page("public_charity.html", campaign=None,
                           message=catalogue.text("residents", "charity_public_missing"))
    events = await campaign_events(campaign, detailed=True)
    for event in events:
        starts = datetime.fromisoformat(str(event["starts_at"]))
        event["when"] = f"{starts:%m月%d日 %H:%M}–{datetime.fromisoformat(str(event['ends_at'])):%H:%M}"
    return public_page("public_charity.html", campaign=campaign, intro=sanitise(campaign.intro_html),
                       events=events, notices=await public_notices(campaign, now))


@bp.get("/charity-week")
@openapi.exclude()
async def charity_page(request: Request) -> HTTPResponse:
    return await _charity_page(request, await current_campaign(request_ctx.now(request)))


@bp.get("/charity-week/<campaign_id:int>")
@openapi.exclude()
async def charity_page_by_id(request: Request, campaign_id: int) -> HTTPResponse:
    campaign = await find_campaign(campaign_id, published_only=True)
    if campaign is None:
        return _missing("charity_not_found")
    return await _charity_page(request, campaign)


@bp.get("/api/v1/charity-week")
@openapi.summary("上海慈善周：正在进行或即将开始的活动")
@openapi.description("没有已发布的进行中或未来活动时 campaign 为 null。events 是活动日期内开放的"
                     "慈善活动场次（charity_event 号源），remaining 为剩余名额；"
                     "报名用 POST /api/v1/miniapp/bookings。")
@openapi.response(200, {"application/json": {"campaign": _CAMPAIGN}}, "campaign 可能为 null")
async def charity_week(request: Request) -> HTTPResponse:
    now = request_ctx.now(request)
    campaign = await current_campaign(now)
    base = request.app.ctx.settings.public_base_url
    view = await campaign_view(campaign, now, base) if campaign else None
    return json({"campaign": view}, ensure_ascii=False)


# --- slots: the public 集体颁证 page (the charity-week page's pattern, for themed ceremonies) ---
CEREMONY_SERVICE = "collective_ceremony"
CEREMONY_LIMIT = 30
_WEEKDAYS = "一二三四五六日"


@bp.get("/ceremonies")
@openapi.exclude()
async def ceremonies_page(request: Request) -> HTTPResponse:
    """The coming collective ceremonies (a 520, 七夕 or 红色文化 day) with places left; residents
    sign up in the mini-program, as the page says. No personal data: slots only."""
    now = request_ctx.now(request)
    ceremonies = []
    for slot in await coming(CEREMONY_SERVICE, now, CEREMONY_LIMIT):
        starts, ends = slot.starts_at.astimezone(SHANGHAI), slot.ends_at.astimezone(SHANGHAI)
        ceremonies.append({
            "title": slot.title, "theme": slot.theme, "place": slot.place,
            "when": f"{starts:%Y年%m月%d日} 周{_WEEKDAYS[starts.weekday()]} {starts:%H:%M}–{ends:%H:%M}",
            "capacity": slot.capacity, "remaining": places_left(slot),
            "opens_at": f"{slot.opens_at.astimezone(SHANGHAI):%m月%d日 %H:%M}"
                        if slot.opens_at and slot.opens_at > now else ""})
    return public_page("public_ceremonies.html", ceremonies=ceremonies,
                       message=catalogue.text("residents", "ceremony_public_none"))


@bp.get("/kb/<entry_id:str>")
@openapi.exclude()
async def kb_entry_page(request: Request, entry_id: str) -> HTTPResponse:
    """The full text behind the bot's "查看全文" link: one active civil-affairs entry, read on a phone.

    Served from the same index the bot answers from, so the page says what the reply said;
    other departments' redirects and small talk are not knowledge pages.
    """
    if not _ENTRY_ID.fullmatch(entry_id):
        return _missing("kb_public_missing")
    kb = request.app.ctx.kb
    await kb.wait_ready()
    entry = kb.entry(entry_id)
    if entry is None or entry.kind != "entry" or not entry.active:
        return _missing("kb_public_missing")
    answer = render_text(entry.answer, kb.contacts)
    return public_page("public_kb.html", entry=entry, paragraphs=answer.splitlines(),
                       source=source_line(entry))
