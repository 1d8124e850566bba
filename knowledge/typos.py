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

from pypinyin import Style, lazy_pinyin, pinyin

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


@lru_cache(maxsize=20000)
def _char_pinyin(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.NORMAL)[0]


@lru_cache(maxsize=20000)
def _char_readings(ch: str) -> tuple[str, ...]:
    """Every reading of a character: the resident typed one of them (藏 is cang or zang)."""
    first = lazy_pinyin(ch, style=Style.NORMAL)[0]
    readings = pinyin(ch, style=Style.NORMAL, heteronym=True)[0]
    return tuple(dict.fromkeys([first, *readings]))[:3]


@lru_cache(maxsize=20000)
def _char_loose(ch: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_fuzzy(r) for r in _char_readings(ch)))


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


class _Node(dict[str, "_Node"]):
    """A trie node: children by syllable (a plain dict, so the walk stays dict lookups) and the
    vocabulary terms whose pinyin ends here."""

    __slots__ = ("terms",)

    def __init__(self) -> None:
        super().__init__()
        self.terms: set[str] = set()


def _insert(root: _Node, syllables: list[str], term: str) -> None:
    node = root
    for syl in syllables:
        child = node.get(syl)
        if child is None:
            child = node[syl] = _Node()
        node = child
    node.terms.add(term)


class TypoCorrector:
    """Walks the message's syllables through a trie of the vocabulary's pinyin.

    A trie instead of every window × every length: a long rambling message costs one short walk
    per character, which keeps the matcher inside its 2 ms budget.
    """

    def __init__(self, vocabulary: Iterable[str], *, max_len: int = 5) -> None:
        self.max_len = max_len
        self._vocab: set[str] = set()
        self._exact = _Node()
        self._loose = _Node()
        for term in vocabulary:
            if not (2 <= len(term) <= max_len) or not _CJK_RUN.fullmatch(term):
                continue
            self._vocab.add(term)
            syl = _syllables(term)
            _insert(self._exact, syl, term)
            if len(term) >= 3:
                _insert(self._loose, [_fuzzy(x) for x in syl], term)

    def _walk(self, root: _Node, run: str, i: int, readings: list[tuple[str, ...]],
              found: list[str], *, min_len: int) -> None:
        if not any(r in root for r in readings[i]):
            return  # most characters start no known term: skip the walk at once
        frontier = [root]
        for j in range(i, min(len(run), i + self.max_len)):
            frontier = [child for node in frontier for r in readings[j]
                        if (child := node.get(r)) is not None]
            if not frontier:
                return
            size = j - i + 1
            if size < min_len:
                continue
            window = run[i:j + 1]
            if window in self._vocab:
                continue
            for node in frontier:
                for term in sorted(node.terms):
                    # At least one character must match: a window sharing none is a different
                    # phrase that merely sounds alike.
                    if term not in found and any(a == b for a, b in zip(term, window, strict=True)):
                        found.append(term)

    def corrections(self, text: str) -> list[str]:
        found: list[str] = []
        for run in _CJK_RUN.findall(text):
            readings = [_char_readings(ch) for ch in run]
            loose = [_char_loose(ch) for ch in run]
            for i in range(len(run)):
                self._walk(self._exact, run, i, readings, found, min_len=2)
                self._walk(self._loose, run, i, loose, found, min_len=3)
        return found
