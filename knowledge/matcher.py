"""The matching engine: from a resident's message to the entry that answers it.

Pipeline: normalise → segment (jieba + user dictionary) → expand (synonyms, pinyin typo fixes,
character bigrams) → retrieve candidates through an inverted index → score each candidate by how
much of the question it explains, how much of one of its phrasings the question contains, and a
rapidfuzz character similarity → confidence threshold.

Retrieval first, fuzzy scoring second: rapidfuzz over every phrasing costs ~7-25 ms per query at
20k choices, far above the 2 ms budget, so it only reranks the few dozen candidates.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from knowledge.entries import Entry
from knowledge.normalise import normalise
from knowledge.segment import Segmenter, bigrams
from knowledge.synonyms import SynonymTable
from knowledge.typos import TypoCorrector

# Field weights: a keyword is the strongest evidence, a question phrasing the weakest.
_FIELD_KEYWORD, _FIELD_TITLE, _FIELD_QUESTION = 1.0, 0.9, 0.8
_BIGRAM_WEIGHT = 0.35
_EXPANSION_WEIGHT = 0.9
_CANDIDATES = 25
_PHRASE_STAGE = 12
_RERANK = 8
_POSTINGS_BUDGET = 4000
_BIGRAM_MAX_CHARS = 40
_TYPO_MAX_CHARS = 40
_VAGUE_SPREAD = 3  # a lone word found in this many categories says too little
_SMALLTALK_MAX_CHARS = 12


@dataclass(frozen=True)
class Params:
    """Scoring weights and thresholds, calibrated on the labelled dev set (see bench/RESULTS.md)."""

    w_query: float = 0.15
    w_phrase: float = 0.55
    w_fuzzy: float = 0.30
    w_keyword: float = 0.20
    answer_threshold: float = 0.27
    other_threshold: float = 0.38
    suggest_floor: float = 0.18
    long_chars: float = 14.0
    ambiguity_margin: float = 0.0


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float


@dataclass
class Result:
    query: str
    normalised: str
    intent: str  # answer | suggest | out_of_scope | smalltalk | unknown
    hits: list[Hit] = field(default_factory=list)
    other: Hit | None = None  # the out-of-scope or small-talk entry that matched

    @property
    def answered(self) -> bool:
        return self.intent == "answer"

    @property
    def top(self) -> Hit | None:
        return self.hits[0] if self.hits else None


@dataclass
class _Phrase:
    terms: frozenset[str]
    weight: float
    compact: str


@dataclass
class _Doc:
    entry: Entry
    terms: dict[str, float]
    phrases: list[_Phrase]
    keyword_terms: frozenset[str] = frozenset()
    termset: frozenset[str] = frozenset()
    term_phrases: dict[str, tuple[int, ...]] = field(default_factory=dict)
    compacts: tuple[str, ...] = ()  # phrasings without spaces, shortest first
    compact_lengths: tuple[int, ...] = ()


class Analyzer:
    """Turns text into weighted terms; shared by indexing and querying."""

    def __init__(self, segmenter: Segmenter, synonyms: SynonymTable) -> None:
        self.segmenter = segmenter
        self.synonyms = synonyms
        self.typos: TypoCorrector | None = None

    def terms(self, text: str, *, correct: bool) -> dict[str, float]:
        out: dict[str, float] = {}
        for w in self.segmenter.words(text):
            out[w] = 1.0
        extra = self.synonyms.expand(text)
        if correct and self.typos is not None and len(text) <= _TYPO_MAX_CHARS:
            fixes = self.typos.corrections(text)
            extra += fixes + [o for f in fixes for o in self.synonyms.expand(f)]
        for term in extra:
            out.setdefault(term, _EXPANSION_WEIGHT)
            for w in self.segmenter.words(term):
                out.setdefault(w, _EXPANSION_WEIGHT)
        if len(text) <= _BIGRAM_MAX_CHARS:
            # Bigrams rescue short, oddly segmented messages; a long message has words enough,
            # and its hundred bigrams would triple the cost of scoring it.
            for g in bigrams(text):
                out.setdefault(g, _BIGRAM_WEIGHT)
        return out


class Index:
    def __init__(self, entries: Iterable[Entry], analyzer: Analyzer,
                 params: Params | None = None) -> None:
        self.analyzer = analyzer
        self.params = params or Params()
        self.docs: list[_Doc] = []
        vocabulary: set[str] = set(analyzer.synonyms.official_terms)
        vocabulary.update(analyzer.synonyms.variant_terms)
        for entry in entries:
            if not entry.active:
                continue
            self.docs.append(self._doc(entry))
            vocabulary.update(entry.keywords)
            for terms in (d.terms for d in self.docs[-1:]):
                vocabulary.update(t for t in terms if not t.startswith("#"))
        analyzer.typos = TypoCorrector(vocabulary)
        # term -> [(entry index, field weight)], so retrieval needs no per-entry dict lookups.
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(self.docs):
            for term, fw in doc.terms.items():
                self._postings.setdefault(term, []).append((i, fw))
        n = max(len(self.docs), 1)
        self._idf = {t: math.log(1 + n / len(p)) for t, p in self._postings.items()}
        self._spread = {t: len({self.docs[i].entry.category for i, _ in p})
                        for t, p in self._postings.items()}
        for doc in self.docs:
            for ph in doc.phrases:
                ph.weight = sum(self._idf.get(t, 0.0) for t in ph.terms) or 1.0

    def _doc(self, entry: Entry) -> _Doc:
        a = self.analyzer
        terms: dict[str, float] = {}

        def add(ts: dict[str, float], fw: float) -> None:
            for t, w in ts.items():
                terms[t] = max(terms.get(t, 0.0), fw * w)

        phrases: list[_Phrase] = []
        for text, fw in [(entry.title, _FIELD_TITLE)] + [(q, _FIELD_QUESTION)
                                                          for q in entry.questions]:
            norm = normalise(text)
            ts = a.terms(norm, correct=False)
            add(ts, fw)
            phrases.append(_Phrase(frozenset(ts), 0.0, norm.replace(" ", "")))
        kw_terms: set[str] = set()
        for kw in entry.keywords:
            ts = a.terms(normalise(kw), correct=False)
            add(ts, _FIELD_KEYWORD)
            kw_terms.update(t for t in ts if not t.startswith("#"))
        term_phrases: dict[str, list[int]] = {}
        for k, ph in enumerate(phrases):
            for t in ph.terms:
                term_phrases.setdefault(t, []).append(k)
        compacts = tuple(sorted({ph.compact for ph in phrases if ph.compact}, key=len))
        return _Doc(entry, terms, phrases, frozenset(kw_terms), frozenset(terms),
                    {t: tuple(ks) for t, ks in term_phrases.items()}, compacts,
                    tuple(len(c) for c in compacts))

    def __len__(self) -> int:
        return len(self.docs)

    def search(self, text: str, limit: int = 3) -> Result:
        norm = normalise(text)
        q = self.analyzer.terms(norm, correct=True)
        qw = {t: self._idf[t] * m for t, m in q.items() if t in self._idf}
        total = sum(qw.values())
        if not total:
            return Result(text, norm, "unknown")
        cands = self._candidates(qw)
        p = self.params
        partial = []
        compact = norm.replace(" ", "")
        beta2 = min(max(len(compact) / p.long_chars, 1.0), 6.0)
        qset = frozenset(qw)
        # Three stages, cheapest first, each for fewer entries: word overlap for every
        # candidate, phrasing match for the best of those, character similarity for the last few.
        overlap = []
        for i in cands:
            doc = self.docs[i]
            shared = doc.termset & qset
            explained = sum(qw[t] * doc.terms[t] for t in shared) / total
            keyword = sum(qw[t] for t in doc.keyword_terms & shared) / total
            overlap.append((p.w_query * explained + p.w_keyword * keyword, i, shared))
        overlap.sort(key=lambda x: -x[0])
        partial = sorted(((s + p.w_phrase * self._phrase(self.docs[i], shared, qw, total, beta2), i)
                          for s, i, shared in overlap[:_PHRASE_STAGE]), reverse=True)
        scored = sorted(((s + p.w_fuzzy * self._fuzzy(self.docs[i], compact), i)
                         for s, i in partial[:_RERANK]), reverse=True)
        words = [t for t, m in q.items() if m == 1.0 and not t.startswith("#")]
        vague = len(words) == 1 and self._spread.get(words[0], 0) >= _VAGUE_SPREAD
        return self._decide(text, norm, [Hit(self.docs[i].entry, s) for s, i in scored], limit,
                            vague=vague)

    def _candidates(self, qw: dict[str, float]) -> list[int]:
        """Entries worth scoring, found through the rarest query terms first.

        Walking postings is the cost that grows with the knowledge base; a budget of postings
        (rarest terms first, the two rarest always) keeps a query fast at 20k entries, and the
        common terms it skips still count in the scoring of the candidates it finds.
        """
        pre: defaultdict[int, float] = defaultdict(float)
        walked = 0
        for rank, (t, w) in enumerate(sorted(qw.items(), key=lambda kv: -self._idf[kv[0]])):
            postings = self._postings[t]
            if rank >= 2 and walked + len(postings) > _POSTINGS_BUDGET:
                continue
            walked += len(postings)
            for i, fw in postings:
                pre[i] += w * fw
        return heapq.nlargest(_CANDIDATES, pre, key=pre.__getitem__)

    def _phrase(self, doc: _Doc, shared: frozenset[str], qw: dict[str, float], total: float,
                beta2: float) -> float:
        """The best phrasing match, through the entry's term → phrasings map (only phrasings
        sharing a word with the message are touched)."""
        idf = self._idf
        n = len(doc.phrases)
        inside, covers = [0.0] * n, [0.0] * n
        for t in shared:
            it, qt = idf[t], qw[t]
            for k in doc.term_phrases.get(t, ()):
                inside[k] += it
                covers[k] += qt
        best = 0.0
        for k, ins in enumerate(inside):
            if not ins:
                continue
            # How much of this phrasing the message contains, and how much of the message the
            # phrasing accounts for: their weighted harmonic mean, so matching only the generic
            # half of a phrasing ("每个月几号发" without "低保") is not enough. A long message
            # tells its story around the question, so there containing the phrasing counts for
            # more than explaining every word (beta grows with length).
            a, b = ins / doc.phrases[k].weight, covers[k] / total
            best = max(best, (1 + beta2) * a * b / (beta2 * b + a))
        return best

    @staticmethod
    def _fuzzy(doc: _Doc, compact: str) -> float:
        """Best character similarity to a phrasing: plain ratio against phrasings of comparable
        length, discounted partial ratio against ones much shorter than the message. Each is one
        rapidfuzz call over the entry's phrasings (sorted by length), not one call per phrasing."""
        cut = bisect.bisect_left(doc.compact_lengths, len(compact) / 1.6)
        best = 0.0
        if cut < len(doc.compacts):
            hit = process.extractOne(compact, doc.compacts[cut:], scorer=fuzz.ratio)
            best = hit[1] if hit else 0.0
        if cut:
            hit = process.extractOne(compact, doc.compacts[:cut], scorer=fuzz.partial_ratio)
            best = max(best, hit[1] * 0.85 if hit else 0.0)
        return best / 100.0

    def _decide(self, text: str, norm: str, hits: Sequence[Hit], limit: int, *,
                vague: bool = False) -> Result:
        p = self.params
        if len(norm.replace(" ", "")) > _SMALLTALK_MAX_CHARS:
            # "好的" inside a long message is not small talk; the message is about something.
            hits = [h for h in hits if h.entry.kind != "smalltalk"]
        civil = [h for h in hits if h.entry.kind == "entry"]
        top = hits[0] if hits else None
        if top is not None and top.entry.kind != "entry" and top.score >= p.other_threshold:
            intent = "out_of_scope" if top.entry.kind == "out_of_scope" else "smalltalk"
            return Result(text, norm, intent, [], other=top)
        if civil and civil[0].score >= p.answer_threshold:
            top = civil[0]
            rival = next((h for h in civil[1:] if h.entry.category != top.entry.category), None)
            vague = vague and len({h.entry.category for h in civil[:3]}) > 1
            if not vague and (rival is None or top.score - rival.score >= p.ambiguity_margin):
                return Result(text, norm, "answer", _dedupe(civil, limit, p.suggest_floor))
            # "补贴" alone fits an orphan's allowance as well as a disability subsidy: when one
            # word spans several services, or two services score alike, ask rather than guess.
        suggestions = [h for h in civil if h.score >= p.suggest_floor]
        if suggestions:
            return Result(text, norm, "suggest", _dedupe(suggestions, min(limit, 3), 0.0))
        return Result(text, norm, "unknown")


def _dedupe(hits: Sequence[Hit], limit: int, floor: float) -> list[Hit]:
    out: list[Hit] = []
    for h in hits:
        if h.score >= floor and all(h.entry.id != o.entry.id for o in out):
            out.append(h)
        if len(out) >= limit:
            break
    return out or list(hits[:1])
