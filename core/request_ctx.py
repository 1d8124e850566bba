"""Per-worker things a handler reads from its request, for every package that serves requests:
the clock (a test may inject ``app.ctx.clock``), the field cipher and the client's address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sanic import Request

from core.crypto import FieldCipher


def now(request: Request) -> datetime:
    """The current time; a test may set ``app.ctx.clock`` to move it (injected, not patched)."""
    clock: Callable[[], datetime] | None = getattr(request.app.ctx, "clock", None)
    return clock() if clock else datetime.now(UTC)


def cipher(request: Request) -> FieldCipher:
    ctx = request.app.ctx
    if getattr(ctx, "cipher", None) is None:
        ctx.cipher = FieldCipher(ctx.settings.secret_key)
    return ctx.cipher


def client_address(request: Request) -> str:
    """The address rate limits count. ``remote_addr`` honours X-Forwarded-For only when
    ``BAOSHAN_PROXIES_COUNT`` trusts a proxy, so a direct client cannot forge another bucket."""
    return request.remote_addr or request.ip or "unknown"
