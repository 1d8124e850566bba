"""Pinyin-IME homophone typos: 低报→低保, 结婚等级→结婚登记, 一剑通→一键通.

Residents type with pinyin input methods and pick the wrong character of the same sound. A window
of the message whose toneless pinyin equals a known term's, but whose characters differ, is taken
to mean that term. Windows of three or more characters also forgive the southern-accent
confusions (zh/z, ch/c, sh/s, -ng/-n), which two-character windows do not: too many real words
would collide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


@lru_cache(maxsize=20000)
def _char_pinyin(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.NORMAL)[0]


def _syllables(text: str) -> list[str]:
    # Character by character (cached): the same reading for a character in the vocabulary and
    # in the query, which is what an IME typo shares.
    return [_char_pinyin(ch) for ch in text]


def _fuzzy(syllable: str) -> str:
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syllable.startswith(a):
            syllable = b + syllable[2:]
            break
    if syllable.endswith("ng") and syllable not in {"ng"}:
        syllable = syllable[:-1]
    return syllable


class TypoCorrector:
    def __init__(self, vocabulary: Iterable[str], *, max_len: int = 5) -> None:
        self.max_len = max_len
        self._vocab: set[str] = set()
        self._exact: dict[str, set[str]] = {}
        self._loose: dict[str, set[str]] = {}
        for term in vocabulary:
            if not (2 <= len(term) <= max_len) or not _CJK_RUN.fullmatch(term):
                continue
            self._vocab.add(term)
            syl = _syllables(term)
            self._exact.setdefault(" ".join(syl), set()).add(term)
            if len(term) >= 3:
                self._loose.setdefault(" ".join(map(_fuzzy, syl)), set()).add(term)

    def corrections(self, text: str) -> list[str]:
        found: list[str] = []
        for run in _CJK_RUN.findall(text):
            syl = _syllables(run)
            n = len(run)
            for size in range(min(self.max_len, n), 1, -1):
                for i in range(n - size + 1):
                    window = run[i:i + size]
                    if window in self._vocab:
                        continue
                    key = " ".join(syl[i:i + size])
                    terms = self._exact.get(key)
                    if not terms and size >= 3:
                        terms = self._loose.get(" ".join(map(_fuzzy, syl[i:i + size])))
                    for term in terms or ():
                        # At least one character must match: a window sharing none is a
                        # different phrase that merely sounds alike.
                        if term not in found and any(a == b for a, b in zip(term, window, strict=True)):
                            found.append(term)
        return found
