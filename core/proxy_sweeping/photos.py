"""Photos of a finished sweep: checked by content, re-encoded without EXIF, stored under the var
directory (never in the database) and handed out only through signed, expiring URLs.

Re-encoding with Pillow is what strips the metadata: a photo taken on a phone carries the GPS
position and the device in EXIF, and copying bytes through would send them on to the family. The
file type is read from the bytes (a PNG named .jpg is a PNG; a text file named .png is refused),
and the pixel count is capped before decoding, so a small file cannot expand into gigabytes.
"""

from __future__ import annotations

import hmac
import io
import secrets
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from core.booking.errors import BookingError
from core.crypto import FieldCipher

MAX_BYTES = 2 * 1024 * 1024
MAX_PHOTOS = 6
MAX_PIXELS = 40_000_000  # a 40 MP camera still fits; a decompression bomb does not
LINK_SECONDS = 3600
_KINDS = {"PNG": b"\x89PNG\r\n\x1a\n", "JPEG": b"\xff\xd8\xff"}
_NAME_CHARS = set("0123456789abcdef")


def sniff(data: bytes) -> str | None:
    """The format by its magic bytes: PNG, JPEG or WEBP; None for anything else."""
    for kind, magic in _KINDS.items():
        if data.startswith(magic):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def reencode(data: bytes, n: int) -> bytes:
    """``data`` (the ``n``th photo) as a fresh JPEG without metadata; BookingError when it is not
    a PNG/JPEG/WebP image within the limits."""
    if len(data) > MAX_BYTES:
        raise BookingError("proxy_photo_too_large", n=n)
    kind = sniff(data)
    if kind is None:
        raise BookingError("proxy_photo_type", n=n)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise BookingError("proxy_photo_type", n=n)
                img.load()
                # Keep the picture upright: the orientation lives in the EXIF we are dropping.
                upright = ImageOps.exif_transpose(img)
                rgb = _flatten(upright)
    except BookingError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise BookingError("proxy_photo_type", n=n) from None
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=85, optimize=True)  # no exif= given: none is written
    return out.getvalue()


def _flatten(img: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency (a PNG logo would otherwise turn black)."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        base = Image.new("RGB", rgba.size, (255, 255, 255))
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return img.convert("RGB")


def check_all(photos: tuple[bytes, ...]) -> list[bytes]:
    """Every photo re-encoded, or the first refusal (all are checked before any is stored)."""
    if not 1 <= len(photos) <= MAX_PHOTOS:
        raise BookingError("proxy_photo_count")
    return [reencode(data, n) for n, data in enumerate(photos, start=1)]


def folder(var_dir: Path, order_id: int) -> Path:
    return var_dir / "proxy_photos" / str(order_id)


def store(var_dir: Path, order_id: int, images: list[bytes]) -> list[str]:
    """Writes the images under the order's folder; returns their file names (random, so a name
    reveals nothing and cannot be guessed)."""
    where = folder(var_dir, order_id)
    where.mkdir(parents=True, exist_ok=True)
    names = []
    for data in images:
        name = secrets.token_hex(12) + ".jpg"
        tmp = where / (name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(where / name)  # a reader never sees half a file
        names.append(name)
    return names


def remove(var_dir: Path, order_id: int, names: list[str]) -> None:
    for name in names:
        if valid_name(name):
            (folder(var_dir, order_id) / name).unlink(missing_ok=True)


def valid_name(name: str) -> bool:
    stem, dot, ext = name.partition(".")
    return dot == "." and ext == "jpg" and len(stem) == 24 and set(stem) <= _NAME_CHARS


@dataclass(frozen=True)
class Link:
    order_id: int
    name: str
    expires: int
    sig: str

    def query(self) -> str:
        return f"exp={self.expires}&sig={self.sig}"


def _signature(cipher: FieldCipher, order_id: int, name: str, expires: int) -> str:
    # A keyed HMAC derived from the app's secret key (core.crypto), over everything the URL names.
    return cipher.sign(f"proxy-photo:{order_id}:{name}:{expires}", length=32)


def sign(cipher: FieldCipher, order_id: int, name: str, now: float | None = None) -> Link:
    expires = int(now if now is not None else time.time()) + LINK_SECONDS
    return Link(order_id, name, expires, _signature(cipher, order_id, name, expires))


def verify(cipher: FieldCipher, order_id: int, name: str, expires: str, sig: str, now: float) -> bool:
    """Whether a photo URL is genuine and not expired (constant-time comparison)."""
    if not (expires.isdigit() and len(expires) <= 12 and valid_name(name)):
        return False
    good = _signature(cipher, order_id, name, int(expires))
    return hmac.compare_digest(good.encode(), sig.encode()) and int(expires) >= now
