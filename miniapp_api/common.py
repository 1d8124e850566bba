"""Shared plumbing for the mini-program handlers: errors, clock, cipher, auth and rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sanic import Request

from core import sql
from core.booking import BookingError
from core.booking.fullness import FullSlots
from core.context import app_context
from core.crypto import sha256_hex
from core.errors import ApiError
from core.request_ctx import cipher as cipher  # re-exported for the handlers
from core.request_ctx import client_address, now
from miniapp_api.messages import status_and_message


@dataclass(frozen=True)
class CurrentUser:
    id: int


def api_error(code: str, *, field: str | None = None, detail: str | None = None,
              headers: dict[str, str] | None = None) -> ApiError:
    status, message = status_and_message(code)
    return ApiError(code, status, detail or message, field=field, headers=headers)


def from_booking_error(exc: BookingError) -> ApiError:
    message = None
    if exc.code == "invalid_input" and exc.detail:
        message = exc.detail
    return api_error(exc.code, field=exc.field, detail=message)


def full_slots(request: Request) -> FullSlots:
    """This worker's memory of slots it has just seen full (see core.booking.fullness)."""
    return app_context(request).full_slots


async def limit(request: Request, scope: str, subject: str, per_minute: int) -> None:
    retry = await app_context(request).rate_limits.hit(scope, subject, per_minute,
                                                       now(request).timestamp())
    if retry is not None:
        raise api_error("rate_limited", headers={"Retry-After": str(retry)})


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
