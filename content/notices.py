"""Console: notices (Markdown editor, preview, cover image, draft → scheduled → published → archived)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sanic import Request
from sanic.request import RequestParameters
from sanic.response import HTTPResponse, raw
from sanic_ext import openapi
from tortoise.expressions import Q

from content.auth import session_staff
from content.blueprint import SESSION_COOKIE, bp, staff_required, status_for
from content.messages import NOTICE_STATE_NAMES
from content.notice_form import NoticeForm, check, local_text, preview_cover
from content.pages import done_redirect, flash, page, say
from core import limits, request_ctx
from core.models import CharityCampaign, Notice
from core.notices import (
    ALLOWED,
    MAX_ID,
    NoticeRuleError,
    effective_state,
    is_public,
    save_notice,
    transition,
)

PER_PAGE = 50
_LIST_FIELDS = ("id", "title", "status", "publish_at", "cover_type", "campaign_id", "created_at",
                "updated_at")
# The confirmation shown after each action.
_DONE = {"save": "notice_saved", "draft": "notice_drafted", "schedule": "notice_scheduled",
         "publish": "notice_published", "archive": "notice_archived"}


def _state_filter(state: str, now: datetime) -> Q | None:
    """The list filters by what residents see, so a scheduled notice past its time is "published"."""
    if state == "published":
        return is_public(now)
    if state == "scheduled":
        return Q(status="scheduled") & Q(publish_at__gt=now)
    if state in ("draft", "archived"):
        return Q(status=state)
    return None


@bp.get("/console/notices")
@openapi.exclude()
@staff_required("editor")
async def notice_list(request: Request) -> HTTPResponse:
    now = request_ctx.now(request)
    state = request.args.get("state") or ""
    raw_page = request.args.get("page") or "1"
    number = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 10_000 else 1
    query = Notice.all()
    wanted = _state_filter(state, now)
    if wanted is not None:
        query = query.filter(wanted)
    else:
        state = ""
    rows = await (query.only(*_LIST_FIELDS).order_by("-created_at", "-id")
                  .offset((number - 1) * PER_PAGE).limit(PER_PAGE + 1))
    campaigns = dict(await CharityCampaign.all().values_list("id", "title"))
    notices = [{"id": n.id, "title": n.title,
                "state": effective_state(n.status, n.publish_at, now),
                "publish_at": local_text(n.publish_at), "updated_at": local_text(n.updated_at),
                "cover": bool(n.cover_type),
                "campaign": campaigns.get(n.campaign_id, "")}
               for n in rows[:PER_PAGE]]
    return page("notices_list.html", staff=request.ctx.staff, done=flash(request), notices=notices,
                state=state, states=NOTICE_STATE_NAMES, page_number=number,
                has_next=len(rows) > PER_PAGE)


async def _editor(request: Request, notice: Notice | None, form: NoticeForm, *, status: int = 200,
                  errors: list[str] | None = None, preview: str | None = None,
                  modified: str | None = None) -> HTTPResponse:
    """``modified`` is the version the form was loaded from, carried through re-shown forms so a
    save after someone else's still counts as a conflict."""
    now = request_ctx.now(request)
    current = effective_state(notice.status, notice.publish_at, now) if notice else "draft"
    context: dict[str, Any] = {
        "notice": notice, "form": form, "errors": errors or [], "preview": preview,
        "state": current, "state_name": NOTICE_STATE_NAMES[current], "allowed": ALLOWED[current],
        "is_new": notice is None,
        "modified": modified if modified is not None else (notice.updated_at.isoformat() if notice else ""),
        "publish_at": local_text(notice.publish_at) if notice else "",
        "has_cover": bool(notice and notice.cover_type),
        "cover_version": int(notice.updated_at.timestamp()) if notice else 0,
        "campaigns": await CharityCampaign.all().order_by("-starts_on", "-id").values("id", "title"),
    }
    cover = preview_cover(form, notice.id if notice else None, context["has_cover"]) \
        if preview is not None else ""
    if cover and not cover.startswith("data:"):
        cover += f"?v={context['cover_version']}"
    response = page("notices_edit.html", status, staff=request.ctx.staff, done=flash(request),
                    preview_cover=cover, **context)
    if cover.startswith("data:"):
        # The unsaved cover is shown inline; images only, everything else stays 'self'.
        response.headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:"
    return response


async def _find(notice_id: int) -> Notice | None:
    return await Notice.get_or_none(id=notice_id) if 0 < notice_id <= MAX_ID else None


@bp.get("/console/notices/new")
@openapi.exclude()
@staff_required("editor")
async def notice_new(request: Request) -> HTTPResponse:
    return await _editor(request, None, NoticeForm(campaign_id=request.args.get("campaign") or ""))


