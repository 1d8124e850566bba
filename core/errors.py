"""Coded errors shared by every package, and the one JSON error shape the contract promises."""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg
from sanic import Request
from sanic.exceptions import RequestCancelled, SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse, json
from tortoise.exceptions import DBConnectionError, OperationalError

from core import catalogue
from core.catalogue import Audience
from core.logs import request_id_var
from core.tz import SHANGHAI

log = logging.getLogger("baoshan.errors")

_STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "bad_request",
    409: "conflict",
    413: "payload_too_large",
    416: "bad_request",
    422: "invalid_input",
    429: "rate_limited",
    503: "service_unavailable",
}


# How long a client should wait before retrying while the database is unavailable: about what a
# PostgreSQL restart or a failover takes.
RETRY_AFTER_S = 5

# The database could not be reached or did not answer in time: connection refused/reset, the
# pool's acquisition timeout or asyncpg's command_timeout (TimeoutError), the server-side
# statement_timeout (QueryCanceledError), a server shutting down or starting up.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError, TimeoutError, socket.gaierror, DBConnectionError,
    asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.QueryCanceledError,
    asyncpg.AdminShutdownError, asyncpg.CrashShutdownError, asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps: the ORM re-raises driver errors) means the database is
    out of reach for now, so the request may succeed later: 503 + Retry-After, not a 500."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UNAVAILABLE_ERRORS):
            return True
        # asyncpg reports "connection refused" on every address it tried as one plain OSError
        # ("Multiple exceptions: ..."); file errors are subclasses and stay 500s.
        if type(current) is OSError:
            return True
        # SQLite: the write lock was not free within busy_timeout.
        if isinstance(current, OperationalError) and "database is locked" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def unavailable_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_S)}


