"""网办小视频 on a guide step: an uploaded MP4 (checked by its content, kept as a file under the
var dir, never in the database) or a link to the account's 视频号 / an https page.

The file is written before the transaction that points the step at it and the replaced file is
deleted only after that transaction commits, so a step never names a missing file; a failed
transaction deletes the new file again.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path

from tortoise.transactions import in_transaction

from core import audit
from core.guides import TITLE_MAX, GuideError, guide_step, locked_guide, step_snapshot
from core.models import GuideStep

VIDEO_MAX_BYTES = 20 * 1024 * 1024
URL_MAX = 500
_NAME = re.compile(r"[0-9a-f]{32}\.mp4")
# ISO base media brands of MP4 video. HEIF/AVIF pictures are ISO-BMFF files with an ftyp box too,
# so a brand list (not the box alone) is what tells a video from a photo.
_VIDEO_BRANDS = frozenset({b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42",
                           b"mp71", b"avc1", b"M4V ", b"dash", b"MSNV", b"3gp4", b"3gp5", b"3gp6",
                           b"f4v ", b"hvc1"})
_IMAGE_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"})


def is_mp4(data: bytes) -> bool:
    """True when ``data`` starts with an ISO-BMFF ``ftyp`` box naming an MP4 video brand,
    whatever the file was called or sent as."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[0:4], "big")
    if size < 16 or size > min(len(data), 4096) or size % 4:
        return False
    major = data[8:12]
    compatible = {data[i:i + 4] for i in range(16, size, 4)}
    if major in _IMAGE_BRANDS:
        return False
    return major in _VIDEO_BRANDS or bool(compatible & _VIDEO_BRANDS)


def video_dir(var_dir: Path) -> Path:
    return var_dir / "guide_videos"


def stored_path(var_dir: Path, name: str) -> Path | None:
    """The stored file for a step's ``video_file``; None for a name this module never made."""
    return video_dir(var_dir) / name if _NAME.fullmatch(name) else None


def _write(var_dir: Path, data: bytes) -> str:
    folder = video_dir(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.mp4"
    temporary = folder / f".{name}.part"
    temporary.write_bytes(data)
    temporary.replace(folder / name)  # whole or absent, never half a file under its name
    return name


async def delete_file(var_dir: Path, name: str) -> None:
    path = stored_path(var_dir, name) if name else None
    if path is not None:
        await asyncio.to_thread(path.unlink, True)


def _check_title(title: str) -> None:
    if len(title) > TITLE_MAX:
        raise GuideError("guide_video_title_too_long", field="video_title")


async def attach_upload(actor: audit.Actor, guide_id: str, step_id: int, title: str,
                        data: bytes, var_dir: Path) -> GuideStep:
    _check_title(title)
    if not data:
        raise GuideError("guide_video_empty", field="video")
    if len(data) > VIDEO_MAX_BYTES:
        raise GuideError("guide_video_too_large", field="video")
    if not is_mp4(data):
        raise GuideError("guide_video_not_mp4", field="video")
    name = await asyncio.to_thread(_write, var_dir, data)
    try:
        found, old = await _point(actor, guide_id, step_id,
                                  kind="file", title=title, url="", file=name, size=len(data))
    except BaseException:
        await delete_file(var_dir, name)
        raise
    await delete_file(var_dir, old)
    return found


async def attach_link(actor: audit.Actor, guide_id: str, step_id: int, title: str, url: str,
                      var_dir: Path) -> GuideStep:
    _check_title(title)
    url = url.strip()
    if not url.startswith("https://") or len(url) > URL_MAX or any(c.isspace() for c in url) \
            or any(c in url for c in "<>\"'"):
        raise GuideError("guide_video_bad_url", field="video_url")
    found, old = await _point(actor, guide_id, step_id,
                              kind="link", title=title, url=url, file="", size=0)
    await delete_file(var_dir, old)
    return found


async def remove_video(actor: audit.Actor, guide_id: str, step_id: int, var_dir: Path) -> None:
    _, old = await _point(actor, guide_id, step_id,
                          kind="", title="", url="", file="", size=0)
    await delete_file(var_dir, old)


async def _point(actor: audit.Actor, guide_id: str, step_id: int, *, kind: str,
                 title: str, url: str, file: str, size: int) -> tuple[GuideStep, str]:
    """Sets the step's video; returns it and the name of the file it no longer uses ("")."""
    async with in_transaction() as conn:
        guide = await locked_guide(guide_id, conn)
        found = await guide_step(guide, step_id, conn)
        old = found.video_file if found.video_kind == "file" else ""
        before = {**step_snapshot(found), "video_title": found.video_title,
                  "video_url": found.video_url, "video_size": found.video_size}
        found.video_kind, found.video_title, found.video_url = kind, title.strip(), url
        found.video_file, found.video_size = file, size
        await found.save(using_db=conn)
        after = {**step_snapshot(found), "video_title": found.video_title,
                 "video_url": found.video_url, "video_size": found.video_size}
        # The action follows from what is set: a file (upload), a link, or neither (removal).
        await audit.record(actor, "guide.video_upload" if file else
                           "guide.video_link" if url else "guide.video_remove",
                           f"{guide.id}#{found.id}", before=before, after=after, conn=conn)
    return found, old if old != file else ""
