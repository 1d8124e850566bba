"""Knowledge search speed and memory: shipped size and 20,000 synthetic entries.

Prints index build time, RSS, and per-query p50/p99/max over the labelled question sets. The max is
also the longest the event loop is blocked by one query (search is synchronous CPU work).

    python bench/kb_search.py [--synthetic 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import time
from pathlib import Path

from core.kb import build_index
from knowledge.entries import Entry, load_dir
from knowledge.evaluate import load_items
from knowledge.matcher import Index
from knowledge.segment import Segmenter
from knowledge.synonyms import SynonymTable

EVAL = Path(__file__).resolve().parents[1] / "knowledge" / "eval"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(entries: list[Entry], n: int, seed: int = 7) -> list[Entry]:
    """Entries made by recombining real phrasings, so term statistics stay realistic."""
    rng = random.Random(seed)
    civil = [e for e in entries if e.kind == "entry"]
    out = list(entries)
    for i in range(n - len(entries)):
        a, b = rng.sample(civil, 2)
        qs = rng.sample(a.questions, min(3, len(a.questions))) + \
            rng.sample(b.questions, min(3, len(b.questions)))
        out.append(Entry(id=f"syn-{i}", kind="entry", category=a.category,
                         title=f"{a.title}（{b.title[:6]}）", answer=a.answer, questions=tuple(qs),
                         keywords=tuple(rng.sample(a.keywords, min(3, len(a.keywords)))
                                        + rng.sample(b.keywords, min(2, len(b.keywords))))))
    return out


def measure(label: str, entries: list[Entry], seg: Segmenter, syn: SynonymTable,
            queries: list[str]) -> None:
    t = time.perf_counter()
    index = build_index(entries, seg, syn, cache=False)  # the build itself is the figure
    build = time.perf_counter() - t
    for q in queries[:50]:
        index.search(q)  # warm caches
    times: list[tuple[float, int]] = []
    for _ in range(3):
        for q in queries:
            t = time.perf_counter()
            index.search(q)
            times.append(((time.perf_counter() - t) * 1000, len(q)))
    print(f"{label}: entries={len(index)} build={build:.2f}s rss={rss_mb():.0f}MB "
          f"max event-loop stall={asyncio.run(loop_lag(index, queries)):.2f}ms")
    for name, keep in (("all", lambda n: True), ("<=40 chars", lambda n: n <= 40),
                       (">40 chars", lambda n: n > 40)):
        ts = sorted(ms for ms, n in times if keep(n))
        p = lambda f, ts=ts: ts[min(len(ts) - 1, int(len(ts) * f))]  # noqa: E731
        print(f"  {name:<11} queries={len(ts):<5} p50={p(0.5):.2f}ms p99={p(0.99):.2f}ms "
              f"max={ts[-1]:.2f}ms")


async def loop_lag(index: Index, queries: list[str]) -> float:
    """Longest event-loop stall (ms) while serving every query the way the HTTP handler does
    (KnowledgeService.asearch: long messages and huge indexes go to a thread)."""
    from core.kb import _INLINE_MAX_CHARS, _INLINE_MAX_ENTRIES

    worst = 0.0
    done = False

    async def ticker() -> None:
        nonlocal worst
        while not done:
            t = time.perf_counter()
            await asyncio.sleep(0)
            worst = max(worst, (time.perf_counter() - t) * 1000)

    tick = asyncio.create_task(ticker())
    for q in queries:
        if len(q) > _INLINE_MAX_CHARS or len(index) > _INLINE_MAX_ENTRIES:
            await asyncio.to_thread(index.search, q)
        else:
            index.search(q)
        await asyncio.sleep(0)
    done = True
    await tick
    return worst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=int, default=20000)
    args = ap.parse_args()
    t = time.perf_counter()
    seg = Segmenter()
    print(f"jieba dictionary load: {time.perf_counter() - t:.2f}s, rss={rss_mb():.0f}MB")
    syn = SynonymTable.load()
    entries = load_dir()
    queries = [i["q"] for f in ("dev.yaml", "holdout.yaml", "holdout2.yaml")
               for i in load_items(EVAL / f)]
    measure("shipped", entries, seg, syn, queries)
    if args.synthetic:
        measure(f"synthetic {args.synthetic}", synthetic(entries, args.synthetic), seg, syn, queries)


if __name__ == "__main__":
    main()
