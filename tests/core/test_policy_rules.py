"""#16 政策找人: the reviewed rule file. Every policy is reached by one answer set and missed by a
near-miss of it (one answer changed), every rule points to an entry the knowledge base has, and
amounts are quoted only when staff entered this year's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.errors import DomainError
from core.policy_check import Standards, evaluate, parse_answers, questions
from core.policy_standards import standards_of
from knowledge.entries import load_dir
from knowledge.policy_rules import load, parse

BOOK = load()

# code → (answers that reach it, the same answers with one changed that must not)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "dibao": ({"income": "below_dibao", "savings": "little"},
              {"income": "below_2x", "savings": "little"}),
    "low_income": ({"income": "below_2x"}, {"income": "above_2x"}),
    "tekun": ({"household_size": 1, "income": "below_dibao", "savings": "little",
               "oldest_age": 72},
              {"household_size": 2, "income": "below_dibao", "savings": "little",
               "oldest_age": 72}),
    "zhichu": ({"illness": True}, {"illness": False}),
    "temporary_aid": ({"sudden_hardship": True}, {"sudden_hardship": False}),
    "disability_subsidies": ({"disability": "other", "income": "below_2x"},
                             {"disability": "other", "income": "above_2x"}),
    "disability_certificate": ({"disability": "no_certificate"}, {"disability": "none"}),
    "children": ({"youngest_age": 9, "income": "below_dibao"},
                 {"youngest_age": 18, "income": "below_dibao"}),
    "elderly_allowance": ({"oldest_age": 65}, {"oldest_age": 64}),
    "elderly_care_subsidy": ({"oldest_age": 60, "income": "below_2x"},
                             {"oldest_age": 59, "income": "below_2x"}),
    "elderly_meals": ({"oldest_age": 60}, {"oldest_age": 59}),
    "family_care_bed": ({"oldest_age": 70, "disability": "severe"},
                        {"oldest_age": 70, "disability": "other"}),
    "yijiantong": ({"household_size": 1, "oldest_age": 85},
                   {"household_size": 2, "oldest_age": 85}),
}


def codes(answers: dict[str, Any]) -> list[str]:
    return [r.code for r in evaluate(BOOK, parse_answers(BOOK, answers), Standards())]


def test_the_rule_file_covers_the_issue_s_policies_and_every_case_is_tested() -> None:
    assert {r.code for r in BOOK.rules} == set(CASES)
    assert 6 <= len(BOOK.questions) <= 10
    assert all(r.source for r in BOOK.rules)


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_policy_is_reached_and_its_near_miss_is_not(code: str) -> None:
    hit, near_miss = CASES[code]
    assert code in codes(hit)
    assert code not in codes(near_miss)


def test_every_rule_points_to_a_bundled_knowledge_entry() -> None:
    known = {e.id for e in load_dir() if e.active}
    assert {r.entry for r in BOOK.rules} <= known


def test_nothing_answered_fits_nothing_and_skipped_questions_fail_conditions() -> None:
    assert codes({}) == []
    assert codes({"income": None, "oldest_age": None}) == []
    assert "dibao" in codes({"income": "below_dibao"})  # savings skipped: still worth asking


def test_a_result_says_why_and_the_next_step_with_the_hotline_and_the_entry() -> None:
    results = evaluate(BOOK, {"income": "below_dibao"}, Standards(),
                       contacts={"bureau_phone": "021-0000-0000（示例）"},
                       read_more=lambda entry: f"详见：https://example.org/kb/{entry}")
    dibao = next(r for r in results if r.code == "dibao")
    assert "低于本市低保标准（以当年公布标准为准）" in dibao.why
    assert "社区事务受理服务中心" in dibao.next_step and "身份证" in dibao.next_step
    assert "12345" in dibao.next_step and "021-0000-0000（示例）" in dibao.next_step
    assert dibao.next_step.endswith("详见：https://example.org/kb/sa-dibao-conditions")


def test_amounts_are_quoted_only_for_the_current_year() -> None:
    now = datetime(2031, 6, 1, tzinfo=UTC)
    stored = {"year": 2031, "dibao": 1234, "dibao_assets": 5678}
    this_year = standards_of(stored, now)
    labels = dict(next(q for q in questions(BOOK, this_year) if q.id == "income").options)
    assert labels["below_dibao"] == "低于本市低保标准（2031年每人每月1234元）"
    last_year = standards_of({**stored, "year": 2030}, now)
    assert last_year == Standards()
    labels = dict(next(q for q in questions(BOOK, last_year) if q.id == "income").options)
    assert "1234" not in labels["below_dibao"] and "以当年公布标准为准" in labels["below_dibao"]
    assert standards_of(None, now) == Standards()
    assert standards_of({"year": 2031, "dibao": "1234"}, now).dibao is None


@pytest.mark.parametrize("answers", [
    {"no_such_question": 1},
    {"income": "rich"},
    {"income": 3},
    {"household_size": 0},
    {"household_size": "3"},
    {"household_size": True},
    {"oldest_age": 121},
    {"illness": "yes"},
])
def test_unknown_ids_and_values_are_refused(answers: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as refused:
        parse_answers(BOOK, answers)
    assert refused.value.code == "invalid_input"
    detail = str(refused.value.params["detail"])
    assert detail and all(str(v) not in detail for v in answers.values() if v not in (0, True))


def test_a_rule_naming_an_unknown_option_is_refused_at_load() -> None:
    raw = {"questions": [{"id": "q", "type": "choice", "text": "?",
                          "options": [{"value": "a", "label": "A"}]}],
           "policies": [{"code": "p", "title": "P", "entry": "e", "source": "s", "why": "w",
                         "next_step": "n", "when": [[{"question": "q", "in": ["b"]}]]}]}
    with pytest.raises(ValueError):
        parse(raw)