async def _signed_in(request: Request) -> bool:
    """Only a signed-in editor may send a cover-sized body (core.limits): anyone else's is refused
    before it is read. Roles and CSRF are checked as usual once the form has arrived."""
    staff = await session_staff(request.cookies.get(SESSION_COOKIE), request_ctx.now(request))
    return staff is not None and staff.role in ("editor", "admin")


# A cover image (≤ 2 MB, or re-posted base64 after a form error) rides along with the form:
# these two routes take bodies up to core.limits.UPLOAD, from a signed-in editor only.
@bp.post("/console/notices/new", ctx_body_limit=limits.UPLOAD, ctx_body_gate=_signed_in)
@openapi.exclude()
@staff_required("editor")
async def notice_create(request: Request) -> HTTPResponse:
    return await _submit(request, None)


@bp.get("/console/notices/<notice_id:int>")
@openapi.exclude()
@staff_required("editor")
async def notice_edit(request: Request, notice_id: int) -> HTTPResponse:
    notice = await _find(notice_id)
    if notice is None:
        raise NoticeRuleError("notice_not_found")
    return await _editor(request, notice, NoticeForm.from_notice(notice))


@bp.post("/console/notices/<notice_id:int>", ctx_body_limit=limits.UPLOAD,
         ctx_body_gate=_signed_in)
@openapi.exclude()
@staff_required("editor")
async def notice_update(request: Request, notice_id: int) -> HTTPResponse:
    notice = await _find(notice_id)
    if notice is None:
        raise NoticeRuleError("notice_not_found")
    return await _submit(request, notice)


@bp.get("/console/notices/<notice_id:int>/cover")
@openapi.exclude()
@staff_required("editor")
async def notice_cover_preview(request: Request, notice_id: int) -> HTTPResponse:
    """The cover as staff see it in the editor, whatever the notice's state."""
    notice = await _find(notice_id)
    if notice is None or not notice.cover or not notice.cover_type:
        raise NoticeRuleError("notice_not_found")
    return raw(bytes(notice.cover), content_type=notice.cover_type,
               headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"})


def _expected(modified: str) -> datetime | None:
    try:
        return datetime.fromisoformat(modified) if modified else None
    except ValueError:
        return None


async def _submit(request: Request, notice: Notice | None) -> HTTPResponse:
    form = NoticeForm.from_request(request)
    posted = request.form or RequestParameters()  # None when the body was not a form
    action = posted.get("action") or "save"
    modified = posted.get("modified") or ""
    checked = await check(request, form, action)
    if action == "preview":
        return await _editor(request, notice, form, status=422 if checked.errors else 200,
                             errors=checked.errors, preview=checked.body_html, modified=modified)
    if checked.errors:
        return await _editor(request, notice, form, status=422, errors=checked.errors, modified=modified)
    if action == "archive" and notice is not None and posted.get("confirm") != "1":
        try:  # refused transitions show in the editor as before, not after a confirmation
            transition(notice.status, notice.publish_at, action, request_ctx.now(request))
        except NoticeRuleError as exc:
            return await _editor(request, notice, form, status=status_for(exc.code),
                                 errors=[say(exc.code, exc.params)], modified=modified)
        return _archive_confirm(request, notice, form, modified)
    try:
        saved = await save_notice(request.ctx.staff, notice.id if notice else None,
                                  checked.command(action, form, _expected(modified)),
                                  now=request_ctx.now(request))
    except NoticeRuleError as exc:
        # Refused or overtaken: the editor's input stays on the page, the reason beside it.
        return await _editor(request, notice, form, status=status_for(exc.code),
                             errors=[say(exc.code, exc.params)], modified=modified)
    return done_redirect(f"/console/notices/{saved.id}", _DONE[action])


def _archive_confirm(request: Request, notice: Notice, form: NoticeForm, modified: str) -> HTTPResponse:
    """Archiving takes the notice away from residents: confirmed on a page that re-posts the editor's
    fields (an archive also saves them), ``confirm=1`` and the CSRF token; nothing is saved yet."""
    fields = [("action", "archive"), ("modified", modified), ("title", form.title),
              ("summary", form.summary), ("body", form.body), ("publish_at", form.publish_at),
              ("campaign_id", form.campaign_id)]
    if form.remove_cover:
        fields.append(("remove_cover", "1"))
    if form.pending_cover:
        fields.append(("pending_cover", form.pending_cover))
    return page("confirm.html", staff=request.ctx.staff, title=say("confirm.notice_archive.title"),
                message=say("confirm.notice_archive", {"title": notice.title}), details=[],
                action=f"/console/notices/{notice.id}", fields=fields,
                button=say("confirm.notice_archive.button"), back=f"/console/notices/{notice.id}")
