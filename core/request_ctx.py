"""Per-worker things a handler reads from its request, for every package that serves requests:
the clock (a test may replace ``AppContext.clock``), the field cipher and the client's address."""

from __future__ import annotations

from datetime import datetime

from sanic import Request

from core.context import app_context
from core.crypto import FieldCipher


def now(request: Request) -> datetime:
    """The current time from the app's clock (injected, not patched)."""
    return app_context(request).clock()


def cipher(request: Request) -> FieldCipher:
    return app_context(request).cipher


def client_address(request: Request) -> str:
    """The address rate limits count. ``remote_addr`` honours X-Forwarded-For only when
    ``BAOSHAN_PROXIES_COUNT`` trusts a proxy, so a direct client cannot forge another bucket."""
    return request.remote_addr or request.ip or "unknown"
