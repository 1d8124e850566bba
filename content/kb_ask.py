"""Console: the live ask box — what the bot would answer, from the very index the bot uses.

Staff trials are not residents' questions: nothing here is counted or kept as unanswered.
"""

from __future__ import annotations

from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

import content.kb_forms as kb_forms
from content.blueprint import bp, staff_required
from content.pages import page
from knowledge.normalise import MAX_INPUT_CHARS

HITS_SHOWN = 10
INTENT_NAMES = {
    "answer": "直接回答",
    "suggest": "给出候选问题让居民选择",
    "out_of_scope": "其他部门业务，转介",
    "smalltalk": "寒暄",
    "unknown": "没有理解",
}
KIND_NAMES = {"entry": "民政条目", "out_of_scope": "转介（其他部门）", "smalltalk": "寒暄"}


@bp.get("/console/kb/ask")
@openapi.exclude()
@staff_required("editor")
async def kb_ask(request: Request) -> HTTPResponse:
    q = (request.args.get("q") or "").strip()[:MAX_INPUT_CHARS]
    kb = request.app.ctx.kb
    context: dict[str, Any] = {"q": q, "result": None}
    if q and await kb.wait_ready():
        # More hits than the bot's 3 for the table; the reply is the same either way (it uses the
        # top hit, or the first three suggestions).
        result = await kb.asearch(q, HITS_SHOWN)
        params = kb.index.params
        context.update(
            result=result, reply=kb.reply(result), version=kb.version, params=params,
            hits=[{"entry": h.entry, "score": h.score, "passes": h.score >= params.answer_threshold,
                   "category": kb_forms.category_name(h.entry.category) if h.entry.category else ""}
                  for h in result.hits],
            other=result.other, intent_name=INTENT_NAMES.get(result.intent, result.intent))
    return page("kb_ask.html", staff=request.ctx.staff, kind_names=KIND_NAMES, **context)
