"""WeChat callback routes. The full protocol (safe mode, retries, the 5-second rule) is issue #4."""

from __future__ import annotations

from sanic import Blueprint

bp = Blueprint("bot")
