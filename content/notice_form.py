"""The notice editor's form: what staff typed, checked in full before anything is written.

Kept apart from the routes so a refused submission can be re-shown exactly as typed, including a
cover image already chosen (carried in a hidden field, re-checked on every submission).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sanic import Request

from content.markdown import render, summary_of
from content.pages import posted, say
from core.models import CharityCampaign, Notice
from core.notices import NoticeRuleError, SaveNotice, check_cover
from core.tz import SHANGHAI

TITLE_MAX = 120
SUMMARY_MAX = 300
BODY_MAX = 50_000


def local_input(when: datetime | None) -> str:
    """A UTC moment as the value of a ``datetime-local`` input (Shanghai wall-clock time)."""
    return when.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M") if when else ""


def local_text(when: datetime | None) -> str:
    return when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if when else ""


def parse_local(text: str) -> datetime:
    """``datetime-local`` text in Shanghai time → aware UTC; raises NoticeRuleError."""
    try:
        parsed = datetime.fromisoformat(text.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=SHANGHAI)
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # year 1 in Shanghai is before year 1 in UTC
        raise NoticeRuleError("notice_bad_time") from None
    if not 2000 <= parsed.year <= 2100:
        raise NoticeRuleError("notice_bad_time")
    return parsed


@dataclass
class NoticeForm:
    title: str = ""
    summary: str = ""  # empty: made from the body when saved
    body: str = ""
    publish_at: str = ""  # datetime-local text, Shanghai time
    campaign_id: str = ""
    remove_cover: bool = False
    pending_cover: str = ""  # base64 of an upload already checked, until the notice is saved
    pending_size: int = 0

    @classmethod
    def from_notice(cls, notice: Notice) -> NoticeForm:
        # An automatic summary is shown empty so it follows the body on the next save.
        auto = notice.summary == summary_of(notice.body_html)
        return cls(title=notice.title, summary="" if auto else notice.summary, body=notice.body,
                   publish_at=local_input(notice.publish_at) if notice.status == "scheduled" else "",
                   campaign_id=str(notice.campaign_id or ""))

    @classmethod
    def from_request(cls, request: Request) -> NoticeForm:
        form = posted(request)

        def text(name: str) -> str:
            # Browsers send CRLF in textareas; store one kind of newline. PostgreSQL text cannot
            # hold NUL, so it is dropped rather than turned into a database error.
            return (form.get(name) or "").replace("\r\n", "\n").replace("\x00", "")

        return cls(title=text("title").strip(), summary=text("summary").strip(), body=text("body"),
                   publish_at=text("publish_at").strip(), campaign_id=text("campaign_id").strip(),
                   remove_cover=form.get("remove_cover") == "1", pending_cover=text("pending_cover"))


@dataclass
class Checked:
    """A submission that passed every field check, ready to write."""

    title: str
    summary: str
    body: str
    body_html: str
    campaign_id: int | None
    requested_at: datetime | None
    cover: tuple[bytes, str] | None  # a new cover (bytes, content type), if one was given
    errors: list[str] = field(default_factory=list)

    def command(self, action: str, form: NoticeForm, expected: datetime | None) -> SaveNotice:
        """The service's command for this submission (``expected``: the version loaded)."""
        return SaveNotice(action=action, title=self.title, summary=self.summary, body=self.body,
                          body_html=self.body_html, campaign_id=self.campaign_id,
                          requested_at=self.requested_at, cover=self.cover,
                          remove_cover=form.remove_cover, expected=expected)


def _take_cover(request: Request, form: NoticeForm) -> tuple[bytes, str] | None:
    upload = request.files.get("cover") if request.files else None
    if upload is not None and (upload.body or upload.name):
        data = bytes(upload.body)
    elif form.pending_cover:
        try:
            data = base64.b64decode(form.pending_cover, validate=True)
        except (binascii.Error, ValueError):
            raise NoticeRuleError("notice_cover_type") from None
    else:
        return None
    kind = check_cover(data)
    form.pending_cover = base64.b64encode(data).decode()
    form.pending_size = len(data)
    return data, kind


async def check(request: Request, form: NoticeForm, action: str) -> Checked:
    """Every field of ``form``; problems are collected in ``errors`` (Chinese), not raised."""
    errors: list[str] = []
    cover = None
    try:
        cover = _take_cover(request, form)
    except NoticeRuleError as exc:
        form.pending_cover, form.pending_size = "", 0
        errors.append(say(exc.code, exc.params))
    if not form.title:
        errors.append(say("notice_title_required"))
    elif len(form.title) > TITLE_MAX:
        errors.append(say("notice_title_too_long"))
    if len(form.summary) > SUMMARY_MAX:
        errors.append(say("notice_summary_too_long"))
    if len(form.body) > BODY_MAX:
        errors.append(say("notice_body_too_long"))
    campaign_id: int | None = None
    if form.campaign_id:
        wanted = int(form.campaign_id) if form.campaign_id.isdigit() and len(form.campaign_id) < 10 else 0
        if wanted and await CharityCampaign.filter(id=wanted).exists():
            campaign_id = wanted
        else:
            errors.append(say("notice_bad_campaign"))
    requested_at = None
    if action == "schedule" and form.publish_at:
        try:
            requested_at = parse_local(form.publish_at)
        except NoticeRuleError as exc:
            errors.append(say(exc.code, exc.params))
    body_html = render(form.body) if len(form.body) <= BODY_MAX else ""
    return Checked(title=form.title, summary=form.summary or summary_of(body_html), body=form.body,
                   body_html=body_html, campaign_id=campaign_id, requested_at=requested_at,
                   cover=cover, errors=errors)


def preview_cover(form: NoticeForm, notice_id: int | None, saved_cover: bool) -> str:
    """The picture the preview shows above the title, as residents will see it once saved: a
    cover chosen but not yet saved (inline, as a data: URL, since nothing is stored until the
    save), else the saved one unless it is being removed; "" for none."""
    if form.pending_cover:
        try:
            kind = check_cover(base64.b64decode(form.pending_cover, validate=True))
        except (binascii.Error, ValueError, NoticeRuleError):
            return ""
        return f"data:{kind};base64,{form.pending_cover}"
    if notice_id is not None and saved_cover and not form.remove_cover:
        return f"/console/notices/{notice_id}/cover"
    return ""
