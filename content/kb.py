"""Console: the knowledge base — list and search, the edit form, new entries, deactivation.

The live ask box and the unanswered questions live in ``content.kb_ask`` and
``content.kb_unanswered``. Saving moves the KB version stamp, so every worker rebuilds its index
within one poll (≈5 s); the worker that handled the save rebuilds at once, so the editor's next
page already answers from the new text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

import content.kb_forms as kb_forms
from content.blueprint import bp, staff_required, status_for
from content.kb_forms import apply_now
from content.pages import done_redirect, flash, page, posted, say
from core import kb, kb_curation, request_ctx, tz
from core.errors import DomainError
from core.models import KbEntry
from knowledge.entries import KINDS

PAGE_SIZE = 50
EDITOR = ("editor",)


def _matches(row: dict[str, Any], needle: str) -> bool:
    hay = [row["id"], row["title"], *(row["questions"] or ()), *(row["keywords"] or ())]
    return any(needle in str(h).casefold() for h in hay)


@bp.get("/console/kb")
@openapi.exclude()
@staff_required(*EDITOR)
async def kb_list(request: Request) -> HTTPResponse:
    args = {k: (request.args.get(k) or "").strip() for k in ("q", "category", "kind", "active")}
    qs = KbEntry.all()
    # Only known values reach the query: anything else (a hand-edited URL) filters nothing
    # rather than failing on the column's length.
    if args["category"] in kb_forms.categories():
        qs = qs.filter(category=args["category"])
    if args["kind"] in KINDS:
        qs = qs.filter(kind=args["kind"])
    if args["active"] in ("1", "0"):
        qs = qs.filter(active=args["active"] == "1")
    # Free text spans JSON lists (phrasings, keywords), which neither database searches
    # portably; the answers (the bulk of each row) are left out of the fetch.
    rows = await qs.order_by("kind", "category", "id").values(
        "id", "kind", "category", "title", "questions", "keywords", "active", "modified_at")
    if args["q"]:
        rows = [r for r in rows if _matches(r, args["q"].casefold())]
    raw_page = request.args.get("page") or "1"
    pages = max((len(rows) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(max(int(raw_page) if raw_page.isdigit() else 1, 1), pages)
    shown = rows[(number - 1) * PAGE_SIZE: number * PAGE_SIZE]
    keep = {k: v for k, v in args.items() if v}
    return page("kb_list.html", staff=request.ctx.staff, done=flash(request), rows=shown,
                total=len(rows), args=args, number=number, pages=pages,
                page_url=lambda n: "/console/kb?" + urlencode({**keep, "page": n}),
                categories=kb_forms.categories(), kinds=KINDS)


def _form_page(request: Request, values: dict[str, str], *, new: bool, errors: list[str] | None = None,
               status: int = 200, modified: str = "", resolves: str = "") -> HTTPResponse:
    return page("kb_edit.html", status, staff=request.ctx.staff, done=flash(request), v=values,
                new=new, errors=errors or [], modified=modified, resolves=resolves,
                categories=kb_forms.categories(), options=kb_forms.OPTIONS)


@bp.get("/console/kb/new")
@openapi.exclude()
@staff_required(*EDITOR)
async def kb_new(request: Request) -> HTTPResponse:
    question = (request.args.get("question") or "").strip()[:kb_curation.MAX_QUESTION_CHARS]
    values = kb_forms.blank_form(question, tz.local_day(request_ctx.now(request)))
    return _form_page(request, values, new=True, resolves=request.args.get("resolves") or "")


@bp.post("/console/kb/new")
@openapi.exclude()
@staff_required(*EDITOR)
async def kb_create(request: Request) -> HTTPResponse:
    values = kb_forms.form_values(posted(request))
    resolves = posted(request).get("resolves") or ""
    entry, errors = kb_forms.parse(values, new=True)
    if entry is None:
        return _form_page(request, values, new=True, errors=errors, status=422, resolves=resolves)
    try:
        await kb_curation.create(request.ctx.staff, entry, now=request_ctx.now(request), resolves=resolves)
    except kb_curation.EntryConflict as exc:
        return _form_page(request, values, new=True, errors=[say(exc.code)],
                          status=status_for(exc.code), resolves=resolves)
    await apply_now(request.app)
    return done_redirect(f"/console/kb/{entry.id}", "kb_created")


async def _load(entry_id: str) -> KbEntry | None:
    return await KbEntry.get_or_none(id=entry_id)


@bp.get("/console/kb/<entry_id:str>")
@openapi.exclude()
@staff_required(*EDITOR)
async def kb_edit(request: Request, entry_id: str) -> HTTPResponse:
    row = await _load(entry_id)
    if row is None:
        raise DomainError("kb_not_found")
    values = kb_forms.form_from_entry(kb.entry_from_row(row))
    return _form_page(request, values, new=False, modified=row.modified_at.isoformat())


@bp.post("/console/kb/<entry_id:str>")
@openapi.exclude()
@staff_required(*EDITOR)
async def kb_save(request: Request, entry_id: str) -> HTTPResponse:
    if await _load(entry_id) is None:
        raise DomainError("kb_not_found")
    values = kb_forms.form_values(posted(request), entry_id)
    modified = posted(request).get("modified") or ""
    entry, errors = kb_forms.parse(values, new=False)
    if entry is None:
        return _form_page(request, values, new=False, errors=errors, status=422, modified=modified)
    try:
        expect = datetime.fromisoformat(modified) if modified else None
    except ValueError:
        expect = None
    try:
        changed = await kb_curation.update(request.ctx.staff, entry, now=request_ctx.now(request),
                                       expect_modified=expect)
    except kb_curation.EntryConflict as exc:
        # The editor's input stays on the page, with the conflict beside it.
        return _form_page(request, values, new=False, errors=[say(exc.code)],
                          status=status_for(exc.code), modified=modified)
    if changed:
        await apply_now(request.app)
    return done_redirect(f"/console/kb/{entry_id}", "kb_saved")


@bp.post("/console/kb/<entry_id:str>/active")
@openapi.exclude()
@staff_required(*EDITOR)
async def kb_set_active(request: Request, entry_id: str) -> HTTPResponse:
    active = posted(request).get("active") == "1"
    await kb_curation.set_active(request.ctx.staff, entry_id, active, now=request_ctx.now(request))
    await apply_now(request.app)
    return done_redirect(f"/console/kb/{entry_id}", "kb_activated" if active else "kb_deactivated")
