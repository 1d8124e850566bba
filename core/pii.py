"""Masking personal numbers in free text before it is stored (unanswered questions, audit copies).

Residents type their ID number, phone or bank card into a question ("我的身份证310101199003070014
丢了怎么办"). Staff need the question, never the number, so every number that identifies a person
is replaced by a token naming what it was:

==================  ===========================================================  ============
kind                what is recognised                                           token
==================  ===========================================================  ============
resident ID         18 characters (17 digits + digit or X, birth date plausible), ``[身份证号]``
                    also grouped 6-8-4; 15-digit first-generation IDs
mobile phone        11 digits starting with 1, optionally ``+86``/``0086``/``86``  ``[手机号]``
                    in front, grouped 3-4-4 by spaces, dashes or dots
landline            area code 0xx/0xxx (optionally in brackets) + 7-8 digits;    ``[电话]``
                    a bare 7-8 digit number right after 电话/座机/固话/tel
bank card           13-19 digits in one run, or in groups of four                ``[银行卡号]``
==================  ===========================================================  ============

Tokens, not partial masks (``3101**********0014``): the unanswered list groups questions by their
text, and "身份证[身份证号]丢了" from a hundred residents is one gap for staff, not a hundred; and a
token keeps no digit of the original, so nothing can be pieced together across rows. Tokens hold
no digits, so masking twice changes nothing.

The text is NFKC-normalised first, so full-width digits (１３８…) and full-width separators are
caught too; the result is the normalised text. Short numbers (2024年, 3号楼, 1000元, 12345
hotline, dates such as 2024-03-07 or 20240307) are left alone: a run of digits is only masked
when its length and shape say it is one of the kinds above.
"""

from __future__ import annotations

import re
import unicodedata

ID_LABEL = "[身份证号]"
MOBILE_LABEL = "[手机号]"
LANDLINE_LABEL = "[电话]"
CARD_LABEL = "[银行卡号]"

# One optional separator between digit groups: a space, a dash or a dot (after NFKC, full-width
# and ideographic forms are these too).
_S = r"[ \-.]?"
_DATE = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"

# Alternatives are tried in order at each position; digit look-arounds make each one claim a
# whole run of digits, never the middle of a longer number.
_PATTERN = re.compile(
    rf"""
    (?P<id18>(?<![\dXx])\d{{6}}{_S}{_DATE}{_S}\d{{3}}[\dXx](?![\dXx])
           |(?<![\dXx])\d{{17}}[Xx](?![\dXx]))
    |(?P<mobile>(?<![\d+])(?:\(?(?:\+|00)?86\)?{_S})?1\d{{2}}{_S}\d{{4}}{_S}\d{{4}}(?!\d))
    |(?P<card>(?<!\d)\d{{4}}(?:[ \-]\d{{4}}){{2,3}}(?:[ \-]\d{{1,4}})?(?!\d)
             |(?<!\d)\d{{13,19}}(?!\d))
    |(?P<landline>(?<!\d)(?:\(0\d{{2,3}}\)|0\d{{2,3}})[ \-]?\d{{7,8}}(?!\d))
    """,
    re.VERBOSE,
)
# A first-generation ID: 6-digit region, 6-digit birth date (yymmdd), 3 digits. 15 digits are also
# a plausible card number; the date decides which token it gets (either way it is masked).
_ID15 = re.compile(r"\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}")
# A local number without area code is only a phone when the text says so right before it.
_LOCAL = re.compile(r"(?P<lead>(?:电话|座机|固话|tel|TEL|Tel)(?:号码|号)?[:：是为]?\s?)"
                    r"(?<!\d)\d{3,4}[ \-]?\d{4}(?!\d)")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _replace(match: re.Match[str]) -> str:
    kind = match.lastgroup
    found = match.group()
    if kind == "id18":
        return ID_LABEL
    if kind == "mobile":
        return MOBILE_LABEL
    if kind == "landline":
        return LANDLINE_LABEL
    # A grouped run of 12 or 20 digits matched the shape but is no card: leave it.
    if not 13 <= _digits(found) <= 19:
        return found
    return ID_LABEL if _ID15.fullmatch(found) else CARD_LABEL


def mask_free_text(text: str) -> str:
    """``text`` NFKC-normalised, with ID numbers, phones and card numbers replaced by tokens."""
    text = unicodedata.normalize("NFKC", text)
    text = _PATTERN.sub(_replace, text)
    return _LOCAL.sub(lambda m: m.group("lead") + LANDLINE_LABEL, text)
