"""Console pages for the 社会组织 guides: staff (editor, admin) edit a guide's text, its steps
(materials, order) and publishing, and attach a 网办小视频 to a step — an uploaded MP4 or an
https link. Every change goes through core.guides / core.guide_video (transaction + audit row);
their refusals reach the console's one error page.
"""

from __future__ import annotations

from datetime import date

from sanic import Request
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi

from content.auth import session_staff
from content.blueprint import SESSION_COOKIE, bp, staff_required
from content.guides_public import send_video
from content.pages import done_redirect, flash, page, posted, say
from core import guide_video, guides, limits, request_ctx
from core.guides import GuideError, SaveGuide, SaveStep
from core.models import GuideStep


def _text(request: Request, name: str) -> str:
    return (posted(request).get(name) or "").replace("\r\n", "\n").replace("\x00", "").strip()


def _lines(request: Request, name: str) -> tuple[str, ...]:
    """One item a line (materials) — commas and 、 also separate keywords."""
    text = _text(request, name)
    if name == "keywords":
        for sep in ("，", ",", "、"):
            text = text.replace(sep, "\n")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _url(guide_id: str) -> str:
    return f"/console/guides/{guide_id}"


def _done(guide_id: str, code: str, step_id: int) -> HTTPResponse:
    """Back to the step just changed, with the confirmation (the query before the fragment)."""
    return redirect(f"{_url(guide_id)}?done={code}#step-{step_id}")


def _step_id(raw: int) -> int:
    if not 0 < raw <= guides.MAX_STEP_ID:
        raise GuideError("guide_step_not_found")
    return raw


@bp.get("/console/guides")
@openapi.exclude()
@staff_required("editor")
async def guide_list(request: Request) -> HTTPResponse:
    rows = await guides.all_guides()
    counts = {g.id: await GuideStep.filter(guide_id=g.id).count() for g in rows}
    return page("guides_list.html", staff=request.ctx.staff, done=flash(request), guides=rows,
                counts=counts)


