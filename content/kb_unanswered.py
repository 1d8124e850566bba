"""Console: questions the bot could not answer, grouped by their normalised text.

Each group can become a new entry, a new phrasing of an existing entry, or be dismissed. The
table has no "handled" column, so handling a group deletes its rows (and the audit log keeps what
was deleted and why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi
from tortoise.functions import Count, Max
from tortoise.queryset import QuerySet

from content.blueprint import bp, staff_required, status_for
from content.kb_forms import apply_now
from content.pages import done_redirect, flash, page, say
from core import kb, kb_curation, request_ctx, tz
from core.errors import DomainError
from core.models import KbEntry, UnansweredQuestion
from core.pii import mask_free_text

PAGE_SIZE = 30
CHANNELS = {"": "居民提问（公众号和接口）", "wechat": "公众号", "api": "知识库接口",
            kb.SIMULATOR_CHANNEL: "对话模拟（工作人员）"}
CHANNEL_NAMES = {"wechat": "公众号", "api": "接口", kb.SIMULATOR_CHANNEL: "对话模拟"}


def form_field(request: Request, name: str) -> str:
    form = request.form  # None when the body was not a form
    return (form.get(name) if form else None) or ""


def when(moment: datetime) -> str:
    return moment.astimezone(tz.SHANGHAI).strftime("%Y-%m-%d %H:%M")


@dataclass
class Group:
    normalized: str
    count: int
    last: datetime
    text: str = ""
    channels: dict[str, int] = field(default_factory=dict)
    stored_entry: str = ""
    stored_score: float = 0.0
    guess: Any = None  # the live index's best hit now (a knowledge.matcher.Hit)
    answered_now: bool = False


# Residents' questions by default; the simulator's only when asked for.
questions = kb_curation.unanswered


async def groups(qs: QuerySet[UnansweredQuestion], *, limit: int, offset: int = 0) -> list[Group]:
    """Most asked first. Three aggregate queries, whatever the number of rows behind them."""
    rows = await qs.annotate(n=Count("id"), last=Max("created_at"), latest=Max("id")) \
        .group_by("normalized").order_by("-n", "-last").offset(offset).limit(limit) \
        .values("normalized", "n", "last", "latest")
    found = {r["normalized"]: Group(r["normalized"], int(r["n"]), r["last"]) for r in rows}
    if not found:
        return []
    # The newest row of each group (ids grow with time) speaks for it: its wording and the guess
    # made when it was asked. Rows are masked when written (core.unanswered); masking again is
    # a no-op for them and keeps any row written another way from showing a resident's numbers.
    for q in await UnansweredQuestion.filter(id__in=[r["latest"] for r in rows]):
        g = found[q.normalized]
        g.text, g.stored_entry, g.stored_score = mask_free_text(q.text), q.top_entry_id, q.top_score
    for r in await qs.filter(normalized__in=list(found)).annotate(n=Count("id")) \
            .group_by("normalized", "channel").values("normalized", "channel", "n"):
        found[r["normalized"]].channels[r["channel"]] = int(r["n"])
    return list(found.values())


async def count_groups(qs: QuerySet[UnansweredQuestion]) -> int:
    rows = await qs.annotate(k=Count("normalized", distinct=True)).values("k")
    return int(rows[0]["k"]) if rows else 0


async def with_guesses(app_kb: kb.KnowledgeService, found: list[Group]) -> list[Group]:
    """What the index says *now*: an entry added since may already answer the question."""
    if not found or not await app_kb.wait_ready():
        return found
    for g in found:
        result = await app_kb.asearch(g.text or g.normalized)
        g.guess, g.answered_now = result.other or result.top, result.answered
    return found


async def _render(request: Request, error: str = "", status: int = 200) -> HTTPResponse:
    channel = request.args.get("channel") or ""
    channel = channel if channel in CHANNELS else ""
    raw_page = request.args.get("page") or "1"
    qs = questions(channel)
    total = await count_groups(qs)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(max(int(raw_page) if raw_page.isdigit() else 1, 1), pages)
    found = await with_guesses(request.app.ctx.kb,
                               await groups(qs, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE))
    entries = await KbEntry.filter(active=True).order_by("id").values_list("id", "title")
    keep = {"channel": channel} if channel else {}
    return page("kb_unanswered.html", status, staff=request.ctx.staff, done=flash(request),
                error=error, groups=found, total=total, number=number, pages=pages,
                channel=channel, channels=CHANNELS, channel_names=CHANNEL_NAMES, when=when,
                entries=entries,
                new_url=lambda g: "/console/kb/new?" + urlencode(
                    {"question": g.text[:kb_curation.MAX_QUESTION_CHARS], "resolves": g.normalized}),
                page_url=lambda n: "/console/kb/unanswered?" + urlencode({**keep, "page": n}))


@bp.get("/console/kb/unanswered")
@openapi.exclude()
@staff_required("editor")
async def kb_unanswered(request: Request) -> HTTPResponse:
    return await _render(request)


# A waiting question's entry is picked from a list: one gone meanwhile is bad input, not a 404.
_ATTACH_STATUS = {"kb_not_found": 422}


@bp.post("/console/kb/unanswered/attach")
@openapi.exclude()
@staff_required("editor")
async def kb_unanswered_attach(request: Request) -> HTTPResponse:
    """Adds the question as a phrasing of an existing entry; the group is then handled."""
    try:
        await kb_curation.attach(request.ctx.staff, form_field(request, "entry_id"),
                             form_field(request, "text"), form_field(request, "normalized"),
                             now=request_ctx.now(request))
    except DomainError as exc:
        status = _ATTACH_STATUS.get(exc.code) or status_for(exc.code)
        return await _render(request, say(exc.code, exc.params), status)
    await apply_now(request.app)
    return done_redirect("/console/kb/unanswered", "kb_attached")


@bp.post("/console/kb/unanswered/dismiss")
@openapi.exclude()
@staff_required("editor")
async def kb_unanswered_dismiss(request: Request) -> HTTPResponse:
    channel = form_field(request, "channel")
    channel = channel if channel in CHANNELS else ""
    try:
        await kb_curation.dismiss_unanswered(request.ctx.staff, form_field(request, "normalized"),
                                         channel)
    except DomainError as exc:
        return await _render(request, say(exc.code, exc.params), status_for(exc.code))
    return done_redirect("/console/kb/unanswered" + (f"?channel={channel}" if channel else ""),
                         "kb_dismissed")


def recent(now: datetime, days: int = 30) -> QuerySet[UnansweredQuestion]:
    """Residents' unanswered questions of the last ``days`` days (the dashboard's window)."""
    return questions(since=now - timedelta(days=days))
