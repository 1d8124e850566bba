"""The 政策找人 self-check as a WeChat conversation (a ``core.flows.Flow``).

"我能领什么补贴", "政策找人" or the menu's button starts it; then one question per message:
numbered choices, "跳过", "重新开始", "退出". At the end the results, cut to WeChat's reply
length (the policies that do not fit in full are still named), the note that they are
indicative, and the offer of a community assistance adviser (requested in the mini-program).
The answers live only in the flow's encrypted, 30-minute state (``core.flows``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Protocol

from core import catalogue, policy_check, policy_standards
from core.answer_words import HUMAN_WORDS
from core.flows import FlowState, Turn
from core.policy_check import PolicyResult, QuestionView, Standards
from knowledge.entries import Entry
from knowledge.normalise import clean
from knowledge.policy_rules import Answer, RuleBook
from knowledge.policy_rules import load as load_rules
from knowledge.render import render_text

NAME = "policy_check"
REPLY_LIMIT_BYTES = 1950  # WeChat shows about 2,048 bytes of a text reply
SKIP_WORDS = frozenset({"跳过", "不知道", "不清楚", "不想说", "略过", "下一题", "skip"})
YES_WORDS = frozenset({"是", "是的", "有", "对", "嗯", "有的", "yes", "y"})
NO_WORDS = frozenset({"否", "不是", "没有", "无", "没", "不", "no", "n"})
MISSES_ALLOWED = 2  # a third reply that is no answer ends the flow: it is answered as a question
LONG_REPLY = 15  # characters: a longer reply that is no answer is a question of its own
_TRIGGERS = frozenset({"政策找人", "政策自测", "补贴自测", "我能领什么补贴", "我能领哪些补贴"})
_TRIGGER = re.compile(r"^(?:我|我家|我们|我们家|家里)(?:能|可以|可)?(?:领|申请|享受|拿)到?"
                      r"(?:什么|哪些|啥)(?:补贴|救助|政策|补助|福利)")
_NUMBER = re.compile(r"\d{1,3}")


class Knowledge(Protocol):
    """What the flow reads of the knowledge base (``core.kb.KnowledgeService``)."""

    contacts: dict[str, str]

    def entry(self, entry_id: str) -> Entry | None: ...


def _compact(text: str) -> str:
    return "".join(ch for ch in clean(text) if ch.isalnum())


def starts_check(text: str) -> bool:
    compact = _compact(text)
    return compact in _TRIGGERS or bool(_TRIGGER.match(compact))


def say(code: str, **params: Any) -> str:
    return catalogue.text("residents", code, params)


class PolicyCheckFlow:
    """One resident's self-check at one request; ``prepare`` reads the year's standards."""

    name = NAME

    def __init__(self, kb: Knowledge, now: datetime, base_url: str = "",
                 book: RuleBook | None = None) -> None:
        self.kb, self.now, self.base_url = kb, now, base_url
        self.book = book or load_rules()
        self.standards = Standards()
        self._questions: list[QuestionView] = policy_check.questions(self.book, self.standards)

    def wants(self, text: str) -> bool:
        return starts_check(text)

    async def prepare(self) -> None:
        self.standards = await policy_standards.load(self.now)
        self._questions = policy_check.questions(self.book, self.standards)

    def quit_reply(self) -> str:
        return say("bot_policy_quit")

    def start(self) -> Turn:
        state = FlowState(NAME)
        return Turn(f"{say('bot_policy_intro', count=len(self._questions))}\n\n"
                    f"{self._ask(0)}", state)

    def step(self, state: FlowState, text: str) -> Turn | None:
        words = _compact(text)
        if state.step >= len(self._questions):
            return self._detail(state, words)
        question = self._questions[state.step]
        if words in SKIP_WORDS:
            return self._next(state, None)
        answer = _parse(question, words)
        if answer is None:
            # Asking for a person, or a question of its own: the flow ends and it is answered.
            if (text.strip() in HUMAN_WORDS or len(text.strip()) > LONG_REPLY
                    or state.misses >= MISSES_ALLOWED):
                return None
            missed = FlowState(NAME, state.step, state.answers, state.misses + 1)
            return Turn(f"{say('bot_policy_not_understood')}\n\n{self._ask(state.step)}", missed)
        return self._next(state, answer)

    def _next(self, state: FlowState, answer: Answer | None) -> Turn:
        answers = dict(state.answers)
        if answer is not None:
            answers[self._questions[state.step].id] = answer
        following = state.step + 1
        if following >= len(self._questions):
            return self._finish(answers)
        return Turn(self._ask(following), FlowState(NAME, following, answers))

    def _ask(self, index: int) -> str:
        q = self._questions[index]
        lines = [f"（{index + 1}/{len(self._questions)}）{q.text}"]
        if q.type == "choice":
            lines += [f"{n}. {label}" for n, (_value, label) in enumerate(q.options, 1)]
            lines.append(say("bot_policy_hint_choice"))
        elif q.type == "boolean":
            lines += ["1. 是", "2. 否", say("bot_policy_hint_choice")]
        else:
            lines.append(say("bot_policy_hint_number"))
        return "\n".join(lines)

    def _results(self, answers: dict[str, Any]) -> list[PolicyResult]:
        return policy_check.evaluate(self.book, answers, self.standards,
                                     contacts=self.kb.contacts, read_more=self._link)

    def _finish(self, answers: dict[str, Any]) -> Turn:
        """The list of what may fit. Only the policies' codes are kept (not the answers), for
        30 minutes, so that a number picks one to read in full."""
        results = self._results(answers)
        if not results:
            return Turn(f"{policy_check.NOTHING_FOUND}\n\n{self._footer()}", None)
        kept = FlowState(NAME, len(self._questions), {"results": [r.code for r in results]})
        return Turn(results_text(results, self._footer()), kept)

    def _detail(self, state: FlowState, words: str) -> Turn | None:
        """One policy of the list in full, by its number; anything else ends the flow."""
        codes = [str(c) for c in state.answers.get("results") or []]
        number = int(words) if words.isdigit() and len(words) <= 2 else 0
        if not 1 <= number <= len(codes):
            return None
        rule = next((r for r in self.book.rules if r.code == codes[number - 1]), None)
        if rule is None:
            return None
        # The rule alone fits whatever the answers were: it was on the list.
        [result] = policy_check.evaluate(
            RuleBook(self.book.questions, (rule,)), {}, self.standards,
            contacts=self.kb.contacts, read_more=self._link, force=True)
        return Turn(say("bot_policy_detail", title=result.title, why=result.why,
                        step=result.next_step), state)

    def _link(self, entry_id: str) -> str:
        return say("bot_policy_read", url=f"{self.base_url}/kb/{entry_id}") if self.base_url else ""

    def _footer(self) -> str:
        hotline = render_text(policy_check.HOTLINE, self.kb.contacts)
        return say("bot_policy_adviser", hotline=hotline)


def _parse(question: QuestionView, words: str) -> Answer | None:
    if question.type == "number":
        found = _NUMBER.search(words)
        value = int(found.group()) if found else -1
        return value if question.min <= value <= question.max else None
    if question.type == "boolean":
        if words == "1" or words in YES_WORDS:
            return True
        return False if words == "2" or words in NO_WORDS else None
    for n, (option, label) in enumerate(question.options, 1):
        if words == str(n) or words == _compact(label):
            return option
    return None


def results_text(results: list[PolicyResult], footer: str) -> str:
    """The list as one WeChat text: each policy with why it may fit, as many as fit (the rest by
    title), how to read one in full, that it is indicative, and the adviser's offer (always)."""
    tail = f"\n\n{say('bot_policy_pick')}\n\n{say('bot_policy_indicative')}\n\n{footer}"
    lines = [say("bot_policy_results")]
    for n, r in enumerate(results, 1):
        full = f"{n}. {r.title}：{r.why}"
        titles = [f"{m}. {x.title}" for m, x in enumerate(results[n:], n + 1)]
        if len("\n".join([*lines, full, *titles, tail]).encode()) > REPLY_LIMIT_BYTES:
            lines.append(f"{n}. {r.title}")
        else:
            lines.append(full)
    return "\n".join(lines) + tail
