"""A built index kept on disk, so a new process loads it (≈ 0.1 s) instead of building it (≈ 1 s).

Every worker, every ``baoshan ask`` and every restart used to segment every phrasing of every
entry again. The result depends only on the entries, the synonym table, the segmenter's
dictionary and the code that builds it, so it is stored under a key made of all four: a change to
any of them (an edited entry, a new synonym, a new version of the matcher) is a different key and
a fresh build. A file that cannot be read, is cut short or belongs to another key is ignored and
replaced; a cache directory that cannot be written only costs the build.

The files are pickles and loading a pickle runs code: they live in the service's own ``./var``
(beside its database and secret key, mode 0700), which only the service's user can write.
"""

from __future__ import annotations

import hashlib
import io
import logging
import pickle
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.cache_files import atomic_write, default_cache_dir

if TYPE_CHECKING:
    from knowledge.entries import Entry
    from knowledge.matcher import Index
    from knowledge.segment import Segmenter
    from knowledge.synonyms import SynonymTable

log = logging.getLogger("baoshan.kb")

PACKAGE_DIR = Path(__file__).parent
FORMAT = b"baoshan-index-cache 1"
KEEP_FILES = 4  # the current index and a few recent ones (a rollback, the bundled entries)


@lru_cache(maxsize=1)
def code_version() -> str:
    """The knowledge package's source: the matcher, the segmenter, typos, normalisation … A change
    to any of them may change what an index holds, so it is part of the key."""
    h = hashlib.sha256(FORMAT + sys.version.encode())
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def cache_key(entries: tuple[Entry, ...], segmenter: Segmenter, synonyms: SynonymTable,
              extra: bytes = b"") -> str:
    h = hashlib.sha256(code_version().encode() + b"\0" + extra)
    h.update(getattr(segmenter, "fingerprint", "").encode())
    # The table's pairs, not its file: a table built in code (tests, calibration) counts too.
    h.update(repr(sorted(getattr(synonyms, "_pairs", {}).items())).encode())
    h.update(repr(entries).encode())
    return h.hexdigest()


class _Pickler(pickle.Pickler):
    """Leaves the segmenter (jieba's 60 MB dictionary) and the synonym table out of the file:
    the process already has them, and the loader puts its own in their place."""

    def __init__(self, fh: io.BytesIO, shared: dict[int, str]) -> None:
        super().__init__(fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared

    def persistent_id(self, obj: Any) -> str | None:
        return self._shared.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, fh: io.BytesIO, shared: dict[str, Any]) -> None:
        super().__init__(fh)
        self._shared = shared

    def persistent_load(self, pid: Any) -> Any:
        try:
            return self._shared[pid]
        except KeyError:
            raise pickle.UnpicklingError(f"unknown shared object {pid!r}") from None


def load_or_build(entries: Iterable[Entry], segmenter: Segmenter, synonyms: SynonymTable,
                  build: Callable[[tuple[Entry, ...]], Index], *, cache_dir: Path | None = None,
                  extra: bytes = b"") -> Index:
    """The index for ``entries``: from the cache when it holds this exact one, else ``build``-t
    (and stored for the next process). ``extra``: more of the key (the caller's build code)."""
    from knowledge.matcher import Index

    entries = tuple(entries)
    key = cache_key(entries, segmenter, synonyms, extra)
    directory = cache_dir or default_cache_dir()
    path = directory / f"index-{key[:32]}.pickle"
    shared = {"segmenter": segmenter, "synonyms": synonyms}
    try:
        stored_key, index = _Unpickler(io.BytesIO(path.read_bytes()), shared).load()
        if stored_key == key and isinstance(index, Index):
            return index
        log.info("index cache stale; rebuilding", extra={"path": str(path)})
    except FileNotFoundError:
        pass
    except Exception as exc:  # cut short, from another version, not a pickle at all …
        log.warning("index cache unreadable; rebuilding", extra={"path": str(path),
                                                                 "reason": repr(exc)[:200]})
    index = build(entries)
    _store(path, key, index, {id(segmenter): "segmenter", id(synonyms): "synonyms"})
    return index


def _store(path: Path, key: str, index: Index, shared: dict[int, str]) -> None:
    buf = io.BytesIO()
    try:
        _Pickler(buf, shared).dump((key, index))
    except Exception as exc:  # something in the index cannot be pickled: serve without a cache
        log.warning("index not cacheable", extra={"reason": repr(exc)[:200]})
        return
    if atomic_write(path, buf.getvalue()):
        _prune(path.parent, keep=path)


def _prune(directory: Path, keep: Path) -> None:
    try:
        old = sorted((p for p in directory.glob("index-*.pickle") if p != keep),
                     key=lambda p: p.stat().st_mtime, reverse=True)
        for p in old[KEEP_FILES - 1:]:
            p.unlink(missing_ok=True)
    except OSError:
        pass  # another process pruned first; nothing is lost but disk space
