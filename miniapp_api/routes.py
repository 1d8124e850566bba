"""Mini-program endpoints. Booking rules live in ``core.booking``; views only translate.

Importing the modules registers their routes on the one blueprint.
"""

from __future__ import annotations

from miniapp_api import bookings, catalog, jobs, session, waitlist
from miniapp_api.blueprint import bp

__all__ = ["bookings", "bp", "catalog", "jobs", "session", "waitlist"]
