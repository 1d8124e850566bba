"""The 政策找人 self-check, evaluated: answers in, the policies that may fit out.

Pure functions (no ORM, no I/O) over the rule book (``knowledge.policy_rules``), the year's
standards (``Standards``, staff settings loaded by ``core.policy_standards``) and the contact
settings, so the API, the bot's guided flow and the tests share one evaluation. Every result is
indicative: the wording says so and that the office decides after the means check.

Answers are never logged or stored here; a refused answer's error names the question, never the
value given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import DomainError
from knowledge.policy_rules import Answer, Question, Rule, RuleBook
from knowledge.render import render_text

OFFICE = "户籍所在地街道/镇社区事务受理服务中心"
HOTLINE = "12345或区民政局电话${bureau_phone}"
DISCLAIMER = ("以上结果根据您的回答自动生成，仅供参考；能否享受、享受多少，以街道/镇社区事务受理服务中心"
              "按家庭经济状况核对等审核的结果为准。各项标准每年调整，以当年公布标准为准。")
NOTHING_FOUND = ("根据您的回答，暂时没有找到明显适合的政策。如果家里确实有困难，可以找居委会、村委会或"
                 "社区救助顾问当面聊一聊，他们会帮您看看还能申请什么。")


@dataclass(frozen=True)
class Standards:
    """The year's amounts staff entered (元); None: not entered, say 以当年公布标准为准."""

    year: int | None = None
    dibao: int | None = None  # 低保标准, per person per month
    dibao_assets: int | None = None  # 低保家庭财产标准, per person
    low_income_assets: int | None = None  # 低收入家庭财产标准, per person

    def phrases(self) -> dict[str, str]:
        year = f"{self.year}年" if self.year else ""
        return {
            "dibao": _phrase("本市低保标准", year, "每人每月", self.dibao),
            "dibao_assets": _phrase("本市低保家庭财产标准", year, "每人", self.dibao_assets),
            "low_income_assets": _phrase("本市低收入家庭财产标准", year, "每人",
                                         self.low_income_assets),
            "office": OFFICE,
        }


def _phrase(name: str, year: str, per: str, amount: int | None) -> str:
    if amount is None or not year:
        return f"{name}（以当年公布标准为准）"
    return f"{name}（{year}{per}{amount}元）"


@dataclass(frozen=True)
class PolicyResult:
    code: str
    title: str
    why: str
    next_step: str
    entry: str  # the knowledge entry to read


@dataclass(frozen=True)
class QuestionView:
    id: str
    text: str
    type: str
    options: tuple[tuple[str, str], ...]  # (value, label)
    min: int
    max: int


def questions(book: RuleBook, standards: Standards) -> list[QuestionView]:
    """The questions with the year's standards filled into their wording."""
    words = standards.phrases()
    return [QuestionView(q.id, q.text.format_map(words), q.type,
                         tuple((o.value, o.label.format_map(words)) for o in q.options),
                         q.min, q.max) for q in book.questions]


def _refuse(question_id: str, detail: str) -> DomainError:
    return DomainError("invalid_input", field=f"answers.{question_id}"[:80],
                       params={"detail": detail})


def _checked(question: Question, value: Any) -> Answer:
    if question.type == "boolean":
        if not isinstance(value, bool):
            raise _refuse(question.id, "请回答“是”或“否”（true 或 false），也可以不答")
        return value
    if question.type == "number":
        if isinstance(value, bool) or not isinstance(value, int) \
                or not question.min <= value <= question.max:
            raise _refuse(question.id,
                          f"请填写 {question.min} 到 {question.max} 之间的整数，也可以不答")
        return value
    if not isinstance(value, str) or value not in {o.value for o in question.options}:
        raise _refuse(question.id, "请从给出的选项中选择，也可以不答")
    return value


def parse_answers(book: RuleBook, raw: Any) -> dict[str, Answer]:
    """The answers given, checked against the questions; a skipped question is left out (or
    sent as null). Raises DomainError("invalid_input") for an unknown question or value."""
    if not isinstance(raw, dict):
        raise DomainError("invalid_input", field="answers",
                          params={"detail": "answers 应为以问题编号为键的对象"})
    answers: dict[str, Answer] = {}
    for key, value in raw.items():
        question = book.question(str(key))
        if question is None:
            # The id is not echoed: it is the caller's text.
            raise DomainError("invalid_input", field="answers",
                              params={"detail": "包含不存在的问题编号，请按问题列表作答"})
        if value is not None:
            answers[question.id] = _checked(question, value)
    return answers


def evaluate(book: RuleBook, answers: Mapping[str, Answer], standards: Standards, *,
             contacts: Mapping[str, str] | None = None,
             read_more: Callable[[str], str] = lambda entry: "",
             force: bool = False) -> list[PolicyResult]:
    """The policies whose rules the answers fit, in the rule book's order. ``read_more`` turns a
    knowledge entry id into the words pointing to it (a link to the public entry page). With
    ``force`` every rule's result is given (the bot's detail of a policy already listed)."""
    words = standards.phrases()
    given = dict(answers)
    hotline = render_text(HOTLINE, contacts)
    return [_result(rule, words, hotline, read_more(rule.entry))
            for rule in book.rules if force or rule.fits(given)]


def _result(rule: Rule, words: dict[str, str], hotline: str, more: str) -> PolicyResult:
    step = rule.next_step.format_map(words).rstrip("。") + f"。咨询：{hotline}。"
    return PolicyResult(rule.code, rule.title, rule.why.format_map(words),
                        f"{step}{more}" if more else step, rule.entry)
