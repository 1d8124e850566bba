"""The knowledge-entry form as plain functions: form fields ⇄ ``Entry``, validation.

Validation is the import command's (``knowledge.entries.validate``) plus what only a form needs:
the database's column limits, topics from the category's list, and reserved ids. Plus
``apply_now``, which every KB form handler calls once its change is committed. The audit diffs
are the service's (``core.kb_curation``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sanic import Sanic

from content.pages import say
from core.booking.rules import DEFAULT_RULES
from knowledge.entries import ACTIONS, KINDS, MAX_ANSWER_CHARS, Entry, EntryError, entry_from_dict, validate
from knowledge.evaluate import load_taxonomy
from knowledge.render import CONTACT_LABELS

log = logging.getLogger("baoshan.console.kb")

# Static console paths under /console/kb/ that an entry id must not shadow.
RESERVED_IDS = frozenset({"new", "ask", "unanswered", "review"})
MAX_LINES = 200
# Column sizes of kb_entry (PostgreSQL refuses longer values; SQLite would silently keep them).
_LIMITS = {"title": ("标题", 200), "source": ("来源", 200), "department": ("部门", 100),
           "link": ("链接", 500)}
_KEYWORD_SPLIT = re.compile(r"[,，、;；\n]+")
FIELDS = ("id", "kind", "category", "title", "answer", "questions", "keywords", "topics", "source",
          "department", "link", "action", "updated", "active")


@lru_cache(maxsize=1)
def categories() -> dict[str, tuple[str, tuple[str, ...]]]:
    """``{code: (name, topics)}`` in the taxonomy's order."""
    return {c["code"]: (c["name"], tuple(c["topics"])) for c in load_taxonomy()["categories"]}


def category_name(code: str) -> str:
    return categories().get(code, (code, ()))[0]


def lines(text: str) -> tuple[str, ...]:
    """One item per line, trimmed, blanks and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        if line.strip():
            seen.setdefault(line.strip(), None)
    return tuple(seen)


def split_keywords(text: str) -> tuple[str, ...]:
    return lines("\n".join(_KEYWORD_SPLIT.split(text)))


def form_from_entry(entry: Entry) -> dict[str, str]:
    """What the edit form shows for a stored entry (every value a string, as posted back)."""
    return {"id": entry.id, "kind": entry.kind, "category": entry.category, "title": entry.title,
            "answer": entry.answer, "questions": "\n".join(entry.questions),
            "keywords": "、".join(entry.keywords), "topics": "\n".join(entry.topics),
            "source": entry.source, "department": entry.department, "link": entry.link,
            "action": entry.action, "updated": entry.updated.isoformat() if entry.updated else "",
            "active": "on" if entry.active else ""}


def form_values(form: Mapping[str, Any], entry_id: str | None = None) -> dict[str, str]:
    """The posted fields as strings; ``entry_id`` (from the URL) wins over a posted id."""
    def get(name: str) -> str:
        value = form.get(name)
        return str(value) if value is not None else ""

    values = {name: get(name) for name in FIELDS}
    values["id"] = (entry_id if entry_id is not None else values["id"]).strip()
    values["answer"] = values["answer"].replace("\r\n", "\n")
    return values


def parse(values: Mapping[str, str], *, new: bool) -> tuple[Entry | None, list[str]]:
    """The entry the form describes, or the problems (Chinese) that stop it being saved."""
    problems: list[str] = []
    questions, keywords, topics = (lines(values["questions"]), split_keywords(values["keywords"]),
                                   lines(values["topics"]))
    if new and values["id"] in RESERVED_IDS:
        problems.append(say("kb_id_reserved", {"detail": values["id"]}))
    if max(len(questions), len(keywords), len(topics)) > MAX_LINES:
        problems.append(say("kb_too_many_lines", {"detail": MAX_LINES}))
    for field, (label, limit) in _LIMITS.items():
        if len(values[field].strip()) > limit:
            problems.append(say("kb_too_long", {"field": label, "detail": limit}))
    link = values["link"].strip()
    if link and not link.startswith(("https://", "http://")):
        problems.append(say("kb_bad_link"))
    try:
        entry = entry_from_dict({**values, "questions": questions, "keywords": keywords,
                                 "topics": topics, "active": values["active"] == "on",
                                 "updated": values["updated"].strip() or None})
    except EntryError:
        return None, [*problems, say("kb_bad_date")]
    if entry.kind != "entry":
        entry = _without_category(entry)
    where = f"{entry.id or '(无 id)'}: "
    problems += [p.removeprefix(where) for p in validate(entry, categories())]
    if entry.kind == "entry" and entry.category in categories():
        allowed = set(categories()[entry.category][1])
        problems += [say("kb_bad_topic", {"detail": t}) for t in entry.topics if t not in allowed]
    return (None, problems) if problems else (entry, [])


def _without_category(entry: Entry) -> Entry:
    # Hand-overs and small talk belong to no category; a leftover choice would only mislead.
    return replace(entry, category="", topics=())


def blank_form(question: str = "", today: dt.date | None = None) -> dict[str, str]:
    values = dict.fromkeys(FIELDS, "")
    values.update(kind="entry", questions=question, active="on",
                  updated=today.isoformat() if today else "")
    return values


def action_name(action: str) -> str:
    """What an entry's button does, in words: "book:marriage_registration" → "预约结婚登记"."""
    if not action:
        return "（无）"
    kind, _, service = action.partition(":")
    rule = DEFAULT_RULES.get(service)
    return f"预约{rule.name}" if kind == "book" and rule else "其他操作"


# ``contacts``: every placeholder the answer help lists (the same table the renderer fills).
OPTIONS = {"kinds": KINDS, "actions": ACTIONS, "max_answer": MAX_ANSWER_CHARS,
           "contacts": CONTACT_LABELS, "action_names": {a: action_name(a) for a in ACTIONS}}


async def apply_now(app: Sanic) -> None:
    """Rebuild this worker's index now; the other workers follow the version stamp on their own."""
    try:
        await app.ctx.kb.refresh()
    except Exception:
        log.exception("index rebuild after a console save failed; the poll will retry")
