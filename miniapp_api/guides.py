"""The public guides API (CONTRACT.md "Guides"): ``GET /api/v1/guides`` lists the published
社会组织 guides, ``GET /api/v1/guides/{id}`` gives one with its steps in order.

No login: the same text as the public pages (/guides/<id>). Contact placeholders are filled
from the staff's settings (the knowledge service's contacts) as the bot's answers are; an
uploaded step video's url is absolute when ``BAOSHAN_PUBLIC_BASE_URL`` is set.
"""

from __future__ import annotations

from pydantic import Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from core import guides
from core.errors import DomainError
from miniapp_api.schemas import Out, content, errors

bp = Blueprint("guides", url_prefix="/api/v1/guides")


class GuideItemOut(Out):
    id: str
    title: str
    summary: str
    url: str = Field(description="公开页面地址（/guides/{id}）")


class GuidesOut(Out):
    guides: list[GuideItemOut]


class VideoOut(Out):
    title: str
    url: str = Field(description="网办小视频：上传的MP4（支持 Range 分段请求）或视频号/https网页链接")


class StepOut(Out):
    title: str
    detail: str
    materials: list[str]
    video: VideoOut | None


class GuideOut(Out):
    id: str
    title: str
    summary: str
    sources: str = Field(description="依据的法规和文件")
    reviewed_on: str | None = Field(description="内容最近核对日期（YYYY-MM-DD）")
    url: str
    steps: list[StepOut]


def _base(request: Request) -> str:
    base: str = request.app.ctx.settings.public_base_url
    return base


def _contacts(request: Request) -> dict[str, str]:
    contacts: dict[str, str] = request.app.ctx.kb.contacts
    return contacts


@bp.get("")
@openapi.summary("社会组织办事指南列表（已发布）")
@openapi.response(200, content(GuidesOut), "按顺序列出已发布的指南")
async def list_guides(request: Request) -> HTTPResponse:
    base, contacts = _base(request), _contacts(request)
    items = [GuideItemOut(id=g.id, title=g.title, summary=guides.render(g.summary, contacts),
                          url=f"{base}/guides/{g.id}") for g in await guides.published_guides()]
    return json(GuidesOut(guides=items).body(), ensure_ascii=False)


@bp.get("/<guide_id:str>")
@openapi.summary("一个社会组织办事指南：步骤、每步材料和网办小视频")
@openapi.response(200, content(GuideOut), "steps 按办理顺序排列")
@errors("guide_not_found")
async def get_guide(request: Request, guide_id: str) -> HTTPResponse:
    view = await guides.get_guide(guide_id)
    if view is None:
        raise DomainError("guide_not_found")
    base, contacts = _base(request), _contacts(request)
    steps = [StepOut(title=s.title, detail=guides.render(s.detail, contacts),
                     materials=list(s.materials),
                     video=VideoOut(title=s.video.title,
                                    url=s.video.url if s.video.url.startswith("https://")
                                    else base + s.video.url) if s.video else None)
             for s in view.steps]
    out = GuideOut(id=view.id, title=view.title, summary=guides.render(view.summary, contacts),
                   sources=view.sources,
                   reviewed_on=view.reviewed_on.isoformat() if view.reviewed_on else None,
                   url=f"{base}/guides/{view.id}", steps=steps)
    return json(out.body(), ensure_ascii=False)
