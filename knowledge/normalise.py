"""Text normalisation: what residents type becomes one comparable form."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# Politeness and preamble that carry no meaning for matching. Longest first so that
# "我想问一下" is removed whole rather than leaving "一下".
FILLERS = sorted(
    {
        "请问一下", "请问", "你好", "您好", "小编", "打扰一下", "打扰了", "麻烦问一下", "麻烦问下",
        "麻烦一下", "我想问一下", "我想问下", "我想问问", "想问一下", "想问下", "问一下", "问下",
        "我想咨询一下", "想咨询一下", "咨询一下", "咨询下", "请教一下", "请教下", "谢谢", "多谢",
        "在吗", "在不在", "哈喽", "嗨", "亲", "老师", "同志",
    },
    key=len,
    reverse=True,
)
_FILLER_RE = re.compile("|".join(re.escape(f) for f in FILLERS))
_SPACE_RE = re.compile(r"\s+")
MAX_INPUT_CHARS = 500


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _keep(ch: str) -> bool:
    cat = unicodedata.category(ch)
    # Letters and digits stay; punctuation, symbols (emoji) and controls become spaces.
    return cat[0] in ("L", "N")


def clean(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower case, symbols to spaces."""
    text = unicodedata.normalize("NFKC", text)[:MAX_INPUT_CHARS]
    text = _t2s().convert(text).lower()
    text = "".join(ch if _keep(ch) else " " for ch in text)
    return _SPACE_RE.sub(" ", text).strip()


def strip_fillers(text: str) -> str:
    stripped = _SPACE_RE.sub(" ", _FILLER_RE.sub(" ", text)).strip()
    # A message that is nothing but a greeting keeps its words: that is what it says.
    return stripped or text


def normalise(text: str) -> str:
    return strip_fillers(clean(text))


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
