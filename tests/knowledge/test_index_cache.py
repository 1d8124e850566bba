"""The on-disk index cache: a hit answers exactly like a fresh build; anything doubtful is rebuilt."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from core.kb import build_index
from knowledge import index_cache
from knowledge.entries import Entry
from knowledge.evaluate import load_items
from knowledge.matcher import Analyzer, Index, Result
from knowledge.segment import Segmenter
from knowledge.synonyms import SynonymTable

EVAL = Path(__file__).resolve().parents[2] / "knowledge" / "eval"


@pytest.fixture(scope="module")
def questions() -> list[str]:
    qs = [i["q"] for f in sorted(EVAL.glob("*.yaml")) for i in load_items(f)]
    return list(dict.fromkeys(qs))[::4]  # ≈ 200 of every style, long and short


@pytest.fixture(scope="module")
def synonyms() -> SynonymTable:
    return SynonymTable.load()


class Builds:
    """The build function handed to the cache, counting how often it really builds."""

    def __init__(self, segmenter: Segmenter, synonyms: SynonymTable) -> None:
        self.segmenter, self.synonyms, self.calls = segmenter, synonyms, 0

    def __call__(self, entries: tuple[Entry, ...]) -> Index:
        self.calls += 1
        return Index(entries, Analyzer(self.segmenter, self.synonyms))


def outcome(result: Result) -> tuple:
    other = (result.other.entry.id, round(result.other.score, 9)) if result.other else None
    return (result.intent, [(h.entry.id, round(h.score, 9)) for h in result.hits], other,
            round(result.margin, 9))


def cache_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("index-*.pickle"))


def test_a_hit_answers_every_question_like_a_fresh_build(
        tmp_path: Path, entries: list[Entry], segmenter: Segmenter, synonyms: SynonymTable,
        questions: list[str]) -> None:
    builds = Builds(segmenter, synonyms)
    first = index_cache.load_or_build(entries, segmenter, synonyms, builds, cache_dir=tmp_path)
    assert builds.calls == 1 and len(cache_files(tmp_path)) == 1
    loaded = index_cache.load_or_build(entries, segmenter, synonyms, builds, cache_dir=tmp_path)
    assert builds.calls == 1, "the second process must load, not build"
    assert loaded is not first
    # The loaded index uses this process's segmenter and table, not copies of them.
    assert loaded.analyzer.segmenter is segmenter and loaded.analyzer.synonyms is synonyms
    fresh = build_index(entries, segmenter, synonyms, cache=False)
    assert len(loaded) == len(fresh)
    for q in questions:
        assert outcome(loaded.search(q)) == outcome(fresh.search(q)), q


def test_build_index_uses_the_cache_directory_it_is_given(
        tmp_path: Path, entries: list[Entry], segmenter: Segmenter, synonyms: SynonymTable) -> None:
    index = build_index(entries, segmenter, synonyms, cache_dir=tmp_path)
    assert len(cache_files(tmp_path)) == 1
    again = build_index(entries, segmenter, synonyms, cache_dir=tmp_path)
    q = "结婚登记要带什么"
    assert outcome(again.search(q)) == outcome(index.search(q))
    assert again.search(q).answered


@pytest.mark.parametrize("damage", [b"", b"not a pickle at all", "truncate"])
def test_a_damaged_file_is_ignored_and_replaced(
        tmp_path: Path, damage: bytes | str, entries: list[Entry], segmenter: Segmenter,
        synonyms: SynonymTable) -> None:
    builds = Builds(segmenter, synonyms)
    index_cache.load_or_build(entries, segmenter, synonyms, builds, cache_dir=tmp_path)
    [path] = cache_files(tmp_path)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2] if damage == "truncate" else damage)  # type: ignore[arg-type]
    index = index_cache.load_or_build(entries, segmenter, synonyms, builds, cache_dir=tmp_path)
    assert builds.calls == 2
    assert index.search("低保怎么申请").answered
    # Rewritten whole: the next process loads it again.
    index_cache.load_or_build(entries, segmenter, synonyms, builds, cache_dir=tmp_path)
    assert builds.calls == 2


def test_a_file_for_another_key_is_ignored(
        tmp_path: Path, entries: list[Entry], segmenter: Segmenter, synonyms: SynonymTable) -> None:
    """A file under the right name whose contents were built for other entries (a copied var
    directory, a collision) is not trusted: the key inside is checked."""
    builds = Builds(segmenter, synonyms)
    index_cache.load_or_build(entries, segmenter, synonyms, builds, cache_dir=tmp_path)
    [path] = cache_files(tmp_path)
    elsewhere = tmp_path / "other"
    index_cache.load_or_build(entries[:5], segmenter, synonyms, builds, cache_dir=elsewhere)
    [other] = cache_files(elsewhere)
    path.write_bytes(other.read_bytes())  # a whole, valid cache file of five entries
    assert builds.calls == 2
    index = index_cache.load_or_build(entries, segmenter, synonyms, builds, cache_dir=tmp_path)
    assert builds.calls == 3
    assert len(index) == len([e for e in entries if e.active])


def test_an_edited_entry_or_synonym_is_a_new_build(
        tmp_path: Path, entries: list[Entry], segmenter: Segmenter, synonyms: SynonymTable) -> None:
    builds = Builds(segmenter, synonyms)
    index_cache.load_or_build(entries, segmenter, synonyms, builds, cache_dir=tmp_path)
    edited = [dataclasses.replace(entries[0], answer=entries[0].answer + "（已更新）"), *entries[1:]]
    index = index_cache.load_or_build(edited, segmenter, synonyms, builds, cache_dir=tmp_path)
    assert builds.calls == 2
    assert next(d.entry for d in index.docs if d.entry.id == entries[0].id).answer.endswith("（已更新）")
    more = SynonymTable({"结婚登记": ["扯证证"]})
    builds_more = Builds(segmenter, more)
    index_cache.load_or_build(entries, segmenter, more, builds_more, cache_dir=tmp_path)
    assert builds_more.calls == 1
    assert index_cache.cache_key(tuple(entries), segmenter, more) != \
        index_cache.cache_key(tuple(entries), segmenter, synonyms)


def test_an_unwritable_cache_directory_only_costs_the_build(
        tmp_path: Path, entries: list[Entry], segmenter: Segmenter, synonyms: SynonymTable) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    builds = Builds(segmenter, synonyms)
    index = index_cache.load_or_build(entries, segmenter, synonyms, builds, cache_dir=blocked / "c")
    assert builds.calls == 1 and index.search("结婚登记要带什么").answered


def test_the_prepared_dictionary_segments_like_jieba_itself(tmp_path: Path,
                                                            questions: list[str]) -> None:
    made = Segmenter(cache_dir=tmp_path)  # builds the dictionary and stores it
    [stored] = tmp_path.glob("jieba-*.pickle")
    loaded = Segmenter(cache_dir=tmp_path)
    assert loaded.fingerprint == made.fingerprint
    for q in questions:
        assert loaded.words(q) == made.words(q), q
    # A damaged file: ignored, the dictionary built again and the file replaced.
    stored.write_bytes(b"\x80\x05garbage")
    rebuilt = Segmenter(cache_dir=tmp_path)
    assert rebuilt.words(questions[0]) == made.words(questions[0])
    assert pickle.loads(stored.read_bytes())["fingerprint"] == made.fingerprint


def test_other_words_are_another_dictionary(tmp_path: Path) -> None:
    plain = Segmenter(cache_dir=tmp_path)
    extra = Segmenter(["宝山民政小助手"], cache_dir=tmp_path)
    assert extra.fingerprint != plain.fingerprint
    assert "宝山民政小助手" in extra.words("你好宝山民政小助手")
    assert "宝山民政小助手" not in Segmenter(cache_dir=tmp_path).words("你好宝山民政小助手")
