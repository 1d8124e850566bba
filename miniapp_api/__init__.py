"""The public JSON API face: the mini-program under ``/api/v1/miniapp`` (booking rules live in
``core.booking``; views only translate), the knowledge search under ``/api/v1/knowledge`` and the
政策找人 self-check under ``/api/v1/policy-check``.

Importing the modules registers their routes on their blueprints; ``bp`` groups them.
"""

from __future__ import annotations

from sanic import Blueprint

from miniapp_api import (
    blueprint,
    bookings,
    catalog,
    guides,
    policy,
    proxy_sweeping,
    referrals,
    search,
    session,
    waitlist,
)

bp = Blueprint.group(blueprint.bp, search.bp, policy.bp, referrals.streets_bp, guides.bp)

__all__ = ["bookings", "bp", "catalog", "guides", "policy", "proxy_sweeping", "referrals", "search",
           "session", "waitlist"]
