"""Public guide pages (/guides, /guides/<id>) and the step videos they play.

What the bot's guide answers link to, read on phones inside WeChat: the same published guides
as ``GET /api/v1/guides``. An uploaded 网办小视频 is served with byte ranges (206 / 416,
``content.ranges``) so a phone's player can seek without fetching the whole file.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sanic import Request
from sanic.response import HTTPResponse, ResponseStream, file_stream, raw
from sanic_ext import openapi

from content import ranges
from content.blueprint import bp
from content.public import public_page
from core import catalogue, guide_video, guides
from core.models import Guide, GuideStep

_VIDEO_CACHE = "public, max-age=300"
# An open-ended range ("bytes=0-", what players send first) is answered with at most this much:
# the player asks on for the rest, and a worker never holds a whole video in memory for it.
OPEN_RANGE_MAX = 1024 * 1024


def _missing(code: str, status: int = 404) -> HTTPResponse:
    return public_page("public_missing.html", status, message=catalogue.text("residents", code))


@bp.get("/guides")
@openapi.exclude()
async def guides_index(request: Request) -> HTTPResponse:
    contacts = request.app.ctx.kb.contacts
    items = [{"id": g.id, "title": g.title, "summary": guides.render(g.summary, contacts)}
             for g in await guides.published_guides()]
    return public_page("public_guides.html", guides=items)


@bp.get("/guides/<guide_id:str>")
@openapi.exclude()
async def guide_page(request: Request, guide_id: str) -> HTTPResponse:
    view = await guides.get_guide(guide_id)
    if view is None:
        return _missing("guide_public_missing")
    contacts = request.app.ctx.kb.contacts
    steps = [{"number": s.number, "title": s.title,
              "paragraphs": [p for p in guides.render(s.detail, contacts).splitlines() if p.strip()],
              "materials": s.materials, "video": s.video,
              "uploaded": bool(s.video and not s.video.url.startswith("https://"))}
             for s in view.steps]
    return public_page("public_guide.html", guide=view, summary=guides.render(view.summary, contacts),
                       steps=steps,
                       reviewed=view.reviewed_on.isoformat() if view.reviewed_on else "")


async def _video_file(request: Request, guide_id: str, step_id: int) -> Path | None:
    if not 0 < step_id <= guides.MAX_STEP_ID or len(guide_id) > 64:
        return None
    step = await GuideStep.get_or_none(id=step_id, guide_id=guide_id)
    if step is None or step.video_kind != "file":
        return None
    if not await Guide.filter(id=guide_id, published=True).exists():
        return None
    path = guide_video.stored_path(request.app.ctx.settings.var_dir, step.video_file)
    return path if path is not None and await asyncio.to_thread(path.is_file) else None


def _read(path: Path, start: int, length: int) -> bytes:
    with path.open("rb") as f:
        f.seek(start)
        return f.read(length)


@bp.get("/guides/<guide_id:str>/steps/<step_id:int>/video")
@openapi.exclude()
async def step_video(request: Request, guide_id: str, step_id: int) -> HTTPResponse | ResponseStream:
    path = await _video_file(request, guide_id, step_id)
    if path is None:
        return _missing("guide_video_missing")
    return await send_video(request, path, _VIDEO_CACHE)


async def send_video(request: Request, path: Path, cache: str,
                     stream: bool = True) -> HTTPResponse | ResponseStream:
    """The whole file (200; streamed unless ``stream`` is false) or the one range asked for
    (206); 416 for a range it does not have."""
    size = (await asyncio.to_thread(path.stat)).st_size
    headers = {"Accept-Ranges": "bytes", "Cache-Control": cache, "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "default-src 'none'"}
    try:
        wanted = ranges.parse(request.headers.get("range"), size)
    except ranges.Unsatisfiable:
        return raw(b"", status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if wanted is None and not stream:
        body = await asyncio.to_thread(_read, path, 0, size)
        return raw(body, content_type="video/mp4", headers=headers)
    if wanted is None:
        return await file_stream(path, chunk_size=64 * 1024, mime_type="video/mp4",
                                 headers=headers)
    first, last = wanted
    if request.headers.get("range", "").replace(" ", "").endswith("-"):
        last = min(last, first + OPEN_RANGE_MAX - 1)
    body = await asyncio.to_thread(_read, path, first, last - first + 1)
    return raw(body, status=206, content_type="video/mp4",
               headers={**headers, "Content-Range": f"bytes {first}-{last}/{size}"})
