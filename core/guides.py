"""Guides (社会组织成立“一件事”远程导办、网办小视频): reading them, and staff changing them.

Residents read published guides through the API, the public pages and the bot; the "远程导办"
chat (one step per message) will walk a guide with ``get_guide`` and ``step``. Staff edit guides
in the console through the functions below, each one transaction with its audit row; videos are
attached in ``core.guide_video``. Texts may carry the knowledge base's contact placeholders
(``${bureau_phone}``…): faces fill them with ``render`` so no number is ever written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import audit
from core.errors import DomainError
from core.models import Guide, GuideStep
from knowledge.render import render_text

TITLE_MAX, SUMMARY_MAX, DETAIL_MAX, MATERIAL_MAX, MATERIALS_MAX = 120, 500, 5000, 200, 30
KEYWORDS_MAX, SOURCES_MAX, STEPS_MAX = 30, 500, 30
MAX_STEP_ID = 2**31 - 1


class GuideError(DomainError):
    """A guide rule said no; ``code`` keys the staff catalogue (``guide_*``)."""


@dataclass(frozen=True)
class Video:
    title: str
    url: str  # an https page, or the path of the uploaded file (faces prefix the public origin)


@dataclass(frozen=True)
class StepView:
    number: int  # 1-based, in the guide's order
    id: int
    title: str
    detail: str
    materials: tuple[str, ...]
    keywords: tuple[str, ...]
    video: Video | None


@dataclass(frozen=True)
class GuideView:
    id: str
    title: str
    summary: str
    sources: str
    reviewed_on: date | None
    published: bool
    keywords: tuple[str, ...]
    steps: tuple[StepView, ...]


def video_path(guide_id: str, step_id: int) -> str:
    """Where an uploaded step video is served (content's public guide pages, range requests)."""
    return f"/guides/{guide_id}/steps/{step_id}/video"


def _video(guide_id: str, s: GuideStep) -> Video | None:
    if s.video_kind == "link" and s.video_url:
        return Video(s.video_title or s.title, s.video_url)
    if s.video_kind == "file" and s.video_file:
        return Video(s.video_title or s.title, video_path(guide_id, s.id))
    return None


def _texts(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def view_of(guide: Guide, steps: Sequence[GuideStep]) -> GuideView:
    ordered = sorted(steps, key=lambda s: (s.position, s.id))
    return GuideView(guide.id, guide.title, guide.summary, guide.sources, guide.reviewed_on,
                     guide.published, _texts(guide.keywords),
                     tuple(StepView(n, s.id, s.title, s.detail, _texts(s.materials),
                                    _texts(s.keywords), _video(guide.id, s))
                           for n, s in enumerate(ordered, 1)))


def render(text: str, contacts: Mapping[str, str] | None) -> str:
    """A guide text with the bureau's contact details filled in (staff settings)."""
    return render_text(text, contacts)


async def published_guides() -> list[Guide]:
    return await Guide.filter(published=True).order_by("position", "id")


async def all_guides() -> list[Guide]:
    return await Guide.all().order_by("position", "id")


async def get_guide(guide_id: str, *, published_only: bool = True) -> GuideView | None:
    """One guide with its steps in order; None when unknown (or unpublished, for residents)."""
    if not guide_id or len(guide_id) > 64:
        return None
    guide = await Guide.get_or_none(id=guide_id)
    if guide is None or (published_only and not guide.published):
        return None
    return view_of(guide, await GuideStep.filter(guide_id=guide.id))


async def step(guide_id: str, number: int) -> StepView | None:
    """Step ``number`` (1-based) of a published guide, for the remote-guidance chat."""
    guide = await get_guide(guide_id)
    if guide is None or not 1 <= number <= len(guide.steps):
        return None
    return guide.steps[number - 1]


# --- staff: editing (console) -------------------------------------------------------------------

@dataclass(frozen=True)
class SaveGuide:
    title: str
    summary: str
    keywords: tuple[str, ...]
    sources: str
    reviewed_on: date | None


@dataclass(frozen=True)
class SaveStep:
    title: str
    detail: str
    materials: tuple[str, ...]
    keywords: tuple[str, ...]


def guide_snapshot(g: Guide) -> dict[str, object]:
    return {"title": g.title, "summary": g.summary, "keywords": list(_texts(g.keywords)),
            "sources": g.sources, "reviewed_on": g.reviewed_on.isoformat() if g.reviewed_on else "",
            "published": g.published}


def step_snapshot(s: GuideStep) -> dict[str, object]:
    return {"title": s.title, "position": s.position, "materials": list(_texts(s.materials)),
            "keywords": list(_texts(s.keywords)), "video": s.video_kind}


def _check_guide(cmd: SaveGuide) -> None:
    if not cmd.title.strip():
        raise GuideError("guide_title_required", field="title")
    if len(cmd.title) > TITLE_MAX:
        raise GuideError("guide_title_too_long", field="title")
    if len(cmd.summary) > SUMMARY_MAX:
        raise GuideError("guide_summary_too_long", field="summary")
    if len(cmd.sources) > SOURCES_MAX or len(cmd.keywords) > KEYWORDS_MAX:
        raise GuideError("guide_list_too_long", field="keywords")


def _check_step(cmd: SaveStep) -> None:
    if not cmd.title.strip():
        raise GuideError("guide_step_title_required", field="title")
    if len(cmd.title) > TITLE_MAX:
        raise GuideError("guide_title_too_long", field="title")
    if len(cmd.detail) > DETAIL_MAX:
        raise GuideError("guide_detail_too_long", field="detail")
    if len(cmd.materials) > MATERIALS_MAX or any(len(m) > MATERIAL_MAX for m in cmd.materials) \
            or len(cmd.keywords) > KEYWORDS_MAX:
        raise GuideError("guide_list_too_long", field="materials")


async def locked_guide(guide_id: str, conn: BaseDBAsyncClient) -> Guide:
    guide = await Guide.filter(id=guide_id).using_db(conn).select_for_update().first() \
        if guide_id and len(guide_id) <= 64 else None
    if guide is None:
        raise GuideError("guide_not_found")
    return guide


async def guide_step(guide: Guide, step_id: int, conn: BaseDBAsyncClient) -> GuideStep:
    found = await GuideStep.get_or_none(id=step_id, guide_id=guide.id, using_db=conn) \
        if 0 < step_id <= MAX_STEP_ID else None
    if found is None:
        raise GuideError("guide_step_not_found")
    return found


async def save_guide(actor: audit.Actor, guide_id: str, cmd: SaveGuide) -> Guide:
    _check_guide(cmd)
    async with in_transaction() as conn:
        guide = await locked_guide(guide_id, conn)
        before = guide_snapshot(guide)
        guide.title, guide.summary, guide.sources = cmd.title.strip(), cmd.summary, cmd.sources
        guide.keywords, guide.reviewed_on = list(cmd.keywords), cmd.reviewed_on
        await guide.save(using_db=conn)
        await audit.record(actor, "guide.update", guide.id, before=before,
                           after=guide_snapshot(guide), conn=conn)
    return guide


async def set_published(actor: audit.Actor, guide_id: str, published: bool) -> Guide:
    async with in_transaction() as conn:
        guide = await locked_guide(guide_id, conn)
        if published and not await GuideStep.filter(guide_id=guide.id).using_db(conn).exists():
            raise GuideError("guide_no_steps")
        before = guide_snapshot(guide)
        guide.published = published
        await guide.save(using_db=conn, update_fields=["published", "updated_at"])
        await audit.record(actor, "guide.publish" if published else "guide.unpublish", guide.id,
                           before=before, after=guide_snapshot(guide), conn=conn)
    return guide


async def save_step(actor: audit.Actor, guide_id: str, step_id: int | None,
                    cmd: SaveStep) -> GuideStep:
    """Creates (``step_id`` None, appended last) or updates a step."""
    _check_step(cmd)
    async with in_transaction() as conn:
        guide = await locked_guide(guide_id, conn)
        if step_id is None:
            steps = await GuideStep.filter(guide_id=guide.id).using_db(conn).order_by("-position")
            if len(steps) >= STEPS_MAX:
                raise GuideError("guide_too_many_steps")
            found, before = GuideStep(guide_id=guide.id,
                                      position=(steps[0].position + 1) if steps else 1), None
        else:
            found = await guide_step(guide, step_id, conn)
            before = step_snapshot(found)
        found.title, found.detail = cmd.title.strip(), cmd.detail
        found.materials, found.keywords = list(cmd.materials), list(cmd.keywords)
        await found.save(using_db=conn)
        await audit.record(actor, "guide.step_update" if before else "guide.step_create",
                           f"{guide.id}#{found.id}", before=before, after=step_snapshot(found),
                           conn=conn)
    return found


async def move_step(actor: audit.Actor, guide_id: str, step_id: int, offset: int) -> None:
    """Swaps a step with its neighbour (``offset`` -1: up, +1: down); renumbers 1..n."""
    async with in_transaction() as conn:
        guide = await locked_guide(guide_id, conn)
        steps = sorted(await GuideStep.filter(guide_id=guide.id).using_db(conn),
                       key=lambda s: (s.position, s.id))
        at = next((i for i, s in enumerate(steps) if s.id == step_id), None)
        if at is None:
            raise GuideError("guide_step_not_found")
        other = at + (1 if offset > 0 else -1)
        if not 0 <= other < len(steps):
            return  # already first or last: nothing to move
        before = [s.id for s in steps]
        steps[at], steps[other] = steps[other], steps[at]
        for n, s in enumerate(steps, 1):
            if s.position != n:
                s.position = n
                await s.save(using_db=conn, update_fields=["position", "updated_at"])
        await audit.record(actor, "guide.step_move", f"{guide.id}#{step_id}",
                           before={"order": before}, after={"order": [s.id for s in steps]},
                           conn=conn)


async def delete_step(actor: audit.Actor, guide_id: str, step_id: int) -> str:
    """Removes a step; returns the name of its uploaded video file ("" if none) for the caller
    to delete once the transaction has committed."""
    async with in_transaction() as conn:
        guide = await locked_guide(guide_id, conn)
        found = await guide_step(guide, step_id, conn)
        video = found.video_file if found.video_kind == "file" else ""
        before = step_snapshot(found)
        await found.delete(using_db=conn)
        await audit.record(actor, "guide.step_delete", f"{guide.id}#{step_id}", before=before,
                           conn=conn)
    return video
