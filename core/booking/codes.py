"""Booking codes, the check-in QR payload and the .ics calendar file (pure functions)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from core.crypto import FieldCipher

# No 0/O, 1/I/L: staff read codes aloud and residents type them.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
QR_PREFIX = "BSMZ1"


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def qr_payload(cipher: FieldCipher, booking_id: int, code: str) -> str:
    """What the mini-program renders as a QR code; the signature lets staff reject forged codes
    offline without a lookup, and the id makes the online lookup one primary-key read."""
    return f"{QR_PREFIX}:{booking_id}:{code}:{cipher.sign(f'{booking_id}:{code}')}"


def parse_qr(cipher: FieldCipher, payload: str) -> tuple[int, str] | None:
    parts = payload.strip().split(":")
    if len(parts) != 4 or parts[0] != QR_PREFIX or not parts[1].isdigit():
        return None
    booking_id, code = int(parts[1]), parts[2]
    if not secrets.compare_digest(parts[3], cipher.sign(f"{booking_id}:{code}")):
        return None
    return booking_id, code


def _ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _ics_escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def ics(*, uid: str, title: str, starts_at: datetime, ends_at: datetime, location: str,
        description: str, now: datetime) -> str:
    """An RFC 5545 calendar with one event and a reminder the day before."""
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Baoshan Civil Affairs//Booking//ZH",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:{uid}", f"DTSTAMP:{_ics_time(now)}", f"DTSTART:{_ics_time(starts_at)}",
        f"DTEND:{_ics_time(ends_at)}", f"SUMMARY:{_ics_escape(title)}",
        f"LOCATION:{_ics_escape(location)}", f"DESCRIPTION:{_ics_escape(description)}",
        "BEGIN:VALARM", "TRIGGER:-P1D", "ACTION:DISPLAY", f"DESCRIPTION:{_ics_escape(title)}",
        "END:VALARM", "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
