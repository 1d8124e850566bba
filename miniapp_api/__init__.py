"""The public JSON API face: the mini-program under ``/api/v1/miniapp`` (booking rules live in
``core.booking``; views only translate) and the knowledge search under ``/api/v1/knowledge``.

Importing the modules registers their routes on their blueprints; ``bp`` groups both.
"""

from __future__ import annotations

from sanic import Blueprint

from miniapp_api import blueprint, bookings, catalog, proxy_sweeping, search, session, waitlist

bp = Blueprint.group(blueprint.bp, search.bp)

__all__ = ["bookings", "bp", "catalog", "proxy_sweeping", "search", "session", "waitlist"]
