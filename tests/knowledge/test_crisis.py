"""#12 crisis recognition, measured on the labelled sets (figures: bench/crisis_eval.py).

The tuning sets were used to write the patterns, so they must stay fully recognised; the report
set was written separately and never used for tuning, so its figures are a floor that must not
fall (the issue's target of 99 % is not yet met: see bench/RESULTS.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge import crisis
from knowledge.crisis_eval import EVAL_DIR, evaluate_file

ORDINARY = ("dev", "holdout", "holdout2", "entries_tune", "entries_tune2")
TUNING = sorted(p.stem for p in EVAL_DIR.glob("crisis_tune*.yaml"))


@pytest.mark.parametrize("name", ORDINARY)
def test_no_ordinary_question_gets_the_crisis_reply(name: str) -> None:
    rep = evaluate_file(EVAL_DIR / f"{name}.yaml")
    assert rep.false_alarms == 0, rep.alarms
    assert rep.recognised == rep.crisis, rep.missed  # items marked as crisis messages


@pytest.mark.parametrize("name", TUNING)
def test_every_tuning_phrasing_is_recognised_without_false_alarms(name: str) -> None:
    rep = evaluate_file(EVAL_DIR / f"{name}.yaml")
    assert rep.crisis >= 150 and rep.recognised == rep.crisis, rep.missed
    assert rep.false_alarms == 0, rep.alarms


def test_the_held_out_sets_do_not_fall_below_their_measured_floor() -> None:
    # crisis_report2 was written by someone who saw neither the rules nor the earlier sets, and
    # is only ever measured (77.0 % recall, 13/236 false alarms on 2026-12-03); entries_report
    # is the held-out question set of the matcher (4/405 false alarms).
    rep = evaluate_file(EVAL_DIR / "crisis_report2.yaml")
    assert rep.crisis >= 150 and rep.ordinary >= 150
    assert rep.recall >= 0.76
    assert rep.false_alarms / rep.ordinary <= 0.06
    questions = evaluate_file(EVAL_DIR / "entries_report.yaml")
    assert questions.false_alarms / questions.ordinary <= 0.01


@pytest.mark.parametrize("text", ["我不想活了", "老公又打我了", "孩子被锁在家里两天没吃饭",
                                  "我爸走丢了到现在没回来", "今晚没地方睡"])
def test_every_crisis_reply_says_whom_to_call_and_offers_a_person(text: str) -> None:
    found = crisis.detect(text)
    assert found is not None
    assert "110" in found.reply and "人工" in found.reply
    assert "\n1. " not in found.reply and "请回复序号" not in found.reply


def test_every_number_in_the_replies_has_a_source() -> None:
    numbers = {n for s in crisis.sources() for n in s["number"].replace(" ", "").split("/")}
    text = Path(crisis.CRISIS_FILE).read_text(encoding="utf-8").split("replies:", 1)[1]
    for number in set(re.findall(r"(?<!\d)\d{3,6}(?!\d)", text)):
        assert number in numbers, number
