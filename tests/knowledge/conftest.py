from __future__ import annotations

import pytest

from core.kb import build_index
from knowledge.entries import Entry, load_dir
from knowledge.matcher import Index
from knowledge.segment import Segmenter
from knowledge.synonyms import SynonymTable


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    return Segmenter()


@pytest.fixture(scope="session")
def entries() -> list[Entry]:
    return load_dir()


@pytest.fixture(scope="session")
def index(entries: list[Entry], segmenter: Segmenter) -> Index:
    return build_index(entries, segmenter, SynonymTable.load())
