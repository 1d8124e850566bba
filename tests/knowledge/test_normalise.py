from __future__ import annotations

import pytest

from knowledge.normalise import clean, normalise
from knowledge.synonyms import SynonymTable
from knowledge.typos import TypoCorrector


@pytest.mark.parametrize(("raw", "expected"), [
    ("ＡＢＣ１２３", "abc123"),
    ("請問離婚冷靜期怎麼算？", "离婚冷静期怎么算"),
    ("低保😊怎么申请！！", "低保 怎么申请"),
    ("  结婚\t登记  ", "结婚 登记"),
])
def test_clean_and_fillers(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_a_bare_greeting_is_kept() -> None:
    assert normalise("你好！") == "你好"
    assert normalise("你好，请问低保怎么申请") == "低保怎么申请"


def test_input_is_cut_to_500_characters() -> None:
    assert len(clean("低" * 2000)) == 500


@pytest.mark.parametrize(("typed", "meant"), [
    ("低报怎么申请", "低保"),
    ("结婚等级要带什么", "结婚登记"),
    ("一剑通怎么装", "一键通"),
    ("离昏冷静期", "离婚"),
])
def test_pinyin_typos_are_corrected(typed: str, meant: str) -> None:
    corrector = TypoCorrector(["低保", "结婚登记", "一键通", "离婚", "冷静期", "申请"])
    assert meant in corrector.corrections(typed)


def test_a_correct_word_is_not_corrected() -> None:
    corrector = TypoCorrector(["低保", "地宝"])
    assert corrector.corrections("低保") == []


def test_synonyms_expand_without_replacing() -> None:
    table = SynonymTable({"结婚登记": ["领证", "扯证"], "海葬": ["撒海里", "骨灰撒到海里"]})
    assert table.expand("明天去领证") == ["结婚登记"]
    assert table.expand("骨灰撒到海里怎么弄") == ["海葬"]
    assert table.expand("低保") == []
