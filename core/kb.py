"""The knowledge base as a service: entries in the database, an index per worker, kept fresh.

Each worker builds its index once at start, then polls one version stamp (``setting.kb_version``);
when staff change an entry the stamp moves and every worker rebuilds in a thread and swaps the
index in, so requests keep being answered from the old index meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import inspect
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from core import site_settings, stats, tz, unanswered
from core.kb_version import bump_version, current_version
from core.models import KbEntry
from core.settings import Settings
from knowledge import crisis
from knowledge.entries import Entry, load_dir
from knowledge.matcher import Analyzer, Index, Result
from knowledge.render import entry_reply, render_text, reply_text
from knowledge.segment import Segmenter, shared_segmenter
from knowledge.synonyms import SynonymTable

log = logging.getLogger("baoshan.kb")

POLL_SECONDS = 5.0
# The console's chat simulator talks to the real callback as "sim-<username>"; WeChat openids
# never look like that, so its questions are counted and kept apart from residents'.
SIMULATED_USER_PREFIX = "sim-"
SIMULATOR_CHANNEL = "simulator"
_INLINE_MAX_CHARS = 40
_INLINE_MAX_ENTRIES = 5000
_CACHE_SIZE = 4096


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


def build_index(entries: Iterable[Entry], segmenter: Segmenter, synonyms: SynonymTable, *,
                cache: bool = True, cache_dir: Path | None = None) -> Index:
    """The index over ``entries``; with ``cache``, loaded from ``cache_dir`` (default
    ``./var/cache``) when an earlier process built the same one (knowledge.index_cache)."""
    if not cache:
        return Index(entries, Analyzer(segmenter, synonyms))
    from knowledge import index_cache

    return index_cache.load_or_build(
        entries, segmenter, synonyms, lambda es: Index(es, Analyzer(segmenter, synonyms)),
        cache_dir=cache_dir, extra=_BUILD_CODE)


# How build_index builds is part of the cache key too (different Params would mean another index).
_BUILD_CODE = inspect.getsource(build_index).encode()


@lru_cache(maxsize=1)
def _shared_index(entries: tuple[Entry, ...], segmenter: Segmenter, synonyms: SynonymTable) -> Index:
    # An index is only read once built, so apps in one process built from the same entries
    # (several test apps, a restarted listener) share it; any change of entries rebuilds.
    return build_index(entries, segmenter, synonyms)


@lru_cache(maxsize=1)
def _shared_synonyms() -> SynonymTable:
    return SynonymTable.load()


def _system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class KnowledgeService:
    def __init__(self, settings: Settings, *,
                 clock: Callable[[], dt.datetime] = _system_clock) -> None:
        # The day questions are counted under; the app passes its clock (tests move it).
        self.clock = clock
        self._key = hashlib.sha256(b"kb-user:" + settings.secret_key.encode()).digest()
        self.index: Index | None = None
        self.version = -1
        self.contacts: dict[str, str] = {}
        self._segmenter: Segmenter | None = None
        self._synonyms: SynonymTable | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.tally = stats.Tally()
        # Residents ask the same few questions in waves (a rush day, a new notice): answers are a
        # pure function of (index, text), so repeats skip the matcher until the index changes.
        self._cache: OrderedDict[tuple[str, int], Result] = OrderedDict()
        self._cache_index: Index | None = None

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
            # The crisis rules too: every message is checked against them before matching.
            await asyncio.to_thread(crisis.warm)
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
        await self.tally.flush()

    async def refresh(self, *, force: bool = False) -> bool:
        try:
            version = await current_version()
            if not force and version == self.version:
                return False
            entries, contacts = await active_entries(), await site_settings.load_contacts()
        except Exception:
            if self.index is not None:
                raise
            # The database is down at start: answer from the bundled files rather than not at
            # all; the poll picks the database up again once it answers (version -1 differs).
            log.exception("knowledge base unreadable; using bundled entries")
            version, entries, contacts = -1, [], {}
        if not entries:
            # Before the first import, answer from the bundled files (in the database's id order,
            # so both sources give the same tuple and the shared index cache is hit).
            entries = sorted(load_dir(), key=lambda e: e.id)
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
            await self.tally.flush()

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
        if index is None:
            return self.search(text, limit)
        if self._cache_index is not index:
            self._cache.clear()
            self._cache_index = index
        key = (text, limit)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        if len(text) > _INLINE_MAX_CHARS or len(index) > _INLINE_MAX_ENTRIES:
            result = await asyncio.to_thread(index.search, text, limit)
        else:
            result = index.search(text, limit)
        if self._cache_index is index:  # not rebuilt while the thread searched
            self._cache[key] = result
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def reply(self, result: Result) -> str:
        return reply_text(result, self.contacts)

    def entry(self, entry_id: str) -> Entry | None:
        """An entry of the current index (active ones only: that is what residents are answered from)."""
        return self.index.entry(entry_id) if self.index is not None else None

    def reply_for(self, entry: Entry) -> str:
        """One entry's reply as residents read it (its source and date last)."""
        return entry_reply(entry, self.contacts)

    def answer_for(self, entry: Entry) -> str:
        """Only the answer's text, contacts filled: for views that show the source on their own."""
        return render_text(entry.answer, self.contacts)

    def user_hash(self, user: str) -> str:
        return hmac.new(self._key, user.encode(), hashlib.sha256).hexdigest()[:32]

    async def record_unanswered(self, result: Result, *, channel: str, user: str = "") -> None:
        """Count every question per channel and day, and keep the unanswered ones for staff.

        Both channels (bot and API) call this once per question they searched, so it is the one
        place that sees them all. Neither write may cost the resident the answer. What is kept,
        and how rarely, is ``core.unanswered``'s business (masked, capped, once a day per asker).
        """
        if user.startswith(SIMULATED_USER_PREFIX):
            channel = SIMULATOR_CHANNEL
        self.tally.add(stats.question_metric(channel, result.answered),
                       tz.local_day(self.clock()))
        if result.answered:
            return
        try:
            await unanswered.record(result, channel=channel,
                                    user_hash=self.user_hash(user) if user else "")
        except Exception:
            # Losing one gap report must never cost the resident the answer.
            log.exception("could not record unanswered question", extra={"channel": channel})
