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

from knowledge.aspects import absurd, aspects, senses
from knowledge.entries import Entry
from knowledge.normalise import normalise
from knowledge.segment import Segmenter, bigrams
from knowledge.synonyms import SynonymTable
from knowledge.typos import TypoCorrector

# Field weights: a keyword is the strongest evidence, a question phrasing the weakest.
_FIELD_KEYWORD, _FIELD_TITLE, _FIELD_QUESTION = 1.0, 0.9, 0.8
_BIGRAM_WEIGHT = 0.35
_EXPANSION_WEIGHT = 0.9
_ABSURD_ENTRY = "oos-general-chat"  # what the bot says to a request no service can serve
_UNKNOWN_WEIGHT = 0.5  # of the rarest known term's weight, per word the entries never use
_ASPECT_WEIGHT = 1.0  # what is asked (where, when…) is a word the resident chose
_CANDIDATES = 25
_PHRASE_STAGE = 12
_RERANK = 8
_DISTINCT_POOL = 5
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
    answer_threshold: float = 0.38
    other_threshold: float = 0.38
    suggest_floor: float = 0.18
    long_chars: float = 14.0
    ambiguity_margin: float = 0.0
    w_distinct: float = 0.5
    w_cover: float = 0.2
    suggest_margin: float = 0.01


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
    # The top entry's lead over the best *other* entry (1.0 when nothing else came close): an
    # answer with a small margin is one staff should review, a smaller one only a suggestion.
    margin: float = 1.0

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
        return self.terms_and_fixes(text, correct=correct)[0]

    def terms_and_fixes(self, text: str, *, correct: bool) -> tuple[dict[str, float], list[str]]:
        """The weighted terms, and the typo corrections among them (their source words are
        not unknown words: "低报" is 低保 mistyped, not a subject the bureau lacks)."""
        out: dict[str, float] = {}
        fixes: list[str] = []
        compact = text.replace(" ", "")
        meant, used = senses(compact)
        for w in self.segmenter.words(text):
            if w not in used:
                out[w] = 1.0
        extra = self.synonyms.expand(text) + meant
        if correct and self.typos is not None and len(text) <= _TYPO_MAX_CHARS:
            fixes = self.typos.corrections(text)
            extra += fixes + [o for f in fixes for o in self.synonyms.expand(f)]
        for term in extra:
            out.setdefault(term, _EXPANSION_WEIGHT)
            for w in self.segmenter.words(term):
                out.setdefault(w, _EXPANSION_WEIGHT)
        for aspect in aspects(compact):
            out.setdefault(aspect, _ASPECT_WEIGHT)
        if len(text) <= _BIGRAM_MAX_CHARS:
            # Bigrams rescue short, oddly segmented messages; a long message has words enough,
            # and its hundred bigrams would triple the cost of scoring it.
            for g in bigrams(text):
                out.setdefault(g, _BIGRAM_WEIGHT)
        return out, fixes


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
                vocabulary.update(t for t in terms if not t.startswith(("#", "@")))
        analyzer.typos = TypoCorrector(vocabulary)
        # term -> [(entry index, field weight)], so retrieval needs no per-entry dict lookups.
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(self.docs):
            for term, fw in doc.terms.items():
                self._postings.setdefault(term, []).append((i, fw))
        n = max(len(self.docs), 1)
        self._idf = {t: math.log(1 + n / len(p)) for t, p in self._postings.items()}
        self._idf_ceiling = math.log(1 + n)  # a term found in a single entry
        self._by_id = {d.entry.id: d.entry for d in self.docs}
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
            kw_terms.update(t for t in ts if not t.startswith(("#", "@")))
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

    def entry(self, entry_id: str) -> Entry | None:
        """An indexed (active) entry by id."""
        return self._by_id.get(entry_id)

    def search(self, text: str, limit: int = 3) -> Result:
        norm = normalise(text)
        q, fixes = self.analyzer.terms_and_fixes(norm, correct=True)
        qw = {t: self._idf[t] * m for t, m in q.items() if t in self._idf}
        if not qw:
            return Result(text, norm, "unknown")
        # Words the knowledge base has never seen ("火星", "奥特曼", "红烧肉") are part of the
        # question too: they count in what an entry must explain, so "火星移民要办什么手续" is
        # not answered confidently by whichever entry shares "手续".
        fixed = set("".join(fixes))
        unknown = [w for w, m in q.items() if m == 1.0 and w not in self._idf and len(w) >= 2
                   and not w.startswith(("#", "@")) and not fixed & set(w)]
        total = sum(qw.values()) + _UNKNOWN_WEIGHT * self._idf_ceiling * len(unknown)
        cands = self._candidates(qw)
        p = self.params
        partial = []
        compact = norm.replace(" ", "")
        beta2 = min(max(len(compact) / p.long_chars, 1.0), 6.0)
        qset = frozenset(qw)
        # Three stages, cheapest first, each for fewer entries: word overlap for every
        # candidate, phrasing match for the best of those, character similarity for the last few.
        own = frozenset(t for t, m in q.items() if m == 1.0 and t in self._idf
                        and not t.startswith(("#", "@")))
        overlap = []
        for i in cands:
            doc = self.docs[i]
            shared = doc.termset & qset
            explained = sum(qw[t] * doc.terms[t] for t in shared) / total
            keyword = sum(qw[t] for t in doc.keyword_terms & shared) / total
            # Every word the resident chose, rare or common, unweighted: "树葬草坪葬有补贴吗" is
            # about the subsidy even though 补贴 is a common word and 树葬 a rare one.
            cover = len(shared & own) / len(own) if own else 0.0
            overlap.append((p.w_query * explained + p.w_keyword * keyword + p.w_cover * cover,
                            i, shared))
        overlap.sort(key=lambda x: -x[0])
        partial = sorted(((s + p.w_phrase * self._phrase(self.docs[i], shared, qw, total, beta2), i)
                          for s, i, shared in overlap[:_PHRASE_STAGE]), reverse=True)
        scored = sorted(((s + p.w_fuzzy * self._fuzzy(self.docs[i], compact), i)
                         for s, i in partial[:_RERANK]), reverse=True)
        if p.w_distinct and len(scored) > 1:
            scored = self._distinguish(scored, qw, total)
        words = [t for t, m in q.items() if m == 1.0 and not t.startswith(("#", "@"))]
        # "我妈走了" is one word and a sense (a death): the sense says what it is about.
        vague = (len(words) == 1 and self._spread.get(words[0], 0) >= _VAGUE_SPREAD
                 and not senses(compact)[0])
        result = self._decide(text, norm, [Hit(self.docs[i].entry, s) for s, i in scored],
                              limit, vague=vague, lone=len(words) <= 1)
        subject = absurd(compact)
        top = result.top
        if (subject and result.intent in ("answer", "suggest") and top is not None
                and not any(subject in t for t in (top.entry.title, *top.entry.questions))):
            # Not a question any entry answers, however well its words match — unless staff
            # wrote an entry about exactly that subject.
            chat = self._by_id.get(_ABSURD_ENTRY)
            return Result(text, norm, "out_of_scope" if chat else "unknown", [],
                          other=Hit(chat, 1.0) if chat else None)
        return result

    def _distinguish(self, scored: list[tuple[float, int]], qw: dict[str, float],
                     total: float) -> list[tuple[float, int]]:
        """Among the close contenders, credit the words that tell them apart.

        Sibling entries (低保 conditions, materials, payment) all share "低保"; what decides
        between them is the word only some of them have — 补贴, 材料, an aspect such as @where.
        A query word found in every contender counts nothing here; one found in few counts most.
        """
        p = self.params
        top = [i for _, i in scored[:_DISTINCT_POOL]]
        n = len(top)
        share = {t: sum(t in self.docs[i].termset for i in top) for t in qw}
        out = []
        for s, i in scored:
            doc = self.docs[i]
            bonus = sum(qw[t] * (1.0 - share[t] / n) for t in qw
                        if t in doc.termset and share[t]) / total if i in top else 0.0
            out.append((s + p.w_distinct * bonus, i))
        return sorted(out, reverse=True)

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
        # Without a score_cutoff extractOne always returns the best of a non-empty list.
        if cut < len(doc.compacts):
            best = process.extractOne(compact, doc.compacts[cut:], scorer=fuzz.ratio)[1]
        if cut:
            hit = process.extractOne(compact, doc.compacts[:cut], scorer=fuzz.partial_ratio)
            best = max(best, hit[1] * 0.85)
        return best / 100.0

    def _decide(self, text: str, norm: str, hits: Sequence[Hit], limit: int, *,
                vague: bool = False, lone: bool = False) -> Result:
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
            runner = next((h for h in civil[1:] if h.entry.id != top.entry.id), None)
            margin = top.score - runner.score if runner else 1.0
            # Two entries scoring alike is a question we cannot settle alone: offer both.
            # Entries of one topic (two halves of 两项补贴) often both answer; the close call
            # that misleads is between different topics (结婚登记 where vs 复婚).
            # A lone keyword ("低保") gets the service's main entry; a question that says more
            # and still cannot tell two topics apart gets both offered.
            close = (runner is not None and margin < p.suggest_margin and not lone
                     and not set(top.entry.topics) & set(runner.entry.topics))
            if not vague and not close and (rival is None
                                            or top.score - rival.score >= p.ambiguity_margin):
                return Result(text, norm, "answer", _dedupe(civil, limit, p.suggest_floor),
                              margin=margin)
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
