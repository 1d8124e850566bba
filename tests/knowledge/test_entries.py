from __future__ import annotations

import json
import re
from pathlib import Path

from knowledge.entries import Entry, dump_dir, load_dir, validate
from knowledge.evaluate import TAXONOMY_FILE, category_codes, load_taxonomy
from knowledge.render import DEFAULT_CONTACTS, render_text

SHARED_TAXONOMY = Path(__file__).resolve().parents[3] / "shared" / "taxonomy.json"
# Numbers that may be written literally: the city hotline and emergency numbers.
_ALLOWED_NUMBERS = {"12345", "110", "120", "119"}


def test_bundled_taxonomy_matches_the_shared_one() -> None:
    if SHARED_TAXONOMY.exists():
        assert json.loads(SHARED_TAXONOMY.read_text()) == json.loads(TAXONOMY_FILE.read_text())


def test_every_entry_is_valid(entries: list[Entry]) -> None:
    problems = [p for e in entries for p in validate(e, category_codes())]
    assert problems == []


def test_there_are_well_over_150_civil_affairs_entries(entries: list[Entry]) -> None:
    assert sum(e.kind == "entry" for e in entries) >= 150
    assert sum(e.kind == "out_of_scope" for e in entries) >= 15


def test_every_taxonomy_topic_is_answered(entries: list[Entry]) -> None:
    covered = {(e.category, t) for e in entries if e.kind == "entry" for t in e.topics}
    missing = [(c["code"], t) for c in load_taxonomy()["categories"] for t in c["topics"]
               if (c["code"], t) not in covered]
    assert missing == []


def test_answers_fit_a_phone_and_use_only_known_placeholders(entries: list[Entry]) -> None:
    for e in entries:
        assert len(e.answer) <= 600, e.id
        assert e.placeholders <= set(DEFAULT_CONTACTS), (e.id, e.placeholders)
        rendered = render_text(e.answer)
        assert "${" not in rendered, e.id
        assert len(rendered.encode()) < 2048, e.id


def test_no_phone_numbers_are_invented(entries: list[Entry]) -> None:
    for e in entries:
        for number in re.findall(r"(?<![\d.])\d{3,}(?![\d.])", e.answer):
            if number in _ALLOWED_NUMBERS or re.fullmatch(r"20\d\d", number):
                continue
            # Other figures must come from the seed (e.g. 2024 targets), never a phone number.
            assert not re.fullmatch(r"(0?21)?\d{8}|1[3-9]\d{9}", number), (e.id, number)


def test_export_then_load_round_trips(entries: list[Entry], tmp_path: Path) -> None:
    dump_dir(entries, tmp_path)
    again = load_dir(tmp_path)
    assert sorted(again, key=lambda e: e.id) == sorted(entries, key=lambda e: e.id)
