"""Settings staff change without a deploy: the welcome message, contact details, holidays.

Stored as rows of ``Setting`` (key → JSON). Validation is plain Python so the console, the CLI and
tests share it; contact changes bump the knowledge-base version because answers embed them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.models import Setting

WELCOME_KEY = "welcome_message"  # {"text": str}, read by the bot on every follow
CONTACTS_KEY = "contacts"  # {name: str}, rendered into answers as ${name}
HOLIDAYS_KEY = "holidays"  # {"dates": ["YYYY-MM-DD", ...]}, skipped when slots open in bulk
WELCOME_MAX = 600
CONTACT_MAX = 120
HOLIDAYS_MAX = 400

_SPLIT = re.compile(r"[\s,，、;；]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class SettingError(ValueError):
    def __init__(self, code: str, field: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.field, self.detail = code, field, detail


@dataclass(frozen=True)
class SiteSettings:
    welcome: str
    contacts: dict[str, str]
    holidays: tuple[date, ...]


async def _value(key: str) -> dict[str, object]:
    row = await Setting.get_or_none(key=key)
    return dict(row.value or {}) if row else {}


async def load() -> SiteSettings:
    welcome = await _value(WELCOME_KEY)
    contacts = await _value(CONTACTS_KEY)
    days = tuple(sorted(holidays_of(await _value(HOLIDAYS_KEY))))
    return SiteSettings(str(welcome.get("text") or ""), {str(k): str(v) for k, v in contacts.items()},
                        days)


async def load_welcome() -> str:
    return str((await _value(WELCOME_KEY)).get("text") or "")


async def load_contacts() -> dict[str, str]:
    return {str(k): str(v) for k, v in (await _value(CONTACTS_KEY)).items()}


async def load_holidays() -> set[date]:
    return holidays_of(await _value(HOLIDAYS_KEY))


def holidays_of(value: Any) -> set[date]:
    """The stored holidays, {"dates": ["YYYY-MM-DD", ...]}; entries that are not dates are ignored
    (the settings page validates them; a bad one must not stop slots being opened)."""
    raw = value.get("dates") if isinstance(value, dict) else None
    found: set[date] = set()
    for item in raw if isinstance(raw, list) else []:
        try:
            found.add(date.fromisoformat(str(item)))
        except ValueError:
            continue
    return found


def clean_welcome(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    if len(text) > WELCOME_MAX:
        raise SettingError("welcome_too_long", "welcome")
    return text


def clean_contacts(given: dict[str, str], known: tuple[str, ...]) -> dict[str, str]:
    """Only known keys; an empty value means "use the default wording", so it is dropped."""
    out: dict[str, str] = {}
    for key in known:
        value = _CONTROL.sub("", (given.get(key) or "").replace("\n", " ")).strip()
        if len(value) > CONTACT_MAX:
            raise SettingError("contact_too_long", key)
        if "$" in value:
            # A "$" would read as a placeholder when answers are rendered.
            raise SettingError("contact_bad_char", key)
        if value:
            out[key] = value
    return out


def parse_holidays(text: str) -> tuple[date, ...]:
    days: set[date] = set()
    for token in _SPLIT.split(text.strip()):
        if not token:
            continue
        try:
            days.add(date.fromisoformat(token))
        except ValueError:
            raise SettingError("holiday_bad_date", "holidays", token[:20]) from None
    if len(days) > HOLIDAYS_MAX:
        raise SettingError("holidays_too_many", "holidays")
    return tuple(sorted(days))


async def save(key: str, value: dict[str, object]) -> dict[str, object]:
    """Stores ``value`` and returns what was there before (for the audit log)."""
    before = await _value(key)
    await Setting.update_or_create(key=key, defaults={"value": value})
    return before
