"""Console: answers to review — given with a small lead over the next entry, or called useless.

Beside the unanswered list (``content.kb_unanswered``): those are questions the bot did not
answer, these are ones it did answer but perhaps with the wrong entry (``core.answer_review``
records them). Grouped by question, answered entry and reason, most frequent first; dismissing a
group deletes its rows, and the audit log keeps what was dismissed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi
from tortoise.functions import Count, Max
from tortoise.queryset import QuerySet

from content.blueprint import bp, staff_required, status_for
from content.kb_unanswered import CHANNEL_NAMES, CHANNELS, form_field, when
from content.pages import done_redirect, flash, page, say
from core import kb_curation
from core.answer_review import REVIEW_MARGIN
from core.errors import DomainError
from core.models import AnswerReview, KbEntry
from core.pii import mask_free_text

PAGE_SIZE = 30
REASONS = {"": "全部原因", "small_margin": "领先第二名很少（可能答错条目）",
           "thumbs_down": "居民说“没用”"}
REASON_NAMES = {"small_margin": "领先很少", "thumbs_down": "居民说没用"}


def _choice(value: str | None, allowed: dict[str, str]) -> str:
    return value if value and value in allowed else ""


@dataclass
class Group:
    normalized: str
    entry_id: str
    reason: str
    count: int
    last: datetime
    text: str = ""
    runner_up_id: str = ""
    margin: float = 0.0


# Residents' rows by default; the simulator's only when asked for (as for unanswered).
reviews = kb_curation.reviews


async def groups(qs: QuerySet[AnswerReview], *, limit: int, offset: int = 0) -> list[Group]:
    rows = await qs.annotate(n=Count("id"), last=Max("created_at"), latest=Max("id")) \
        .group_by("normalized", "entry_id", "reason").order_by("-n", "-last") \
        .offset(offset).limit(limit).values("normalized", "entry_id", "reason", "n", "last", "latest")
    found = {r["latest"]: Group(r["normalized"], r["entry_id"], r["reason"], int(r["n"]), r["last"])
             for r in rows}
    # The newest row of a group speaks for it: its wording, runner-up and margin. Masked again
    # on display, as the unanswered list does, whatever wrote the row.
    for row in await AnswerReview.filter(id__in=list(found)):
        g = found[row.id]
        g.text, g.runner_up_id, g.margin = mask_free_text(row.text), row.runner_up_id, row.margin
    return list(found.values())


async def count_groups(qs: QuerySet[AnswerReview]) -> int:
    return len(await qs.group_by("normalized", "entry_id", "reason")
               .values_list("normalized", "entry_id", "reason"))


async def _render(request: Request, error: str = "", status: int = 200) -> HTTPResponse:
    reason = _choice(request.args.get("reason"), REASONS)
    channel = _choice(request.args.get("channel"), CHANNELS)
    raw_page = request.args.get("page") or "1"
    qs = reviews(reason, channel)
    total = await count_groups(qs)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(max(int(raw_page) if raw_page.isdigit() else 1, 1), pages)
    found = await groups(qs, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    ids = {g.entry_id for g in found} | {g.runner_up_id for g in found if g.runner_up_id}
    titles = dict(await KbEntry.filter(id__in=list(ids)).values_list("id", "title"))
    keep = {k: v for k, v in (("reason", reason), ("channel", channel)) if v}
    return page("kb_review.html", status, staff=request.ctx.staff, done=flash(request),
                error=error, groups=found, total=total, number=number, pages=pages,
                reason=reason, reasons=REASONS, reason_names=REASON_NAMES, channel=channel,
                channels=CHANNELS, titles=titles, when=when, review_margin=REVIEW_MARGIN,
                channel_names=CHANNEL_NAMES,
                page_url=lambda n: "/console/kb/review?" + urlencode({**keep, "page": n}))


@bp.get("/console/kb/review")
@openapi.exclude()
@staff_required("editor")
async def kb_review(request: Request) -> HTTPResponse:
    return await _render(request)


@bp.post("/console/kb/review/dismiss")
@openapi.exclude()
@staff_required("editor")
async def kb_review_dismiss(request: Request) -> HTTPResponse:
    normalized, entry_id = form_field(request, "normalized"), form_field(request, "entry_id")
    reason = _choice(form_field(request, "reason"), REASON_NAMES)
    channel = _choice(form_field(request, "channel"), CHANNELS)
    try:
        await kb_curation.dismiss_review(request.ctx.staff, normalized, entry_id, reason, channel)
    except DomainError as exc:
        return await _render(request, say(exc.code, exc.params), status_for(exc.code))
    query = urlencode({k: v for k, v in (("reason", form_field(request, "filter")),
                                         ("channel", channel)) if v})
    return done_redirect("/console/kb/review" + (f"?{query}" if query else ""),
                         "kb_review_dismissed")