@bp.get("/console/guides/<guide_id:str>")
@openapi.exclude()
@staff_required("editor")
async def guide_edit(request: Request, guide_id: str) -> HTTPResponse:
    view = await guides.get_guide(guide_id, published_only=False)
    if view is None:
        raise GuideError("guide_not_found")
    return page("guides_edit.html", staff=request.ctx.staff, done=flash(request), guide=view,
                max_mb=guide_video.VIDEO_MAX_BYTES // (1024 * 1024))


@bp.post("/console/guides/<guide_id:str>")
@openapi.exclude()
@staff_required("editor")
async def guide_save(request: Request, guide_id: str) -> HTTPResponse:
    raw_date = _text(request, "reviewed_on")
    try:
        reviewed = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        raise GuideError("guide_bad_date", field="reviewed_on") from None
    cmd = SaveGuide(_text(request, "title"), _text(request, "summary"), _lines(request, "keywords"),
                    _text(request, "sources"), reviewed)
    await guides.save_guide(request.ctx.staff, guide_id, cmd)
    return done_redirect(_url(guide_id), "guide_saved")


@bp.post("/console/guides/<guide_id:str>/publish")
@openapi.exclude()
@staff_required("editor")
async def guide_publish(request: Request, guide_id: str) -> HTTPResponse:
    publish = posted(request).get("action") == "publish"
    await guides.set_published(request.ctx.staff, guide_id, publish)
    return done_redirect(_url(guide_id), "guide_published" if publish else "guide_unpublished")


def _step_cmd(request: Request) -> SaveStep:
    return SaveStep(_text(request, "title"), _text(request, "detail"),
                    _lines(request, "materials"), _lines(request, "keywords"))


@bp.post("/console/guides/<guide_id:str>/steps/new")
@openapi.exclude()
@staff_required("editor")
async def step_create(request: Request, guide_id: str) -> HTTPResponse:
    saved = await guides.save_step(request.ctx.staff, guide_id, None, _step_cmd(request))
    return _done(guide_id, "guide_step_saved", saved.id)


@bp.post("/console/guides/<guide_id:str>/steps/<step_id:int>")
@openapi.exclude()
@staff_required("editor")
async def step_change(request: Request, guide_id: str, step_id: int) -> HTTPResponse:
    step_id, actor = _step_id(step_id), request.ctx.staff
    action = posted(request).get("action") or "save"
    if action in ("up", "down"):
        await guides.move_step(actor, guide_id, step_id, -1 if action == "up" else 1)
        return _done(guide_id, "guide_step_saved", step_id)
    if action == "delete":
        if posted(request).get("confirm") != "1":
            return await _delete_confirm(request, guide_id, step_id)
        video = await guides.delete_step(actor, guide_id, step_id)
        await guide_video.delete_file(request.app.ctx.settings.var_dir, video)
        return done_redirect(_url(guide_id), "guide_step_deleted")
    await guides.save_step(actor, guide_id, step_id, _step_cmd(request))
    return _done(guide_id, "guide_step_saved", step_id)


async def _delete_confirm(request: Request, guide_id: str, step_id: int) -> HTTPResponse:
    """Deleting a step (and its uploaded video) cannot be undone: the console's confirm page
    first (issue #14), after the same refusal the deletion would give."""
    step = await GuideStep.get_or_none(id=step_id, guide_id=guide_id)
    if step is None:
        raise GuideError("guide_step_not_found")
    return page("confirm.html", staff=request.ctx.staff, title=say("confirm.guide_step_delete.title"),
                message=say("confirm.guide_step_delete", {"title": step.title}), details=[],
                action=f"/console/guides/{guide_id}/steps/{step_id}", fields=[("action", "delete")],
                button=say("confirm.guide_step_delete.button"),
                final=say("confirm.slot_close.final"), back=f"{_url(guide_id)}#step-{step_id}")


async def _editor_signed_in(request: Request) -> bool:
    """Only a signed-in editor may send a video-sized body (core.limits): anyone else's is
    refused before it is read. Roles and CSRF are checked as usual once it has arrived."""
    staff = await session_staff(request.cookies.get(SESSION_COOKIE), request_ctx.now(request))
    return staff is not None and staff.role in ("editor", "admin")


# The one route that takes a body up to core.limits.VIDEO_UPLOAD (a 20 MB MP4 and the form).
@bp.post("/console/guides/<guide_id:str>/steps/<step_id:int>/video",
         ctx_body_limit=limits.VIDEO_UPLOAD, ctx_body_gate=_editor_signed_in)
@openapi.exclude()
@staff_required("editor")
async def step_video_change(request: Request, guide_id: str, step_id: int) -> HTTPResponse:
    step_id, actor = _step_id(step_id), request.ctx.staff
    var_dir = request.app.ctx.settings.var_dir
    action = posted(request).get("action") or "upload"
    title = _text(request, "video_title")
    if action == "remove":
        await guide_video.remove_video(actor, guide_id, step_id, var_dir)
        return _done(guide_id, "guide_video_removed", step_id)
    if action == "link":
        await guide_video.attach_link(actor, guide_id, step_id, title, _text(request, "video_url"),
                                      var_dir)
    else:
        upload = request.files.get("video") if request.files else None
        data = bytes(upload.body) if upload is not None else b""
        await guide_video.attach_upload(actor, guide_id, step_id, title, data, var_dir)
    return _done(guide_id, "guide_video_saved", step_id)


@bp.get("/console/guides/<guide_id:str>/steps/<step_id:int>/video")
@openapi.exclude()
@staff_required("editor")
async def step_video_preview(request: Request, guide_id: str, step_id: int) -> HTTPResponse:
    """The uploaded video as staff check it, published or not."""
    step = await GuideStep.get_or_none(id=_step_id(step_id), guide_id=guide_id)
    path = guide_video.stored_path(request.app.ctx.settings.var_dir, step.video_file) \
        if step is not None and step.video_kind == "file" else None
    if path is None or not path.is_file():
        raise GuideError("guide_step_not_found")
    response = await send_video(request, path, "private, no-cache", stream=False)
    assert isinstance(response, HTTPResponse)  # stream=False never streams
    return response
