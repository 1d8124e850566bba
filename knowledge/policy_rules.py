"""The 政策找人 self-check as data: its questions and the rules mapping answers to policies.

One reviewed file, ``data/policy_rules.yaml``, holds both, with a source per rule; this module
only reads and checks it (a rule naming an unknown question or option fails at load, not when a
resident answers). Evaluation is ``core.policy_check``; the words the texts' placeholders stand
for (the year's standards, the contacts) are filled in there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from knowledge import yamlio

RULES_FILE = Path(__file__).parent / "data" / "policy_rules.yaml"
QuestionType = Literal["choice", "number", "boolean"]
Answer = str | int | bool
_OPERATORS = ("in", "equals", "at_least", "below", "is")


@dataclass(frozen=True)
class Option:
    value: str
    label: str  # may hold placeholders ({dibao}…)


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: str
    options: tuple[Option, ...] = ()
    min: int = 0
    max: int = 0


@dataclass(frozen=True)
class Condition:
    question: str
    operator: str  # one of _OPERATORS
    value: Any  # a tuple for "in" (None in it: a skipped question passes), else one value

    def holds(self, answers: dict[str, Answer]) -> bool:
        given = answers.get(self.question)
        if self.operator == "in":
            return given in self.value
        if given is None:
            return False
        if self.operator in ("equals", "is"):
            return bool(given == self.value and type(given) is type(self.value))
        if isinstance(given, bool) or not isinstance(given, int):
            return False
        bound = int(self.value)
        return given >= bound if self.operator == "at_least" else given < bound


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    entry: str  # the knowledge entry the next step points to
    source: str
    when: tuple[tuple[Condition, ...], ...]  # any alternative whose conditions all hold
    why: str
    next_step: str

    def fits(self, answers: dict[str, Answer]) -> bool:
        return any(all(c.holds(answers) for c in alternative) for alternative in self.when)


@dataclass(frozen=True)
class RuleBook:
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def _question(raw: dict[str, Any]) -> Question:
    kind = str(raw["type"])
    if kind not in ("choice", "number", "boolean"):
        raise ValueError(f"policy_rules.yaml: question {raw.get('id')}: bad type {kind}")
    options = tuple(Option(str(o["value"]), str(o["label"])) for o in raw.get("options") or [])
    if (kind == "choice") != bool(options):
        raise ValueError(f"policy_rules.yaml: question {raw['id']}: options only for choices")
    return Question(str(raw["id"]), kind, str(raw["text"]), options,  # type: ignore[arg-type]
                    int(raw.get("min", 0)), int(raw.get("max", 0)))


def _condition(raw: dict[str, Any], questions: dict[str, Question], code: str) -> Condition:
    question = questions.get(str(raw.get("question")))
    operators = [op for op in _OPERATORS if op in raw]
    if question is None or len(operators) != 1:
        raise ValueError(f"policy_rules.yaml: rule {code}: bad condition {raw}")
    op = operators[0]
    value = raw[op]
    if op == "in":
        allowed = {o.value for o in question.options} | {None}
        if not isinstance(value, list) or not set(value) <= allowed:
            raise ValueError(f"policy_rules.yaml: rule {code}: unknown option in {raw}")
        value = tuple(value)
    elif (op == "is") != (question.type == "boolean") or (
            op != "is" and question.type != "number"):
        raise ValueError(f"policy_rules.yaml: rule {code}: {op} does not fit {question.id}")
    return Condition(question.id, op, value)


def parse(data: dict[str, Any]) -> RuleBook:
    questions = tuple(_question(q) for q in data["questions"])
    by_id = {q.id: q for q in questions}
    if len(by_id) != len(questions):
        raise ValueError("policy_rules.yaml: question ids repeat")
    rules = []
    for raw in data["policies"]:
        code = str(raw["code"])
        when = tuple(tuple(_condition(c, by_id, code) for c in alternative)
                     for alternative in raw["when"])
        if not when or not all(when):
            raise ValueError(f"policy_rules.yaml: rule {code}: empty condition")
        rules.append(Rule(code, str(raw["title"]), str(raw["entry"]), str(raw["source"]), when,
                          str(raw["why"]).strip(), str(raw["next_step"]).strip()))
    if len({r.code for r in rules}) != len(rules):
        raise ValueError("policy_rules.yaml: policy codes repeat")
    return RuleBook(questions, tuple(rules))


@lru_cache(maxsize=1)
def load() -> RuleBook:
    """The bundled rule book, read once per process."""
    with RULES_FILE.open(encoding="utf-8") as fh:
        return parse(yamlio.load(fh))
