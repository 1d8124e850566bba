"""What residents read (mini-program API, the bot, public pages), keyed by code, with
``{params}``. One place to review the wording; sections by where the text first appears."""

from __future__ import annotations

# --- errors every API shares (framework statuses, database, rate limits) ---
COMMON: dict[str, str] = {}

# --- booking, waiting list, login (mini-program) ---
BOOKING: dict[str, str] = {}

# --- knowledge search API ---
KNOWLEDGE: dict[str, str] = {}

# --- the official-account bot (replies and callback protocol errors) ---
BOT: dict[str, str] = {}

RESIDENTS: dict[str, str] = {**COMMON, **BOOKING, **KNOWLEDGE, **BOT}
