"""Every error code the source raises has a message in each catalogue whose audience can see it.

The scan reads the source (AST, no imports): it finds the classes that subclass
``core.errors.DomainError`` (directly or through another subclass), the functions that build one
from a ``code`` argument (``api_error``-style constructors, found by their return annotation), and
every call of either with a literal code. A new ``raise SomethingError("new_code")`` without a
message in the right catalogue fails here, whoever adds it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import catalogue, errors
from core.catalogue import Audience

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "bot", "miniapp_api", "content", "knowledge")

# Who reads a code raised in a module, by path prefix (the longest matching prefix wins).
AUDIENCE_BY_PATH: dict[str, tuple[Audience, ...]] = {
    "core/": ("residents",),
    "bot/": ("residents",),
    "miniapp_api/": ("residents",),
    "knowledge/": ("residents",),
    "content/": ("staff",),
    # The public pages and their JSON API under content/ are read by residents.
    "content/public.py": ("residents",),
    # core modules only the console calls: their codes reach staff alone.
    "core/booking/staff.py": ("staff",),
    "core/booking/checkin.py": ("staff",),
    "core/booking/bulk.py": ("staff",),
    "core/accounts.py": ("staff",),
    "core/site_settings.py": ("staff",),
    "core/charity.py": ("staff",),
    "core/kb_curation.py": ("staff",),
    "core/notices.py": ("staff",),
    "core/referral_desk.py": ("staff",),  # the adviser's queue (content/referrals.py)
    # Guides: residents only read them (their codes are raised by the faces); editing is staff's.
    "core/guides.py": ("staff",),
    "core/guide_video.py": ("staff",),
}

# Codes raised in shared core modules (the resident's booking path) that a console page can
# trigger too, so staff need them worded as well. Keep the reason beside each.
CORE_CODES_SHOWN_TO_STAFF: dict[str, str] = {
    "invalid_input": "opening slots (core.booking.slots) and the pages' own form parsing",
    "slot_not_found": "a larger capacity offered to the waiting list of a slot deleted meanwhile "
                      "(core.booking.reads.get_slot, via waitlist.promote)",
    "slot_closed": "the same, for a slot closed meanwhile (get_slot; the use case absorbs it)",
}

# Functions that present a code with the residents catalogue's text when given no message.
RESIDENT_TEXT_FUNCTIONS = {"error_response"}
# Direct catalogue lookups by a literal code: helper name → audience.
LOOKUP_FUNCTIONS: dict[str, Audience] = {"staff_text": "staff"}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text("utf-8"))


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _annotation_names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # "from __future__" strings
        return {part.strip() for part in node.value.split("|")}
    if isinstance(node, ast.BinOp):
        return _annotation_names(node.left) | _annotation_names(node.right)
    name = _name(node)
    return {name} if name else set()


def _domain_classes(modules: list[tuple[str, ast.Module]]) -> set[str]:
    found = {"DomainError"}
    while True:
        more = {node.name for _, tree in modules for node in ast.walk(tree)
                if isinstance(node, ast.ClassDef) and node.name not in found
                and any(_name(base) in found for base in node.bases)}
        if not more:
            return found
        found |= more


def _constructors(modules: list[tuple[str, ast.Module]], classes: set[str]) -> set[str]:
    """Functions taking ``code`` first and returning a DomainError (``api_error``-style)."""
    return {node.name for _, tree in modules for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.args.args and node.args.args[0].arg == "code"
            and _annotation_names(node.returns) & classes}


def _literal_codes(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literal_codes(node.body) + _literal_codes(node.orelse)
    return []


def _code_arg(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((kw.value for kw in call.keywords if kw.arg == "code"), None)


def _audiences(path: str) -> tuple[Audience, ...]:
    prefix = max((p for p in AUDIENCE_BY_PATH if path.startswith(p)), key=len)
    return AUDIENCE_BY_PATH[prefix]


def raised_codes() -> list[tuple[str, int, str, Audience]]:
    """(path, line, code, audience) for every literal code raised or presented in the source."""
    modules = list(_modules())
    classes = _domain_classes(modules)
    makers = classes | _constructors(modules, classes)
    found: list[tuple[str, int, str, Audience]] = []
    for path, tree in modules:
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            callee = _name(call.func)
            arg = _code_arg(call)
            if callee is None or arg is None:
                continue
            if callee in makers:
                for code in _literal_codes(arg):
                    audiences = _audiences(path)
                    if path.startswith("core/") and code in CORE_CODES_SHOWN_TO_STAFF:
                        audiences = tuple({*audiences, "staff"})
                    found += [(path, call.lineno, code, audience) for audience in audiences]
                continue
            if callee in RESIDENT_TEXT_FUNCTIONS and len(call.args) < 3 and not any(
                    kw.arg == "message" for kw in call.keywords):
                audiences, codes = ("residents",), _literal_codes(arg)
            elif callee in LOOKUP_FUNCTIONS:
                audiences, codes = (LOOKUP_FUNCTIONS[callee],), _literal_codes(arg)
            elif callee == "text" and len(call.args) >= 2 and _literal_codes(call.args[0]):
                audiences = tuple(a for a in ("residents", "staff")
                                  if a in _literal_codes(call.args[0]))
                codes = _literal_codes(call.args[1])
            else:
                continue
            found += [(path, call.lineno, code, audience)
                      for code in codes for audience in audiences]
    return found


def test_the_scan_finds_the_codes_it_should() -> None:
    """Guards the scan itself: these are raised in known ways today."""
    seen = {(path, code, audience) for path, _, code, audience in raised_codes()}
    assert ("core/booking/rules.py", "not_open", "residents") in seen  # BookingError
    assert ("miniapp_api/common.py", "unauthorized", "residents") in seen  # api_error
    assert ("miniapp_api/search.py", "empty_query", "residents") in seen  # DomainError
    assert ("core/booking/staff.py", "capacity_below_booked", "staff") in seen  # console only
    assert ("core/booking/reads.py", "slot_closed", "staff") in seen  # shown to staff too
    assert ("miniapp_api/bookings.py", "already_cancelled", "residents") in seen  # if/else
    assert ("content/exports.py", "slot_export_service", "staff") in seen  # staff_text


@pytest.mark.parametrize("audience", ["residents", "staff"])
def test_every_raised_code_has_a_message(audience: Audience) -> None:
    missing = sorted({f"{code} ({path}:{line})" for path, line, code, who in raised_codes()
                      if who == audience and not catalogue.has(audience, code)})
    assert not missing, f"no {audience} message for: {missing}"


def test_every_status_code_the_apis_answer_has_a_resident_message() -> None:
    """Framework errors (404, 405, 413, …) and the status table's codes leave through the same
    presenter, so they need a residents' message too."""
    codes = set(errors.STATUS) | set(errors._STATUS_CODES.values())
    assert not sorted(c for c in codes if not catalogue.has("residents", c)
                      and c not in _CONSOLE_ONLY_STATUS)


# Codes in the status table that only the console shows (their status is shared, their text is
# the staff catalogue's).
_CONSOLE_ONLY_STATUS = {"capacity_below_booked", "no_show_not_confirmed", "no_show_checked_in",
                        "no_show_not_started", "no_show_already", "no_show_not_marked",
                        "not_today", "already_checked_in", "invalid_qr",
                        # the community assistance adviser's queue and the accounts page
                        "referral_bad_outcome", "referral_bad_text", "referral_claimed",
                        "referral_closed", "referral_not_yours", "adviser_streets",
                        # counter
                        "no_show_not_ended", "cancel_checked_in",
                        "capacity_below_gender"}


def test_messages_fill_their_params() -> None:
    assert catalogue.text("residents", "invalid_limit", {"max": 50}) == "limit 必须是 1 到 50 之间的整数。"
    assert "3 人" in catalogue.text("staff", "capacity_below_booked", {"booked": 3})
