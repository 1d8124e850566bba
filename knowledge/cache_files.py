"""Where the knowledge caches live on disk and how they are written (the segmenter's dictionary,
the built index). Apart from knowledge.index_cache so that the segmenter, which the matcher
imports, does not import the module that loads matcher indexes (an import cycle)."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger("baoshan.kb")


def default_cache_dir() -> Path:
    """``BAOSHAN_CACHE_DIR``, else ``cache`` in the service's var directory (``BAOSHAN_VAR_DIR``,
    default ``./var``: the same rule as ``core.settings``)."""
    explicit = os.environ.get("BAOSHAN_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("BAOSHAN_VAR_DIR", "./var")).resolve() / "cache"


def atomic_write(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a
    part (several workers may write the same cache at once). False when it could not be written."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("cache not written", extra={"path": str(path), "reason": str(exc)})
        return False
    return True