class DomainError(Exception):
    """A rule of the service said no: the one base of every error a resident or staff member is
    told about. ``code`` keys the audience catalogues; ``field`` names the input at fault;
    ``params`` fill the message's ``{placeholders}`` and reach API clients beside the message
    (``opens_at`` of ``not_open``). Each face presents it once (JSON, an HTML page, bot text)."""

    def __init__(self, code: str, *, field: str | None = None,
                 params: Mapping[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params: dict[str, Any] = dict(params or {})


# The one status table of the JSON APIs: code → HTTP status. A code not listed answers 400.
STATUS: dict[str, int] = {
    # framework and infrastructure
    "bad_request": 400, "unauthorized": 401, "forbidden": 403, "not_found": 404,
    "method_not_allowed": 405, "conflict": 409, "payload_too_large": 413, "invalid_input": 422,
    "rate_limited": 429, "internal_error": 500, "service_unavailable": 503,
    "database_unavailable": 503,
    # booking, waiting list, login (mini-program) and the console's booking pages
    "slot_not_found": 404, "booking_not_found": 404,
    "slot_full": 409, "booking_unreadable": 409, "duplicate_booking": 409, "not_open": 409,
    "booking_closed": 409, "cancel_closed": 409, "already_cancelled": 409,
    "slot_available": 409, "already_waiting": 409, "slot_closed": 409,
    "capacity_below_booked": 409, "no_show_not_confirmed": 409, "no_show_checked_in": 409,
    "no_show_not_started": 409, "no_show_already": 409, "no_show_not_marked": 409,
    "not_today": 409, "already_checked_in": 409, "invalid_qr": 422,
    "invalid_code": 401, "wechat_unavailable": 503,
    # --- counter ---
    "no_show_not_ended": 409, "cancel_checked_in": 409,
    # --- youth --- (幸福加油站: one gender's half of a split event is taken)
    "gender_full": 409, "capacity_below_gender": 409,
    # --- slots ---
    "slot_has_bookings": 409,
    # knowledge search and the public notices API
    "empty_query": 400, "invalid_limit": 400, "kb_unavailable": 503,
    # --- referral --- (community assistance adviser: mini-program and console)
    "consent_required": 422, "referral_not_found": 404, "referral_limit": 409, "referral_closed": 409,
    "referral_claimed": 409, "referral_not_yours": 409, "referral_bad_text": 422,
    "referral_bad_outcome": 422, "adviser_streets": 422,
    # --- guides ---
    "guide_not_found": 404, "guide_video_missing": 404, "range_not_satisfiable": 416,
    # --- proxy --- proxy sweeping (代客祭扫)
    "proxy_duplicate": 409, "proxy_order_not_found": 404, "proxy_bad_state": 409,
    "proxy_unreadable": 409, "proxy_photo_link": 403, "proxy_photo_too_large": 422,
    "proxy_photo_type": 422, "proxy_photo_count": 422, "proxy_package_code": 422,
    "proxy_package_name": 422, "proxy_package_description": 422, "proxy_package_code_taken": 409,
    "proxy_package_not_found": 404, "proxy_place_code": 422, "proxy_place_kind": 422,
    "proxy_place_name": 422, "proxy_place_note": 422, "proxy_place_code_taken": 409,
    "proxy_place_not_found": 404,
}

# Params that travel as response headers rather than in the body.
_HEADER_PARAMS = {"retry_after": "Retry-After"}


def status_of(code: str) -> int:
    return STATUS.get(code, 400)


def message_of(exc: DomainError, audience: Audience = "residents") -> str:
    """The Chinese message for ``exc``: a ``detail`` param (an already-worded explanation of which
    rule a field broke, e.g. invalid_input's) is the message itself; otherwise the catalogue's."""
    detail = exc.params.get("detail")
    if isinstance(detail, str) and detail:
        return detail
    return catalogue.text(audience, exc.code, _public_params(exc.params))


def _public_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Params a client may read beside the message: JSON scalars, datetimes as Shanghai ISO text.
    Objects riding along for a face's own use (the console's ``booking``) are not sent."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key == "detail" or key in _HEADER_PARAMS:
            continue
        if isinstance(value, datetime):
            out[key] = value.astimezone(SHANGHAI).isoformat()
        elif value is None or isinstance(value, str | int | float | bool):
            out[key] = value
    return out


def present(exc: DomainError) -> HTTPResponse:
    """The JSON presenter of every API: ``{"error": {"code", "message", "field"?, **params}}``
    with the status from ``STATUS`` (``opens_at`` of not_open, ``booking_id`` of
    duplicate_booking reach the client this way)."""
    headers = {header: str(exc.params[key]) for key, header in _HEADER_PARAMS.items()
               if exc.params.get(key) is not None}
    body = error_body(exc.code, message_of(exc), field=exc.field, **_public_params(exc.params))
    return json(body, status=status_of(exc.code), headers=headers, ensure_ascii=False)


def error_body(code: str, message: str, *, field: str | None = None,
               **extra: Any) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if field:
        err["field"] = field
    err.update(extra)
    return {"error": err}


def error_response(code: str, status: int, message: str | None = None, *,
                   field: str | None = None, headers: dict[str, str] | None = None,
                   **extra: Any) -> HTTPResponse:
    body = error_body(code, message or catalogue.text("residents", code), field=field, **extra)
    return json(body, status=status, headers=headers, ensure_ascii=False)


class JsonErrorHandler(ErrorHandler):
    """Every error, framework or ours, leaves in the contract's shape; internals never do."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, DomainError):
            return present(exception)
        if isinstance(exception, RequestCancelled):
            # The client went away (timeout, closed tab); nobody will read an answer.
            log.info("request cancelled by client", extra={"path": request.path})
            return error_response("service_unavailable", 503)
        if database_unavailable(exception):
            # Logged without the traceback: one line per request while the database is away.
            log.warning("database unavailable", extra={
                "path": request.path, "method": request.method, "error": type(exception).__name__,
                "request_id": request_id_var.get()})
            return error_response("service_unavailable", 503, headers=unavailable_headers())
        if isinstance(exception, SanicException) and exception.status_code < 500:
            status = exception.status_code
            headers = dict(getattr(exception, "headers", None) or {})
            return error_response(_STATUS_CODES.get(status, "bad_request"), status,
                                  headers=headers)
        status = getattr(exception, "status_code", 500) if isinstance(exception, SanicException) \
            else 500
        log.error("unhandled error", exc_info=exception,
                  extra={"path": request.path, "method": request.method,
                         "request_id": request_id_var.get()})
        code = "service_unavailable" if status == 503 else "internal_error"
        return error_response(code, status if status >= 500 else 500)
