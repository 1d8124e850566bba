"""Word segmentation: jieba with a civil-affairs user dictionary, plus character bigrams."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import jieba

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

    def __init__(self, extra_words: list[str] | None = None) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._tk = jieba.Tokenizer()
        self._tk.initialize()
        userdict = DATA_DIR / "userdict.txt"
        if userdict.exists():
            # An open file, not a path: jieba leaves a path's file handle unclosed.
            with userdict.open("rb") as fh:
                self._tk.load_userdict(fh)
        for word in extra_words or ():
            if len(word) >= 2:
                self._tk.add_word(word, freq=2000)

    def add_words(self, words: list[str]) -> None:
        for word in words:
            if len(word) >= 2 and self._tk.FREQ.get(word, 0) == 0:
                self._tk.add_word(word, freq=2000)

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


@lru_cache(maxsize=1)
def shared_segmenter() -> Segmenter:
    """The process's one dictionary (≈1 s and 60 MB to load): every index in a process reuses it.

    Called at start-up, never at import; after loading it is only read, so sharing is safe.
    """
    return Segmenter()
