"""Staff console and public content pages."""

from __future__ import annotations

from sanic import Blueprint

bp = Blueprint("content")
