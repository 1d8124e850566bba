"""A resident in crisis gets help first: recognised before any matching, never a suggestion list.

Suicide or self-harm, violence at home, a child or an elderly person in danger, someone missing
right now, no food or shelter tonight. What is recognised, what is said and where each number
comes from live in one reviewed file, ``data/crisis.yaml``. Recognition is deliberately a set of
readable patterns rather than the matcher's scores: a miss here costs far more than a false
alarm, and the bureau must be able to read exactly what triggers the reply.

How a message is read, in order:

1. Titles in 《》 are dropped (a film called 《活着》 is not a resident's life).
2. The text is cleaned (``normalise.clean``) and its spaces removed: "不 想 活" is "不想活".
3. ``veto`` patterns: a message framed as news, fiction or hearsay ("新闻里…", "听说…是真的吗")
   is not a crisis message at all.
4. ``figurative`` patterns are blanked out: "累死了", "办得我要死了", "防走失手环", "上次走丢了
   后来找到了". Blanking a phrase (rather than vetoing the message) keeps the rest of a long
   message readable: "防走失手环还没申请，我爸今天就走丢了" is still a missing person.
5. Each kind's patterns are tried in the file's order, danger to life first.

Patterns name shared vocabularies as ``@name`` (``@child``, ``@hit``…), defined once under
``terms``; each is expanded to a non-capturing alternation before compiling. This keeps a
pattern a *class* of expressions — (who) + (what was done) within a window — rather than a
list of sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge import yamlio
from knowledge.normalise import clean

CRISIS_FILE = Path(__file__).parent / "data" / "crisis.yaml"
_TERM_RE = re.compile(r"@([a-z_]+)")
_TITLE_RE = re.compile(r"《[^》]{0,40}》")


@dataclass(frozen=True)
class Crisis:
    kind: str
    label: str
    reply: str


Patterns = tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class _Rules:
    veto: Patterns
    figurative: Patterns
    kinds: tuple[tuple[str, str, Patterns], ...]
    replies: dict[str, str]
    footer: str


def _expand(pattern: str, terms: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in terms:
            raise ValueError(f"crisis.yaml: unknown term @{name} in {pattern!r}")
        return f"(?:{terms[name]})"
    return _TERM_RE.sub(one, pattern)


def _compile(patterns: list[Any], terms: dict[str, str]) -> Patterns:
    # One regex per pattern, not one big alternation: a pattern that starts with a literal lets
    # `re` skip ahead to it, which makes the whole check about five times faster.
    return tuple(re.compile(_expand(str(p), terms)) for p in patterns)


def _load_terms(raw: dict[str, Any]) -> dict[str, str]:
    # Terms may use earlier terms (e.g. @victim built from @kin and @elder): expand in order.
    terms: dict[str, str] = {}
    for name, words in raw.items():
        alternation = words if isinstance(words, str) else "|".join(str(w) for w in words)
        terms[name] = _expand(alternation, terms)
    return terms


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    with CRISIS_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yamlio.load(fh)
    terms = _load_terms(data["terms"])
    kinds = tuple((name, str(spec["label"]), _compile(spec["patterns"], terms))
                  for name, spec in data["kinds"].items())
    return _Rules(_compile(data["veto"], terms), _compile(data["figurative"], terms), kinds,
                  {k: str(v).strip() for k, v in data["replies"].items()},
                  str(data["footer"]).strip())


def warm() -> None:
    """Read and compile the rules now (≈0.1 s), off the event loop at start-up, rather than on
    the first resident's message."""
    _rules()


# Emoji that carry the message when words are too hard to write ("🔪💊😭 再见了"); cleaning
# would otherwise drop them as symbols.
_EMOJI = str.maketrans({"🔪": "刀", "💊": "药", "👊": "打", "🏠": "家", "💸": "钱", "❌": "没",
                        "🍚": "饭", "😭": "哭", "🩸": "血", "🆘": "救命"})


def compact(text: str) -> str:
    """Cleaned and without spaces: "不 想 活" and "不想活" are one message."""
    return clean(_TITLE_RE.sub(" ", text).translate(_EMOJI)).replace(" ", "")


def classify(text: str) -> str | None:
    """The crisis kind the message shows, or None; `detect` adds the reply."""
    rules = _rules()
    body = compact(text)
    if not body or any(p.search(body) for p in rules.veto):
        return None
    # "·" never occurs in cleaned text, so the words of a blanked phrase can no longer match.
    for fig in rules.figurative:
        body = fig.sub("·", body)
    for kind, _label, patterns in rules.kinds:
        if any(p.search(body) for p in patterns):
            return kind
    return None


def detect(text: str) -> Crisis | None:
    kind = classify(text)
    if kind is None:
        return None
    rules = _rules()
    label = next(lbl for k, lbl, _ in rules.kinds if k == kind)
    return Crisis(kind, label, f"{rules.replies[kind]}\n{rules.footer}")


def sources() -> list[dict[str, str]]:
    with CRISIS_FILE.open(encoding="utf-8") as fh:
        return [dict(s) for s in yamlio.load(fh)["sources"]]
