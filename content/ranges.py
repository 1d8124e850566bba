"""HTTP byte ranges (RFC 9110 §14) for the step videos, so a phone's player can seek.

One range per request (what video players send); a request with several is served whole, as the
RFC allows. A ``bytes`` range that cannot be satisfied — or is malformed — is refused with 416 and
``Content-Range: bytes */size``; another unit is ignored.
"""

from __future__ import annotations

import re

_SPEC = re.compile(r"bytes=(\d*)-(\d*)")


class Unsatisfiable(Exception):
    """The Range header asks for bytes the file does not have (→ 416)."""


def parse(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte, inclusive, or None to send the whole file; raises Unsatisfiable."""
    if not header:
        return None
    header = header.strip()
    if not header.lower().startswith("bytes="):
        return None  # an unknown unit: ignored
    if "," in header:
        return None  # several ranges: the whole file instead of multipart/byteranges
    match = _SPEC.fullmatch(header.replace(" ", ""))
    if match is None or size <= 0:
        raise Unsatisfiable
    first, last = match.groups()
    if not first:  # "bytes=-N": the last N bytes
        if not last or int(last) == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise Unsatisfiable
    return start, min(end, size - 1)
