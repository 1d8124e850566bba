"""Console: settings (welcome message, contacts, holidays, 政策找人 standards), staff accounts and
the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi
from tortoise.expressions import Q

from content import audit_view
from content.blueprint import bp, staff_required, status_for
from content.messages import ROLE_NAMES
from content.pages import done_redirect, flash, page, posted, say
from core import accounts, catalogue, request_ctx, site_settings
from core.accounts import AuthError
from core.models import AuditLog, StaffUser
from core.policy_standards import AMOUNTS as POLICY_AMOUNTS
from core.streets import streets as known_streets
from core.tz import day_bounds, minute_text
from knowledge.render import CONTACT_LABELS, DEFAULT_CONTACTS

AUDIT_PAGE = 50


def default_welcome() -> str:
    """What new followers read when staff set nothing: the bot's own default (the residents'
    catalogue), so the box shows the real text instead of an empty field."""
    return catalogue.text("residents", "bot_welcome")


def _current_values(current: site_settings.SiteSettings) -> dict[str, Any]:
    return {"welcome": current.welcome or default_welcome(), "welcome_is_default": not current.welcome,
            "contacts": current.contacts,
            "holidays": "\n".join(d.isoformat() for d in current.holidays),
            "policy": {k: str(v) for k, v in current.policy.items()}}


async def _settings_page(request: Request, status: int = 200, error: str = "",
                         form: dict[str, Any] | None = None) -> HTTPResponse:
    values = form or _current_values(await site_settings.load())
    staff = request.ctx.staff
    return page("admin_settings.html", status, staff=staff, done=flash(request), error=error,
                values=values, labels=CONTACT_LABELS, defaults=DEFAULT_CONTACTS,
                may={s: site_settings.may(staff.role, s) for s in site_settings.SECTION_ROLES},
                welcome_max=site_settings.WELCOME_MAX)


@bp.get("/console/settings")
@openapi.exclude()
@staff_required("editor", "registrar")
async def settings_form(request: Request) -> HTTPResponse:
    return await _settings_page(request)


@bp.post("/console/settings")
@openapi.exclude()
@staff_required("editor", "registrar")
async def settings_save(request: Request) -> HTTPResponse:
    form = posted(request)
    cmd = site_settings.SaveSettings(
        section=form.get("section") or "", welcome=form.get("welcome") or "",
        contacts={key: form.get(f"contact_{key}") or "" for key in CONTACT_LABELS},
        holidays=form.get("holidays") or "",
        policy={key: form.get(f"policy_{key}") or "" for key in ("year", *POLICY_AMOUNTS)})
    try:
        await site_settings.save_section(request.ctx.staff, cmd)
    except site_settings.SettingError as exc:
        # The page again, with what was typed in the refused section and the reason above it.
        values = _current_values(await site_settings.load())
        if cmd.section == "contacts":
            values["contacts"] = cmd.contacts
        elif cmd.section == "policy":
            values["policy"] = cmd.policy
        elif cmd.section in site_settings.SECTION_ROLES:
            values[cmd.section] = form.get(cmd.section) or ""
        return await _settings_page(request, status_for(exc.code), say(exc.code, exc.params),
                                    values if cmd.section in site_settings.SECTION_ROLES else None)
    return done_redirect("/console/settings", "saved")


# --- staff accounts (admin) -------------------------------------------------------------------


# Least privilege first: a new account gets the role that can do least harm unless the admin
# picks another. An editor never sees residents' personal data; a registrar does; an admin does all.
# Least privilege first: an editor never sees residents' personal data; an adviser sees only the
# referrals of the 街镇 they serve.
ROLE_ORDER = ("editor", "adviser", "registrar", "admin")
NEW_ACCOUNT_ROLE = ROLE_ORDER[0]
# Account actions whose confirmation names the account (and its role): "已解锁 zhao.registrar".
NAMED_DONE = frozenset({"added", "role", "deactivate", "activate", "unlock", "password"})


def _done_url(action: str, user_id: int, code: str = "saved") -> HTTPResponse:
    # The account travels as its id, never as its name: the page reads the name from the database,
    # so a crafted link cannot make the console announce something about someone else's name.
    return done_redirect(f"/console/staff?user={user_id}&did={action}", code)


async def _staff_done(request: Request) -> str:
    action, raw = request.args.get("did") or "", request.args.get("user") or ""
    if action not in NAMED_DONE or not raw.isdigit() or len(raw) > 12:
        return flash(request)
    user = await StaffUser.get_or_none(id=int(raw))
    if user is None:
        return flash(request)
    key = "staff_added_named" if action == "added" else f"staff_{action}"
    return say(f"done.{key}", {"username": user.username, "role": ROLE_NAMES.get(user.role, user.role)})


async def _staff_page(request: Request, status: int = 200, error: str = "",
                      form: dict[str, Any] | None = None) -> HTTPResponse:
    users = await StaffUser.all().order_by("username")
    return page("admin_staff.html", status, staff=request.ctx.staff, done=await _staff_done(request),
                error=error, users=users, roles=ROLE_ORDER, form=form or {},
                new_role=(form or {}).get("role") or NEW_ACCOUNT_ROLE,
                now=request_ctx.now(request), minute=minute_text, streets=known_streets().items,
                bound=lambda u: set(accounts.street_codes(u.streets)))


@bp.get("/console/staff")
@openapi.exclude()
@staff_required("admin")
async def staff_list(request: Request) -> HTTPResponse:
    return await _staff_page(request)


@bp.post("/console/staff")
@openapi.exclude()
@staff_required("admin")
async def staff_add(request: Request) -> HTTPResponse:
    form = posted(request)
    cmd = accounts.NewAccount.of(form.get("username") or "", form.get("role") or "",
                                 form.get("password") or "", tuple(form.getlist("streets") or ()))
    try:
        user = await accounts.add(request.ctx.staff, cmd)
    except AuthError as exc:
        return await _staff_page(request, status_for(exc.code), say(exc.code, exc.params),
                                 {"username": cmd.username, "role": cmd.role,
                                  "streets": cmd.streets})
    return _done_url("added", user.id, "staff_added")


async def _deactivate_confirm(request: Request, user_id: int) -> HTTPResponse | None:
    """The confirm page before a deactivation (the account can no longer sign in). None where the
    change itself refuses (one's own account), so that refusal shows as before."""
    user = await StaffUser.get_or_none(id=user_id)
    if user is None:
        raise AuthError("staff_not_found")
    if user.id == request.ctx.staff.id:
        return None
    return page("confirm.html", staff=request.ctx.staff, title=say("confirm.staff_deactivate.title"),
                message=say("confirm.staff_deactivate", {"username": user.username}), details=[],
                action=f"/console/staff/{user.id}", fields=[("action", "deactivate")],
                button=say("confirm.staff_deactivate.button"), back="/console/staff")


@bp.post("/console/staff/<user_id:int>")
@openapi.exclude()
@staff_required("admin")
async def staff_change(request: Request, user_id: int) -> HTTPResponse:
    form = posted(request)
    cmd = accounts.AccountChange(user_id, form.get("action") or "", role=form.get("role") or "",
                                 password=form.get("password") or "",
                                 streets=tuple(form.getlist("streets") or ()))
    if cmd.action == "deactivate" and form.get("confirm") != "1":
        confirm = await _deactivate_confirm(request, user_id)
        if confirm is not None:
            return confirm
    try:
        await accounts.change(request.ctx.staff, cmd)
    except AuthError as exc:
        if exc.code == "staff_not_found":
            raise  # the console's error page, not the list
        return await _staff_page(request, status_for(exc.code), say(exc.code, exc.params))
    return _done_url(cmd.action, user_id)


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
        # Part of a name: staff remember "li" of li.na more often than the whole account name.
        query &= Q(actor__icontains=actor.lower())
    if action:
        query &= Q(action__startswith=action)
    if target:
        query &= Q(target__icontains=target)
    if since:
        # Bounds in UTC: SQLite compares stored timestamps as text, so a +08:00 bound misorders.
        query &= Q(created_at__gte=day_bounds(since)[0])
    if until:
        query &= Q(created_at__lt=day_bounds(until)[1])
    pageno = max(1, min(pageno, 10_000))
    rows = await AuditLog.filter(query).order_by("-id").offset((pageno - 1) * AUDIT_PAGE) \
        .limit(AUDIT_PAGE + 1)
    more = len(rows) > AUDIT_PAGE
    actions = await AuditLog.all().distinct().order_by("action").values_list("action", flat=True)
    rows = rows[:AUDIT_PAGE]
    return page("admin_audit.html", staff=request.ctx.staff, rows=rows,
                more=more, pageno=pageno, minute=minute_text,
                actions=[(str(a), audit_view.action_label(str(a))) for a in actions],
                label=audit_view.action_label, diff=audit_view.diff,
                targets=await audit_view.targets(rows),
                filters={"actor": actor, "action": action, "target": target,
                         "from": since.isoformat() if since else "",
                         "to": until.isoformat() if until else ""})
