"""The knowledge-base commands of ``baoshan``: ask, kb import / export / eval."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from core import db
from core.settings import Settings

log = logging.getLogger("baoshan.cli")


def _sqlite_file(settings: Settings) -> Path:
    return Path(db.db_url(settings)[len("sqlite://"):].split("?")[0])


async def _kb_entries(settings: Settings) -> tuple[list, dict[str, str]]:
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


def _build_index(entries: list):  # type: ignore[no-untyped-def]
    from core.kb import build_index
    from knowledge.segment import Segmenter
    from knowledge.synonyms import SynonymTable

    return build_index(entries, Segmenter(), SynonymTable.load())


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge import crisis
    from knowledge.render import render_text, reply_text

    question = " ".join(args.question).strip()
    if not question:
        print("请输入要咨询的问题。", file=sys.stderr)
        return 2
    danger = crisis.detect(question)
    if danger:  # what the bot and the search API say first, before any matching
        print(json.dumps({"query": question, "answered": False, "intent": "crisis",
                          "reply": danger.reply, "hits": []}, ensure_ascii=False, indent=2)
              if args.json else danger.reply)
        return 0
    entries, contacts = asyncio.run(_kb_entries(settings))
    result = _build_index(entries).search(question, args.limit)
    if args.json:
        print(json.dumps({
            "query": question, "answered": result.answered, "intent": result.intent,
            "reply": reply_text(result, contacts),
            "hits": [{"id": h.entry.id, "title": h.entry.title, "category": h.entry.category,
                      "score": round(h.score, 4), "answer": render_text(h.entry.answer, contacts)}
                     for h in result.hits]}, ensure_ascii=False, indent=2))
    else:
        print(reply_text(result, contacts))
        top = result.other or result.top
        if top:
            print(f"\n[{result.intent}] {top.entry.id} score={top.score:.3f}", file=sys.stderr)
    return 0


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
