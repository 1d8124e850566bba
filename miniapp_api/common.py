"""Shared plumbing for the mini-program handlers: errors, clock, cipher, auth and rate limits.

Errors are ``core.errors.DomainError``s; the app's one JSON presenter (``core.errors.present``)
turns each into the contract's ``{"error": {...}}`` with its status, so handlers never catch them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sanic import Request

from core import sql
from core.booking.usecases import bookings as bookings  # re-exported for the handlers
from core.context import app_context
from core.crypto import sha256_hex
from core.errors import DomainError
from core.request_ctx import cipher as cipher  # re-exported for the handlers
from core.request_ctx import client_address, now


@dataclass(frozen=True)
class CurrentUser:
    id: int


def api_error(code: str, *, field: str | None = None, detail: str | None = None,
              retry_after: int | None = None) -> DomainError:
    """A refusal at the edge (bad JSON, no token, too many requests). ``detail`` is an
    already-worded Chinese explanation, shown as the message; ``retry_after`` becomes the
    Retry-After header."""
    params: dict[str, Any] = {}
    if detail is not None:
        params["detail"] = detail
    if retry_after is not None:
        params["retry_after"] = retry_after
    return DomainError(code, field=field, params=params)


async def limit(request: Request, scope: str, subject: str, per_minute: int) -> None:
    retry = await app_context(request).rate_limits.hit(scope, subject, per_minute,
                                                       now(request).timestamp())
    if retry is not None:
        raise api_error("rate_limited", retry_after=retry)


async def limit_address(request: Request) -> None:
    await limit(request, "addr", client_address(request),
                request.app.ctx.settings.rate_limit_per_address)


async def current_user(request: Request) -> CurrentUser:
    """The caller from ``Authorization: Bearer <token>``; 401 when missing, unknown, expired or
    revoked. Also counts the per-user rate limit, which needs to know who is asking."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise api_error("unauthorized")
    row = await app_context(request).sessions(sha256_hex(token.strip()))
    expires = sql.aware(row["expires_at"]) if row else None
    if row is None or expires is None or expires <= now(request):
        raise api_error("unauthorized")
    request.ctx.session_id = row["id"]
    user_id = int(row["user_id"])
    await limit(request, "user", str(user_id), request.app.ctx.settings.rate_limit_per_user)
    return CurrentUser(user_id)


def json_body(request: Request) -> Any:
    try:
        return request.json
    except Exception:
        raise api_error("invalid_input", field="body", detail="请求内容不是有效的JSON") from None
