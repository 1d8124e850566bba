"""How the audit log reads to staff: actions as words, targets as links, changes field by field.

The log stores what services recorded (``core.audit``): an action code, a target key ("slot:12",
a notice id, a username) and before/after dicts. This module only translates them for the page;
the words come from the staff catalogue (``audit.*``, ``audit_field.*``) and every moment is shown
in Shanghai time, as everywhere else in the console.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from content.bookings_common import service_names
from content.messages import NOTICE_STATE_NAMES, ROLE_NAMES
from content.pages import say
from core import catalogue
from core.models import AuditLog, Booking, CharityCampaign, KbEntry, Notice, Slot
from core.tz import minute_text

# Stored moments are ISO text in UTC (or with an offset); staff read them on Shanghai's clock.
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_VALUE_NAMES: dict[str, dict[str, str]] = {"role": ROLE_NAMES, "status": NOTICE_STATE_NAMES}


def action_label(action: str) -> str:
    """The action's words; an action without a label (an old row) shows its code, never nothing."""
    code = f"audit.{action}"
    return say(code) if catalogue.has("staff", code) else action


def field_label(key: str) -> str:
    code = f"audit_field.{key}"
    return say(code) if catalogue.has("staff", code) else key


def value_text(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            return minute_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list | tuple):
        return "、".join(value_text(key, v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}：{value_text(k, v)}" for k, v in value.items())
    return _VALUE_NAMES.get(key, {}).get(str(value), str(value))


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None  # None: the field was not there before (a new record)
    new: str | None  # None: not recorded after (a deletion or a dismissal)
    changed: bool


def _fields(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return value if isinstance(value, dict) else {"value": value}


def diff(before: Any, after: Any) -> list[Change]:
    """Field by field, in recorded order: changed fields first, unchanged ones (context such as a
    booking's code) after them."""
    old, new = _fields(before), _fields(after)
    keys = list(dict.fromkeys([*new, *old]))
    changes = []
    for key in keys:
        was = value_text(key, old[key]) if key in old else None
        now = value_text(key, new[key]) if key in new else None
        changes.append(Change(field_label(key), was, now,
                              changed=before is None or after is None or was != now))
    return sorted(changes, key=lambda c: not c.changed)


@dataclass(frozen=True)
class Target:
    text: str
    url: str = ""


def _id(raw: str, prefix: str = "") -> int | None:
    """The number in "slot:12" (with ``prefix`` "slot:") or in "12" (without one)."""
    if not raw.startswith(prefix):
        return None
    raw = raw[len(prefix):]
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


async def targets(rows: list[AuditLog]) -> dict[int, Target]:
    """Each row's target as words and, where the console has a page for it, a link. One query per
    kind of object for the whole page of rows."""
    slot_ids = {i for r in rows if (i := _id(r.target, "slot:")) is not None}
    booking_ids = {i for r in rows if (i := _id(r.target, "booking:")) is not None}
    notice_ids = {i for r in rows if r.action.startswith("notice.") and (i := _id(r.target))}
    charity_ids = {i for r in rows if r.action.startswith("charity.") and (i := _id(r.target))}
    kb_ids = {r.target for r in rows if r.action.startswith("kb.") and r.target
              and not r.action.startswith("kb.unanswered")}
    bookings = {b.id: b for b in await Booking.filter(id__in=booking_ids)} if booking_ids else {}
    slot_ids |= {b.slot_id for b in bookings.values()}
    slots = {s.id: s for s in await Slot.filter(id__in=slot_ids)} if slot_ids else {}
    notices = dict(await Notice.filter(id__in=notice_ids).values_list("id", "title")) \
        if notice_ids else {}
    campaigns = dict(await CharityCampaign.filter(id__in=charity_ids).values_list("id", "title")) \
        if charity_ids else {}
    entries = dict(await KbEntry.filter(id__in=kb_ids).values_list("id", "title")) if kb_ids else {}
    names = await service_names() if slots else {}

    def slot_text(slot: Slot) -> str:
        return say("audit.target.slot", {"when": minute_text(slot.starts_at),
                                         "service": names.get(slot.service, slot.service)})

    def one(row: AuditLog) -> Target:
        target, family = row.target, row.action.split(".")[0]
        if (sid := _id(target, "slot:")) is not None and sid in slots:
            return Target(slot_text(slots[sid]), f"/console/slots/{sid}")
        if (bid := _id(target, "booking:")) is not None and bid in bookings:
            booking = bookings[bid]
            text = say("audit.target.booking", {"code": booking.code})
            slot = slots.get(booking.slot_id)
            return Target(f"{text} · {slot_text(slot)}" if slot else text,
                          f"/console/slots/{booking.slot_id}")
        if family == "notice" and (nid := _id(target)) in notices:
            return Target(say("audit.target.notice", {"title": notices[nid]}),
                          f"/console/notices/{nid}")
        if family == "charity" and (cid := _id(target)) in campaigns:
            return Target(say("audit.target.charity", {"title": campaigns[cid]}),
                          f"/console/charity/{cid}")
        if family == "kb" and target in entries:
            return Target(say("audit.target.kb", {"title": entries[target]}) + f"（{target}）",
                          f"/console/kb/{target}")
        if family == "staff":
            if not target:
                return Target(say("audit.target.unknown_account"))
            return Target(say("audit.target.staff", {"username": target}),
                          f"/console/staff#staff-{target}")
        if family == "settings":
            return Target(action_label(row.action).removeprefix("修改"), "/console/settings")
        if family == "urgent":
            return Target(target, "/console/urgent")
        if family == "referral" and (rid := _id(target, "referral:")) is not None:
            # No query: a withdrawn or erased referral is gone, its number is all there is.
            return Target(say("audit.target.referral", {"id": rid}), f"/console/referrals/{rid}")
        return Target(target or "—")

    return {row.id: one(row) for row in rows}
