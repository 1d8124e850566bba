"""Booking lists as CSV and XLSX bytes for staff (pure functions; masked personal data only).

Both formats neutralise spreadsheet formulas: a cell beginning with = + - @ (or a tab/CR, which
some programs strip before evaluating) gets a leading apostrophe, so a name typed as
``=HYPERLINK(...)`` is shown as text instead of run when the file is opened.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from core.tz import SHANGHAI

HEADER = ("预约码", "服务", "日期", "时间", "姓名", "手机", "人数", "状态", "签到时间", "爽约")
# An admin's explicit unmasked export (audited): full names and phones, ID numbers still only by
# their last four digits — enough to match people, never a whole ID number in a file.
UNMASKED_HEADER = ("预约码", "服务", "日期", "时间", "姓名", "手机", "证件后四位", "人数", "状态",
                   "签到时间", "爽约")
STATUS_NAMES = {"confirmed": "已确认", "cancelled": "已取消", "closed": "已关闭"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WIDTHS = (12, 16, 12, 13, 18, 14, 6, 8, 18, 6)
_UNMASKED_WIDTHS = (12, 16, 12, 13, 18, 14, 14, 6, 8, 18, 6)

Cell = str | int


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def masked_names(masked: Mapping[str, Any]) -> str:
    """"张* / 李*" for couples, "陈*" otherwise; only what the booking's masked copy holds."""
    if not isinstance(masked, Mapping):
        return ""
    names = [masked.get(k, {}).get("name", "") for k in ("party_a", "party_b")
             if isinstance(masked.get(k), Mapping)]
    if not names and isinstance(masked.get("name"), str):
        names = [masked["name"]]
    return " / ".join(str(n) for n in names if n)


def masked_phone(masked: Mapping[str, Any]) -> str:
    phone = masked.get("phone") if isinstance(masked, Mapping) else None
    return phone if isinstance(phone, str) else ""


def local_date(value: datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d")


def local_span(starts: datetime, ends: datetime) -> str:
    return f"{starts.astimezone(SHANGHAI):%H:%M}-{ends.astimezone(SHANGHAI):%H:%M}"


def local_moment(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


def booking_row(booking: Any, slot: Any, service_name: str,
                unmasked: tuple[str, str, str] | None = None) -> list[Cell]:
    """One export row; ``booking`` and ``slot`` are ORM rows (or anything with their fields).
    ``unmasked`` (names, phone, ID last four; see core.booking.identity) gives UNMASKED_HEADER's
    row, else HEADER's masked one."""
    people = ([unmasked[0], unmasked[1], unmasked[2]] if unmasked is not None
              else [masked_names(booking.masked), masked_phone(booking.masked)])
    return [booking.code, service_name, local_date(slot.starts_at),
            local_span(slot.starts_at, slot.ends_at), *people, int(booking.party_size),
            STATUS_NAMES.get(booking.status, booking.status), local_moment(booking.checked_in_at),
            "是" if booking.no_show_at else ""]


# openpyxl's own rule (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE), kept here so that importing this
# module — every worker does, for the console — does not load openpyxl (≈0.2 s) until an export.
_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _clean(value: Cell) -> Cell:
    if isinstance(value, int):
        return value
    # XML 1.0 cannot carry most control characters; openpyxl refuses them rather than drop them.
    return neutralise(_ILLEGAL_XML.sub("", str(value)))


def to_csv(rows: Iterable[Sequence[Cell]], header: Sequence[str] = HEADER) -> bytes:
    """UTF-8 with a BOM: without it Excel on Chinese Windows reads the file as GBK and garbles it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_clean(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Iterable[Sequence[Cell]], sheet: str = "预约名单",
            header: Sequence[str] = HEADER) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    ws = book.active  # typed optional (a workbook may have no sheets); a new one has one worksheet
    if not isinstance(ws, Worksheet):
        raise RuntimeError("a new openpyxl workbook has no active worksheet")
    ws.title = "".join(c for c in sheet if c not in "[]:*?/\\")[:31] or "Sheet1"
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_clean(v) for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it looks like
    for index, width in enumerate(_UNMASKED_WIDTHS if len(header) > len(HEADER) else _WIDTHS):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def content_disposition(filename: str, fallback: str) -> str:
    """RFC 6266 with an RFC 5987 ``filename*`` for the Chinese name and an ASCII fallback."""
    ascii_name = "".join(c for c in fallback if c.isascii() and c not in '"\\;') or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
