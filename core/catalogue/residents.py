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

# --- public pages: notices, charity week, knowledge entries (content/public.py) ---
PUBLIC: dict[str, str] = {
    "notice_public_missing": "该通知不存在、尚未发布或已撤下。",
    "kb_public_missing": "该问答不存在或已下线。您可以在“宝山民政”公众号中直接输入问题咨询。",
    "charity_public_missing": "目前没有正在进行或即将开始的慈善周活动。",
    "charity_not_found": "找不到该慈善周活动。",
}

RESIDENTS: dict[str, str] = {**COMMON, **BOOKING, **KNOWLEDGE, **BOT, **PUBLIC}
