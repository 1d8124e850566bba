"""Mini-program endpoints. Booking rules live in ``core.booking``; views only translate."""

from __future__ import annotations

from sanic import Blueprint

bp = Blueprint("miniapp", url_prefix="/api/v1/miniapp")
