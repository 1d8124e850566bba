"""Settings staff change without a deploy: the welcome message, contact details, holidays, and
the year's standards the 政策找人 self-check quotes (``core.policy_standards``).

Stored as rows of ``Setting`` (key → JSON). Validation is plain Python so the console, the CLI and
tests share it. ``save_section`` is the one way staff change them: it owns the transaction, who
may change which part, the audit row and, for contacts, the knowledge-base version (answers embed
contacts, so every worker re-renders them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import audit
from core.errors import DomainError
from core.kb_version import bump_version
from core.models import Setting
from core.policy_standards import AMOUNTS as POLICY_AMOUNTS
from core.policy_standards import KEY as POLICY_KEY
from knowledge.render import CONTACT_LABELS

WELCOME_KEY = "welcome_message"  # {"text": str}, read by the bot on every follow
CONTACTS_KEY = "contacts"  # {name: str}, rendered into answers as ${name}
HOLIDAYS_KEY = "holidays"  # {"dates": ["YYYY-MM-DD", ...]}, skipped when slots open in bulk
WELCOME_MAX = 600
CONTACT_MAX = 120
HOLIDAYS_MAX = 400

_SPLIT = re.compile(r"[\s,，、;；]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# Who may change which part of the settings page (admin may change all).
SECTION_ROLES = {"welcome": "editor", "contacts": "editor", "holidays": "registrar",
                 "policy": "editor"}
POLICY_MAX_AMOUNT = 1_000_000  # 元: far above any standard; a typo with extra zeros is refused


class SettingError(DomainError):
    """A setting refused; ``code`` keys the staff catalogue (all ``settings_*``), ``params`` carry
    the field's label and the offending text (``detail``)."""

    def __init__(self, code: str, field: str = "", detail: str = "") -> None:
        super().__init__(code, field=field or None,
                         params={"field": CONTACT_LABELS.get(field, field), "detail": detail})
        self.detail = detail


@dataclass(frozen=True)
class SiteSettings:
    welcome: str
    contacts: dict[str, str]
    holidays: tuple[date, ...]
    policy: dict[str, object] = field(default_factory=dict)  # the stored standards, by year


async def _value(key: str, conn: BaseDBAsyncClient | None = None) -> dict[str, object]:
    row = await Setting.get_or_none(key=key, using_db=conn)
    return dict(row.value or {}) if row else {}


async def load() -> SiteSettings:
    welcome = await _value(WELCOME_KEY)
    contacts = await _value(CONTACTS_KEY)
    days = tuple(sorted(holidays_of(await _value(HOLIDAYS_KEY))))
    return SiteSettings(str(welcome.get("text") or ""), {str(k): str(v) for k, v in contacts.items()},
                        days, await _value(POLICY_KEY))


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
        raise SettingError("settings_welcome_too_long", "welcome")
    return text


def clean_contacts(given: dict[str, str], known: tuple[str, ...]) -> dict[str, str]:
    """Only known keys; an empty value means "use the default wording", so it is dropped."""
    out: dict[str, str] = {}
    for key in known:
        value = _CONTROL.sub("", (given.get(key) or "").replace("\n", " ")).strip()
        if len(value) > CONTACT_MAX:
            raise SettingError("settings_contact_too_long", key)
        if "$" in value:
            # A "$" would read as a placeholder when answers are rendered.
            raise SettingError("settings_contact_bad_char", key)
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
            raise SettingError("settings_holiday_bad_date", "holidays", token[:20]) from None
    if len(days) > HOLIDAYS_MAX:
        raise SettingError("settings_holidays_too_many", "holidays")
    return tuple(sorted(days))


def clean_policy(given: dict[str, str]) -> dict[str, object]:
    """The year and the amounts (whole 元); an empty amount is "not published yet" and dropped.
    Amounts need their year: an amount without one would be quoted as this year's forever."""
    out: dict[str, object] = {}
    for key in ("year", *POLICY_AMOUNTS):
        raw = (given.get(key) or "").strip().replace(",", "").replace("，", "")
        if not raw:
            continue
        top = 2100 if key == "year" else POLICY_MAX_AMOUNT
        if not raw.isdigit() or not (2000 if key == "year" else 1) <= int(raw) <= top:
            raise SettingError("settings_policy_bad_number", f"policy_{key}", raw[:20])
        out[key] = int(raw)
    if "year" not in out and out:
        raise SettingError("settings_policy_year_missing", "policy_year")
    return out


async def save(key: str, value: dict[str, object],
               conn: BaseDBAsyncClient | None = None) -> dict[str, object]:
    """Stores ``value`` and returns what was there before (for the audit log)."""
    before = await _value(key, conn)
    await Setting.update_or_create(key=key, defaults={"value": value}, using_db=conn)
    return before


class Editor(Protocol):
    @property
    def username(self) -> str: ...

    @property
    def role(self) -> str: ...


def may(role: str, section: str) -> bool:
    return role == "admin" or SECTION_ROLES.get(section) == role


@dataclass(frozen=True)
class SaveSettings:
    """One section of the settings page as posted: ``welcome`` and ``holidays`` are the raw text,
    ``contacts`` the contact fields by key."""

    section: str
    welcome: str = ""
    contacts: dict[str, str] = field(default_factory=dict)
    holidays: str = ""
    policy: dict[str, str] = field(default_factory=dict)  # year and amounts, as typed


def _cleaned(cmd: SaveSettings) -> tuple[str, dict[str, object]]:
    """(key, value to store) for the section; raises SettingError."""
    if cmd.section == "welcome":
        return WELCOME_KEY, {"text": clean_welcome(cmd.welcome)}
    if cmd.section == "contacts":
        return CONTACTS_KEY, dict(clean_contacts(cmd.contacts, tuple(CONTACT_LABELS)))
    if cmd.section == "policy":
        return POLICY_KEY, clean_policy(cmd.policy)
    return HOLIDAYS_KEY, {"dates": [d.isoformat() for d in parse_holidays(cmd.holidays)]}


async def save_section(actor: Editor, cmd: SaveSettings) -> None:
    """Saves one section. Raises SettingError (``settings_bad_section`` or a refused value) or
    DomainError("forbidden") when the actor's role may not change that section."""
    if cmd.section not in SECTION_ROLES:
        raise SettingError("settings_bad_section", "section")
    if not may(actor.role, cmd.section):
        raise DomainError("forbidden")
    key, value = _cleaned(cmd)
    async with in_transaction() as conn:
        before = await save(key, value, conn)
        if key == CONTACTS_KEY:
            await bump_version(conn)  # answers embed contacts: every worker re-renders them
        await audit.record(actor, f"settings.{cmd.section}", key, before=before, after=value,
                           conn=conn)
