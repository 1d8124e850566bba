"""Console: settings (welcome message, contacts, holidays), staff accounts and the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi
from tortoise.expressions import Q

from content import auth
from content.audit import record
from content.messages import ERRORS
from content.routes import bp, done_redirect, flash, page, staff_required
from core import kb, site_settings
from core.booking.rules import SHANGHAI
from core.models import AuditLog, StaffSession, StaffUser
from core.models.staff import ROLES
from knowledge.render import CONTACT_LABELS, DEFAULT_CONTACTS

# Who may change which part of the settings page (admin may change all).
SECTION_ROLES = {"welcome": "editor", "contacts": "editor", "holidays": "registrar"}
AUDIT_PAGE = 50


def _may(staff: auth.Staff, section: str) -> bool:
    return staff.role == "admin" or staff.role == SECTION_ROLES[section]


async def _settings_page(request: Request, status: int = 200, error: str = "",
                         form: dict[str, Any] | None = None) -> HTTPResponse:
    current = await site_settings.load()
    values = form or {"welcome": current.welcome, "contacts": current.contacts,
                      "holidays": "\n".join(d.isoformat() for d in current.holidays)}
    staff = request.ctx.staff
    return page("admin_settings.html", status, staff=staff, done=flash(request), error=error,
                values=values, labels=CONTACT_LABELS, defaults=DEFAULT_CONTACTS,
                may={s: _may(staff, s) for s in SECTION_ROLES}, welcome_max=site_settings.WELCOME_MAX)


@bp.get("/console/settings")
@openapi.exclude()
@staff_required("editor", "registrar")
async def settings_form(request: Request) -> HTTPResponse:
    return await _settings_page(request)


@bp.post("/console/settings")
@openapi.exclude()
@staff_required("editor", "registrar")
async def settings_save(request: Request) -> HTTPResponse:
    staff, form = request.ctx.staff, request.form
    section = form.get("section") or ""
    if section not in SECTION_ROLES:
        return await _settings_page(request, 400, ERRORS["settings_bad_section"])
    if not _may(staff, section):
        return page("error.html", 403, staff=staff, message=ERRORS["forbidden"])
    try:
        if section == "welcome":
            text = site_settings.clean_welcome(form.get("welcome") or "")
            before = await site_settings.save(site_settings.WELCOME_KEY, {"text": text})
            await record(staff, "settings.welcome", site_settings.WELCOME_KEY, before=before,
                         after={"text": text})
        elif section == "contacts":
            given = {key: form.get(f"contact_{key}") or "" for key in CONTACT_LABELS}
            contacts = site_settings.clean_contacts(given, tuple(CONTACT_LABELS))
            before = await site_settings.save(site_settings.CONTACTS_KEY, dict(contacts))
            await kb.bump_version()  # answers embed contacts: every worker re-renders them
            await record(staff, "settings.contacts", site_settings.CONTACTS_KEY, before=before,
                         after=dict(contacts))
        else:
            days = site_settings.parse_holidays(form.get("holidays") or "")
            value = {"dates": [d.isoformat() for d in days]}
            before = await site_settings.save(site_settings.HOLIDAYS_KEY, dict(value))
            await record(staff, "settings.holidays", site_settings.HOLIDAYS_KEY, before=before,
                         after=value)
    except site_settings.SettingError as exc:
        message = ERRORS[f"settings_{exc.code}"].format(field=CONTACT_LABELS.get(exc.field, exc.field),
                                                        detail=exc.detail)
        current = await site_settings.load()
        values = {"welcome": current.welcome, "contacts": current.contacts,
                  "holidays": "\n".join(d.isoformat() for d in current.holidays)}
        if section == "contacts":
            values["contacts"] = {k: form.get(f"contact_{k}") or "" for k in CONTACT_LABELS}
        else:
            values[section] = form.get(section) or ""
        return await _settings_page(request, 422, message, values)
    return done_redirect("/console/settings", "saved")


# --- staff accounts (admin) -------------------------------------------------------------------


async def _staff_page(request: Request, status: int = 200, error: str = "",
                      form: dict[str, str] | None = None) -> HTTPResponse:
    users = await StaffUser.all().order_by("username")
    return page("admin_staff.html", status, staff=request.ctx.staff, done=flash(request), error=error,
                users=users, roles=ROLES, form=form or {}, now=datetime.now(UTC))


@bp.get("/console/staff")
@openapi.exclude()
@staff_required("admin")
async def staff_list(request: Request) -> HTTPResponse:
    return await _staff_page(request)


@bp.post("/console/staff")
@openapi.exclude()
@staff_required("admin")
async def staff_add(request: Request) -> HTTPResponse:
    form = request.form
    username, role = (form.get("username") or "").strip().lower(), form.get("role") or ""
    try:
        await auth.add_staff(username, role, form.get("password") or "", actor=request.ctx.staff.username)
    except auth.AuthError as exc:
        return await _staff_page(request, 422, ERRORS[exc.code], {"username": username, "role": role})
    return done_redirect("/console/staff", "staff_added")


@bp.post("/console/staff/<user_id:int>")
@openapi.exclude()
@staff_required("admin")
async def staff_change(request: Request, user_id: int) -> HTTPResponse:
    me: auth.Staff = request.ctx.staff
    user = await StaffUser.get_or_none(id=user_id)
    if user is None:
        return page("error.html", 404, staff=me, message=ERRORS["staff_not_found"])
    action = request.form.get("action") or ""
    if user.id == me.id and action in ("role", "deactivate"):
        # An admin demoting or locking out themselves could leave the bureau with no admin.
        return await _staff_page(request, 409, ERRORS["staff_self"])
    before = {"role": user.role, "active": user.active}
    try:
        after = await _apply(user, action, request.form.get("role") or "",
                             request.form.get("password") or "")
    except auth.AuthError as exc:
        return await _staff_page(request, 422, ERRORS[exc.code])
    if after is None:
        return await _staff_page(request, 400, ERRORS["staff_bad_action"])
    await record(me, f"staff.{action}", user.username, before=before, after=after)
    return done_redirect("/console/staff", "saved")


async def _apply(user: StaffUser, action: str, role: str, password: str) -> dict[str, Any] | None:
    if action == "role":
        if role not in ROLES:
            raise auth.AuthError("bad_role")
        await StaffUser.filter(id=user.id).update(role=role)
        await StaffSession.filter(user_id=user.id).delete()  # the new role applies from next login
        return {"role": role, "active": user.active}
    if action in ("deactivate", "activate"):
        active = action == "activate"
        await StaffUser.filter(id=user.id).update(active=active)
        if not active:
            await StaffSession.filter(user_id=user.id).delete()
        return {"role": user.role, "active": active}
    if action == "unlock":
        await StaffUser.filter(id=user.id).update(failed_logins=0, locked_until=None)
        return {"role": user.role, "active": user.active, "unlocked": True}
    if action == "password":
        await auth.set_password(user.id, password)
        return {"role": user.role, "active": user.active, "password": "已重置"}
    return None


# --- audit log (admin) ------------------------------------------------------------------------


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.get("/console/audit")
@openapi.exclude()
@staff_required("admin")
async def audit_log(request: Request) -> HTTPResponse:
    args = request.args
    actor, action, target = (args.get(k, "").strip()[:64] for k in ("actor", "action", "target"))
    since, until = _day(args.get("from")), _day(args.get("to"))
    pageno = int(args.get("page", "1")) if (args.get("page") or "1").isdigit() else 1
    query = Q()
    if actor:
        query &= Q(actor=actor.lower())
    if action:
        query &= Q(action__startswith=action)
    if target:
        query &= Q(target__icontains=target)
    if since:
        # Bounds in UTC: SQLite compares stored timestamps as text, so a +08:00 bound misorders.
        query &= Q(created_at__gte=datetime.combine(since, time.min, SHANGHAI).astimezone(UTC))
    if until:
        query &= Q(created_at__lt=datetime.combine(until + timedelta(days=1), time.min,
                                                   SHANGHAI).astimezone(UTC))
    pageno = max(1, min(pageno, 10_000))
    rows = await AuditLog.filter(query).order_by("-id").offset((pageno - 1) * AUDIT_PAGE) \
        .limit(AUDIT_PAGE + 1)
    actions = await AuditLog.all().distinct().order_by("action").values_list("action", flat=True)
    return page("admin_audit.html", staff=request.ctx.staff, rows=rows[:AUDIT_PAGE],
                more=len(rows) > AUDIT_PAGE, pageno=pageno, tz=SHANGHAI, actions=actions,
                filters={"actor": actor, "action": action, "target": target,
                         "from": since.isoformat() if since else "",
                         "to": until.isoformat() if until else ""})
