"""The knowledge-base commands of ``baoshan``: ask, kb import / export / eval."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core import db
from core.settings import Settings

if TYPE_CHECKING:  # the knowledge modules are imported when a command runs, not at start-up
    from knowledge.entries import Entry
    from knowledge.matcher import Index

log = logging.getLogger("baoshan.cli")


def _sqlite_file(settings: Settings) -> Path:
    return Path(db.db_url(settings)[len("sqlite://"):].split("?")[0])


async def _kb_entries(settings: Settings) -> tuple[list[Entry], dict[str, str]]:
    """Entries and contacts from the database when it has them, else the bundled files."""
    from core import kb, site_settings
    from knowledge.entries import load_dir

    if settings.is_sqlite and not _sqlite_file(settings).exists():
        return load_dir(), {}
    try:
        await db.init_orm(settings)
        entries, contacts = await kb.active_entries(), await site_settings.load_contacts()
    except Exception as exc:  # no schema yet, or no database: the bundled files still answer
        log.debug("using bundled entries", extra={"reason": str(exc)})
        entries, contacts = [], {}
    finally:
        await db.close_orm()
    return (entries or load_dir()), contacts


def _build_index(entries: list[Entry]) -> Index:
    from core.kb import build_index
    from knowledge.segment import Segmenter
    from knowledge.synonyms import SynonymTable

    return build_index(entries, Segmenter(), SynonymTable.load())


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """What the bot would answer, through the bot's own decision path (core.answering).

    A staff trial: nothing is recorded for staff (no unanswered question, urgent message or
    review row), and there is no conversation to carry a topic or a numbered pick.
    """
    question = " ".join(args.question).strip()
    if not question:
        print("请输入要咨询的问题。", file=sys.stderr)
        return 2
    decision, kb = asyncio.run(_decide(question, args.limit, settings))
    if args.json:
        print(json.dumps({
            "query": question, "answered": decision.answered, "intent": decision.intent,
            "reply": decision.reply,
            "hits": [{"id": h.entry.id, "title": h.entry.title, "category": h.entry.category,
                      "score": round(h.score, 4), "answer": kb.reply_for(h.entry),
                      "source": h.entry.source,
                      "updated": h.entry.updated.isoformat() if h.entry.updated else ""}
                     for h in decision.hits]}, ensure_ascii=False, indent=2))
    else:
        print(decision.reply)
        top = decision.hits[0] if decision.hits else None
        detail = f" {decision.entry_id}" + (f" score={top.score:.3f}" if top else "")
        print(f"\n[{decision.intent}]{detail if decision.entry_id else ''}", file=sys.stderr)
    return 0


async def _decide(question: str, limit: int, settings: Settings):  # type: ignore[no-untyped-def]
    from core import guide_match
    from core import kb as core_kb
    from core.answering import decide, latest_notice
    from core.guide_match import GuideAnswer

    entries, contacts = await _kb_entries(settings)
    service = core_kb.KnowledgeService(settings)
    service.index, service.contacts = _build_index(entries), contacts

    async def notices() -> dict[str, str] | None:
        # The newest notice lives in the database; without one there is none to show.
        if settings.is_sqlite and not _sqlite_file(settings).exists():
            return None
        try:
            await db.init_orm(settings)
            return await latest_notice(datetime.now(UTC), settings.public_base_url)
        except Exception as exc:
            log.debug("no notices", extra={"reason": str(exc)})
            return None
        finally:
            await db.close_orm()

    async def guide(text: str) -> GuideAnswer | None:
        # The 社会组织 guides live in the database too (seeded on first start).
        if settings.is_sqlite and not _sqlite_file(settings).exists():
            return None
        try:
            await db.init_orm(settings)
            return await guide_match.answer(text, contacts, settings.public_base_url)
        except Exception as exc:
            log.debug("no guides", extra={"reason": str(exc)})
            return None
        finally:
            await db.close_orm()

    return await decide(question, channel="cli", kb=service, notices=notices, record=False,
                        limit=limit, guides=guide), service


def cmd_kb_import(args: argparse.Namespace, settings: Settings) -> int:
    from core import kb
    from knowledge.entries import load_dir, load_file, validate
    from knowledge.evaluate import category_codes

    path = Path(args.path)
    entries = load_dir(path) if path.is_dir() else load_file(path)
    problems = [p for e in entries for p in validate(e, category_codes())]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1

    async def run() -> int:
        await db.upgrade(settings) if not settings.is_production else None
        await db.init_orm(settings)
        try:
            return await kb.import_entries(entries, replace=args.replace)
        finally:
            await db.close_orm()

    print(f"已导入 {asyncio.run(run())} 条 / imported")
    return 0


def cmd_kb_export(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.entries import dump_dir

    entries, _ = asyncio.run(_kb_entries(settings))
    for path in dump_dir(entries, Path(args.path)):
        print(path)
    return 0


def cmd_kb_eval(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.entries import load_dir
    from knowledge.evaluate import category_codes, evaluate, format_report, load_items

    entries = load_dir() if args.bundled else asyncio.run(_kb_entries(settings))[0]
    report = evaluate(_build_index(entries), load_items(Path(args.file)))
    text = format_report(report, category_codes())
    print(text if args.verbose else text.split("\nmisses")[0])
    return 0
