"""The knowledge base as a service: entries in the database, an index per worker, kept fresh.

Each worker builds its index once at start, then polls one version stamp (``setting.kb_version``);
when staff change an entry the stamp moves and every worker rebuilds in a thread and swaps the
index in, so requests keep being answered from the old index meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from tortoise.transactions import in_transaction

from core.models import KbEntry, Setting, UnansweredQuestion
from core.settings import Settings
from knowledge.entries import Entry, load_dir
from knowledge.matcher import Analyzer, Index, Result
from knowledge.render import render_text, reply_text
from knowledge.segment import Segmenter, shared_segmenter
from knowledge.synonyms import SynonymTable

log = logging.getLogger("baoshan.kb")

KB_VERSION_KEY = "kb_version"
CONTACTS_KEY = "contacts"
POLL_SECONDS = 5.0
_INLINE_MAX_CHARS = 40
_INLINE_MAX_ENTRIES = 5000


def entry_from_row(row: KbEntry) -> Entry:
    return Entry(id=row.id, kind=row.kind, category=row.category, title=row.title,
                 answer=row.answer, questions=tuple(row.questions or ()),
                 keywords=tuple(row.keywords or ()), topics=tuple(row.topics or ()),
                 source=row.source, department=row.department, link=row.link,
                 action=row.action, updated=row.updated, active=row.active)


def row_values(entry: Entry) -> dict[str, Any]:
    data = entry.to_dict()
    data.pop("id")
    return data


async def bump_version() -> int:
    async with in_transaction():
        row = await Setting.get_or_none(key=KB_VERSION_KEY)
        version = int((row.value or {}).get("v", 0)) + 1 if row else 1
        await Setting.update_or_create(key=KB_VERSION_KEY, defaults={"value": {"v": version}})
    return version


async def current_version() -> int:
    row = await Setting.get_or_none(key=KB_VERSION_KEY)
    return int((row.value or {}).get("v", 0)) if row else 0


async def import_entries(entries: Sequence[Entry], *, replace: bool = False) -> int:
    """Upsert entries (and with ``replace`` deactivate those not in the file set)."""
    ids = [e.id for e in entries]
    async with in_transaction():
        for entry in entries:
            await KbEntry.update_or_create(id=entry.id, defaults=row_values(entry))
        if replace:
            await KbEntry.exclude(id__in=ids).update(active=False)
    await bump_version()
    return len(entries)


async def seed_if_empty() -> int:
    """A fresh install answers at once: load the bundled entries into an empty table."""
    if await KbEntry.all().exists():
        return 0
    return await import_entries(load_dir())


async def active_entries() -> list[Entry]:
    return [entry_from_row(r) for r in await KbEntry.filter(active=True).order_by("id")]


async def load_contacts() -> dict[str, str]:
    row = await Setting.get_or_none(key=CONTACTS_KEY)
    return {str(k): str(v) for k, v in (row.value or {}).items()} if row else {}


def build_index(entries: Iterable[Entry], segmenter: Segmenter,
                synonyms: SynonymTable) -> Index:
    return Index(entries, Analyzer(segmenter, synonyms))


@lru_cache(maxsize=1)
def _shared_index(entries: tuple[Entry, ...], segmenter: Segmenter, synonyms: SynonymTable) -> Index:
    # An index is only read once built, so apps in one process built from the same entries
    # (several test apps, a restarted listener) share it; any change of entries rebuilds.
    return build_index(entries, segmenter, synonyms)


@lru_cache(maxsize=1)
def _shared_synonyms() -> SynonymTable:
    return SynonymTable.load()


class KnowledgeService:
    def __init__(self, settings: Settings) -> None:
        self._key = hashlib.sha256(b"kb-user:" + settings.secret_key.encode()).digest()
        self.index: Index | None = None
        self.version = -1
        self.contacts: dict[str, str] = {}
        self._segmenter: Segmenter | None = None
        self._synonyms: SynonymTable | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self, *, poll: bool = True) -> None:
        """Build the index (in a thread) and then keep it fresh; ``wait_ready`` says when the
        first build is done. A question that arrives before then waits instead of failing."""
        self._ready = asyncio.Event()
        self._task = asyncio.create_task(self._run(poll), name="kb")

    async def _run(self, poll: bool) -> None:
        started = time.perf_counter()
        try:
            self._segmenter, self._synonyms = await asyncio.to_thread(
                lambda: (shared_segmenter(), _shared_synonyms()))
            await self.refresh(force=True)
        except Exception:
            log.exception("knowledge index could not be built")
            return
        finally:
            self._ready.set()
        log.info("knowledge index ready", extra={"entries": len(self.index or ()),
                                                  "ms": round((time.perf_counter() - started) * 1000)})
        if poll:
            await self._poll()

    async def wait_ready(self, seconds: float = 10.0) -> bool:
        try:
            await asyncio.wait_for(self._ready.wait(), seconds)
        except TimeoutError:
            return False
        return self.index is not None

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def refresh(self, *, force: bool = False) -> bool:
        try:
            version = await current_version()
            if not force and version == self.version:
                return False
            entries, contacts = await active_entries(), await load_contacts()
        except Exception:
            if self.index is not None:
                raise
            # The database is down at start: answer from the bundled files rather than not at
            # all; the poll picks the database up again once it answers (version -1 differs).
            log.exception("knowledge base unreadable; using bundled entries")
            version, entries, contacts = -1, [], {}
        if not entries:
            entries = load_dir()  # before the first import, answer from the bundled files
        assert self._segmenter is not None and self._synonyms is not None
        index = await asyncio.to_thread(_shared_index, tuple(entries), self._segmenter,
                                        self._synonyms)
        self.index, self.version, self.contacts = index, version, contacts
        return True

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                if await self.refresh():
                    log.info("knowledge index rebuilt", extra={"version": self.version})
            except Exception:
                log.exception("knowledge index refresh failed; keeping the current index")

    def search(self, text: str, limit: int = 3) -> Result:
        if self.index is None:
            raise RuntimeError("knowledge index not built yet")
        return self.index.search(text, limit)

    async def asearch(self, text: str, limit: int = 3) -> Result:
        """``search`` for request handlers: the costly cases run in a thread.

        Matching is CPU work; a long message or a very large knowledge base can take tens of
        milliseconds, so those leave the event loop (which then runs other requests between the
        interpreter's switch intervals) instead of holding it for the whole query.
        """
        index = self.index
        if index is not None and (len(text) > _INLINE_MAX_CHARS or len(index) > _INLINE_MAX_ENTRIES):
            return await asyncio.to_thread(index.search, text, limit)
        return self.search(text, limit)

    def reply(self, result: Result) -> str:
        return reply_text(result, self.contacts)

    def reply_for(self, entry: Entry) -> str:
        return render_text(entry.answer, self.contacts)

    def user_hash(self, user: str) -> str:
        return hmac.new(self._key, user.encode(), hashlib.sha256).hexdigest()[:32]

    async def record_unanswered(self, result: Result, *, channel: str, user: str = "") -> None:
        if result.answered:
            return
        top = result.other or result.top
        try:
            await UnansweredQuestion.create(
                text=result.query[:500], normalized=result.normalised[:500],
                reason=result.intent[:16], channel=channel[:16],
                user_hash=self.user_hash(user) if user else "",
                top_entry_id=top.entry.id if top else "",
                top_score=round(top.score, 4) if top else 0.0)
        except Exception:
            # Losing one gap report must never cost the resident the answer.
            log.exception("could not record unanswered question", extra={"channel": channel})

