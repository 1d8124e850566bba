"""Word segmentation: jieba with a civil-affairs user dictionary, plus character bigrams."""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba
from jieba import finalseg

from knowledge.cache_files import atomic_write, default_cache_dir

DATA_DIR = Path(__file__).parent / "data"

# Words that say how someone asks, not what they ask about.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 是 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 这些 那些 "
    "怎么 怎么办 怎样 怎么样 如何 什么 啥 哪里 哪儿 哪 哪些 哪个 谁 多少 几 吗 有没有 能不能 可不可以 "
    "可以 能 会 要 想 需要 应该 还 也 都 就 又 在 和 跟 与 或 或者 及 以及 给 让 被 把 对 从 "
    "到 去 来 上 下 里 中 一下 一个 个 些 点 一点 有 没 没有 不 不是 请 问 问问 咨询 办 弄 搞 "
    "现在 今天 时候 然后 因为 所以 但是 如果 的话 一些 这样 那样 自己 人家 大家 东西 事 事情 "
    "谢谢 好 好的 嗯 哈 哈哈 呃".split()
)


class Segmenter:
    """Owns its own jieba dictionary so loading it is an explicit, measurable start-up step."""

    def __init__(self, extra_words: list[str] | None = None, *,
                 cache_dir: Path | None = None) -> None:
        """``cache_dir``: where the prepared dictionary is kept between processes (default
        ``./var/cache``, see ``knowledge.cache_files.default_cache_dir``)."""
        jieba.setLogLevel(logging.WARNING)
        self._tk = jieba.Tokenizer()
        words = [w for w in extra_words or () if len(w) >= 2]
        userdict = DATA_DIR / "userdict.txt"
        # What the dictionary is made of; an index built with this segmenter is only valid for it.
        self.fingerprint = _fingerprint(userdict, words)
        cache = (cache_dir or default_cache_dir()) / f"jieba-{self.fingerprint[:16]}.pickle"
        if not self._load_prepared(cache):
            self._prepare(userdict, words)
            self._save_prepared(cache)

    def _prepare(self, userdict: Path, words: list[str]) -> None:
        before = set(finalseg.Force_Split_Words)
        _fast_initialize(self._tk)
        if userdict.exists():
            # An open file, not a path: jieba leaves a path's file handle unclosed.
            with userdict.open("rb") as fh:
                self._tk.load_userdict(fh)
        for word in words:
            self._tk.add_word(word, freq=2000)
        # A user word of frequency 0 also goes into finalseg's global set: kept for the cache.
        self._force_split = sorted(set(finalseg.Force_Split_Words) - before)

    def _load_prepared(self, path: Path) -> bool:
        """The dictionary with the user words already in, as one pickle (≈ 0.2 s instead of
        jieba's ≈ 0.8 s cache read, whose ``marshal.load`` on a file reads it a few bytes at a
        time). Anything unreadable or built for other words is ignored."""
        try:
            data = pickle.loads(path.read_bytes())  # noqa: S301 (our own cache; see index_cache)
            if data["fingerprint"] != self.fingerprint:
                return False
            freq, total, tags = data["freq"], data["total"], data["tags"]
        except Exception:
            return False
        self._tk.FREQ, self._tk.total, self._tk.user_word_tag_tab = freq, total, tags
        self._tk.initialized = True
        for word in data["force_split"]:  # what add_word(word, 0) does besides FREQ
            finalseg.add_force_split(word)
        return True

    def _save_prepared(self, path: Path) -> None:
        data = {"fingerprint": self.fingerprint, "freq": self._tk.FREQ, "total": self._tk.total,
                "tags": self._tk.user_word_tag_tab, "force_split": self._force_split}
        atomic_write(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))

    def add_words(self, words: list[str]) -> None:
        for word in words:
            if len(word) >= 2 and self._tk.FREQ.get(word, 0) == 0:
                self._tk.add_word(word, freq=2000)
                self.fingerprint = hashlib.sha256(f"{self.fingerprint}+{word}".encode()).hexdigest()

    def words(self, text: str) -> list[str]:
        """Content words (search-mode cut, so long words also yield their parts)."""
        out = []
        for w in self._tk.cut_for_search(text, HMM=True):
            w = w.strip()
            if w and w not in STOPWORDS and not (len(w) == 1 and not w.isalnum()):
                out.append(w)
        return out


def bigrams(text: str) -> list[str]:
    """CJK character bigrams: they still match when segmentation splits a typo oddly."""
    grams: list[str] = []
    for run in text.split():
        chars = [c for c in run if "\u4e00" <= c <= "\u9fff"]
        grams.extend("#" + chars[i] + chars[i + 1] for i in range(len(chars) - 1))
    return grams


def _fingerprint(userdict: Path, words: list[str]) -> str:
    h = hashlib.sha256(f"jieba {jieba.__version__}\n".encode())
    h.update(userdict.read_bytes() if userdict.exists() else b"")
    h.update("\n".join(words).encode())
    return h.hexdigest()


def _fast_initialize(tk: Any) -> None:
    """``Tokenizer.initialize`` for the default dictionary, reading jieba's own cache file in one
    piece (the same file and the same data; only the read differs). Falls back to jieba."""
    path = os.path.join(tk.tmp_dir or tempfile.gettempdir(), "jieba.cache")
    if tk.dictionary is None and os.path.isfile(path):
        try:
            with open(path, "rb") as fh:
                tk.FREQ, tk.total = marshal.loads(fh.read())  # noqa: S302 (jieba's own file)
            tk.initialized = True
            return
        except Exception:  # noqa: S110 (a damaged cache: jieba rebuilds it below)
            pass
    tk.initialize()


@lru_cache(maxsize=1)
def shared_segmenter() -> Segmenter:
    """The process's one dictionary (≈1 s and 60 MB to load): every index in a process reuses it.

    Called at start-up, never at import; after loading it is only read, so sharing is safe.
    """
    return Segmenter()
