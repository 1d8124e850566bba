"""The console's blueprint: its static files, its guard (``staff_required``) and its one error
presenter, which turns any ``DomainError`` a service raises into the "无法继续" page.

Pages that show a refusal inline beside the form catch the error themselves and take its text from
the same catalogue (``content.pages.say``); everything else reaches the presenter here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from sanic import Blueprint, Request
from sanic.exceptions import MethodNotAllowed, PayloadTooLarge, SanicException
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi
from tortoise.exceptions import OperationalError

from content.auth import csrf_ok, session_staff
from content.pages import HERE, error_page, page, posted
from core import request_ctx
from core.catalogue import text
from core.errors import (
    UNAVAILABLE_ERRORS,
    DomainError,
    database_unavailable,
    error_response,
    unavailable_headers,
)

bp = Blueprint("content")
SESSION_COOKIE = "bs_session"
CSRF_COOKIE = "bs_login_csrf"
LOGIN_URL = "/console/login"
bp.static("/console/static", HERE / "static", name="console_static")
# Browsers ask for /favicon.ico on their own; the console's base template links it too.
bp.static("/favicon.ico", HERE / "static" / "favicon.ico", name="favicon")

Handler = Callable[..., Awaitable[HTTPResponse]]

# The console's status table: a code's HTTP status when it is shown as a page or beside a form.
# Codes not listed are input the rules refused (422), unless they name something not found (404).
STATUS: dict[str, int] = {
    "bad_credentials": 401,
    "forbidden": 403,
    "csrf": 403,
    "login_rate_limited": 429,
    "upload_too_large": 413,
    "notice_bad_action": 409,
    "notice_conflict": 409,
    "kb_conflict": 409,
    "kb_conflict_retry": 409,
    "kb_id_taken": 409,
    "kb_group_missing": 404,
    "staff_self": 409,
    "staff_bad_action": 400,
    "settings_bad_section": 400,
    "username_taken": 422,
}


def status_for(code: str) -> int:
    if code in STATUS:
        return STATUS[code]
    if code.startswith("notice_cannot_"):
        return 409  # the notice's state does not allow it: a conflict, not bad input
    if code.endswith("_not_found"):
        return 404
    return 422


@bp.exception(DomainError)
async def present(request: Request, exception: DomainError) -> HTTPResponse:
    """Every DomainError no page showed inline: its catalogue text on the error page. The public
    pages' JSON (``/api/v1/notices``…) is read by residents: the app's JSON presenter answers."""
    if not request.path.startswith("/console"):
        return request.app.error_handler.default(request, exception)
    return error_page(request, status_for(exception.code), exception.code, exception.params)


# The framework's own refusals (a bad method, a malformed request) and anything unexpected, as
# staff see them: the console's page with the catalogue's words, never the API's JSON body. Codes
# per status; anything else is "console_error". The public paths keep the app's JSON presenter.
FRAMEWORK_CODES: dict[int, str] = {400: "console_bad_request", 404: "console_not_found",
                                   405: "console_bad_method"}


@bp.exception(SanicException, Exception)
async def framework_error(request: Request, exception: Exception) -> HTTPResponse:
    if not request.path.startswith("/console") or database_unavailable(exception):
        return request.app.error_handler.default(request, exception)
    status = exception.status_code if isinstance(exception, SanicException) else 500
    if status >= 500:
        # Logged (with the traceback) and answered as JSON by the app's handler; the page reuses
        # only its status, so staff read words and the log keeps the details.
        status = request.app.error_handler.default(request, exception).status
        return error_page(request, status, "console_unavailable" if status == 503 else "console_error")
    return error_page(request, status, FRAMEWORK_CODES.get(status, "console_bad_request"))




@bp.exception(PayloadTooLarge)
async def too_large(request: Request, exception: PayloadTooLarge) -> HTTPResponse:
    """A form over the request size limit never reaches its handler (the body is refused while it
    is read): staff get a page saying what happened; the public API keeps the JSON error."""
    if not request.path.startswith("/console"):
        return error_response("payload_too_large", 413)
    return error_page(request, 413, "upload_too_large")


@bp.exception(*UNAVAILABLE_ERRORS, OSError, OperationalError)
async def unavailable(request: Request, exception: Exception) -> HTTPResponse:
    """The database is away (down, frozen, locked): staff get a page saying to try again shortly,
    with 503 + Retry-After like the JSON API, instead of a JSON 500 in the browser. Anything else
    these types cover goes to the app's one error handler."""
    if not database_unavailable(exception):
        return request.app.error_handler.default(request, exception)
    if not request.path.startswith("/console"):
        return request.app.error_handler.default(request, exception)  # JSON 503
    response = page("error.html", 503, message=text("residents", "service_unavailable"))
    response.headers.update(unavailable_headers())
    return response


def staff_required(*roles: str) -> Callable[[Handler], Handler]:
    """Every console page but login: anonymous → login page, wrong role → 403.

    POSTs also need the session's CSRF token. The access test walks the route table, so a new
    console route without this decorator fails the suite.
    """

    def wrap(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            staff = await session_staff(request.cookies.get(SESSION_COOKIE), request_ctx.now(request))
            if staff is None:
                return redirect(LOGIN_URL)
            request.ctx.staff = staff
            if roles and staff.role not in roles and staff.role != "admin":
                return error_page(request, 403, "forbidden")
            if request.method == "POST" and not csrf_ok(staff.csrf, posted(request).get("csrf")):
                return error_page(request, 403, "csrf")
            return await handler(request, *args, **kwargs)

        guarded.__dict__["staff_roles"] = roles or ("*",)
        return guarded

    return wrap


def _wrong_method(request: Request, exception: Exception) -> HTTPResponse:
    """A console address asked with a method it does not take (PUT, a GET of a POST-only
    action): the router refuses before any route, so no blueprint handler sees it."""
    if not request.path.startswith("/console"):
        return request.app.error_handler.default(request, exception)
    return error_page(request, 405, "console_bad_method")


@bp.listener("before_server_start")
async def _framework_pages(app: Any) -> None:
    # App-wide, because MethodNotAllowed is raised before routing picks a blueprint; added when
    # the app starts, not at import. Other paths still get the app's JSON presenter.
    if (MethodNotAllowed, None) not in app.error_handler.cached_handlers:
        app.error_handler.add(MethodNotAllowed, _wrong_method)


# Two patterns, because one "/console/<rest:path>" would also match "/console/" itself (an empty
# rest) ahead of the dashboard; these need a first segment, which every real page outranks. The
# static files are left out by name: the router would otherwise rank this pattern above theirs.
@bp.route("/console/<first:(?!static$)[^/]+>", methods=["GET", "POST"], name="console_not_found")
@bp.route("/console/<first:(?!static/)[^/]+>/<rest:path>", methods=["GET", "POST"],
          name="console_not_found_deep")
@openapi.exclude()
@staff_required()
async def not_found(request: Request, first: str, rest: str = "") -> HTTPResponse:
    """A console address that names no page gets the console's own 404 page, after the sign-in
    check (an outsider is sent to the login page, as everywhere under /console, and learns nothing
    of which pages exist). Every more specific console route wins over this one."""
    return error_page(request, 404, "console_not_found")
