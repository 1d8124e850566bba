"""What staff read in the console, keyed by code, with ``{params}``. Sections by page area."""

from __future__ import annotations

# --- login, accounts, settings ---
ACCOUNTS: dict[str, str] = {}

# --- notices, charity week, knowledge base, simulator ---
CONTENT: dict[str, str] = {}

# --- slots, bookings, check-in, exports (the same codes the booking service raises) ---
BOOKING: dict[str, str] = {}

STAFF: dict[str, str] = {**ACCOUNTS, **CONTENT, **BOOKING}
