"""远程导办: a guide walked through in the chat, one step per message (a ``core.flows.Flow``).

"远程导办" (or "导办") starts it: the published guides by number; a number picks one, then each
message gets one step — what to do, the materials, the 网办小视频 — with "下一步" / "上一步";
after the last step, the offer to book a consultation with the registration office
(``social_org_consultation``). "退出" ends it, "重新开始" goes back to the list. The state is only
which guide and which step (no personal data), kept 30 minutes like every flow.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Protocol

from core import catalogue
from core.flows import FlowState, Turn
from core.guides import GuideView, StepView, render, view_of
from core.models import Guide, GuideStep
from knowledge.normalise import clean

log = logging.getLogger("baoshan.guide_walk")

NAME = "guide_walk"
REPLY_LIMIT_BYTES = 1950  # WeChat shows about 2,048 bytes of a text reply
READ_WITHIN = 0.5  # seconds for the guides' one read; a slow database costs the walk, not the answer
MISSES_ALLOWED = 2
LONG_REPLY = 6  # characters: a longer reply that is no command (those are short) is a question
_TRIGGERS = frozenset({"远程导办", "导办", "社会组织导办", "社会组织远程导办", "远程导办服务", "我要导办"})
NEXT_WORDS = frozenset({"下一步", "下一个", "继续", "好", "好的", "嗯", "next", "n"})
PREV_WORDS = frozenset({"上一步", "上一个", "返回", "后退", "back", "b"})


class Knowledge(Protocol):
    contacts: dict[str, str]


def _compact(text: str) -> str:
    return "".join(ch for ch in clean(text) if ch.isalnum())


def say(code: str, **params: Any) -> str:
    return catalogue.text("residents", code, params)


async def _published() -> list[GuideView]:
    guides = await Guide.filter(published=True).order_by("position", "id")
    steps = await GuideStep.filter(guide_id__in=[g.id for g in guides]) if guides else []
    return [view_of(g, [s for s in steps if s.guide_id == g.id]) for g in guides]


class GuideWalkFlow:
    """One resident's walk-through at one request; ``prepare`` reads the published guides."""

    name = NAME

    def __init__(self, kb: Knowledge, now: datetime, base_url: str = "") -> None:
        self.kb, self.now, self.base_url = kb, now, base_url
        self.guides: list[GuideView] = []

    def wants(self, text: str) -> bool:
        return _compact(text) in _TRIGGERS

    async def prepare(self) -> None:
        try:
            self.guides = await asyncio.wait_for(_published(), READ_WITHIN)
        except Exception:  # the walk says it cannot list the guides; the resident can ask again
            log.warning("guides not read for the walk-through", exc_info=True)
            self.guides = []

    def quit_reply(self) -> str:
        return say("bot_walk_quit")

    def start(self) -> Turn:
        if not self.guides:
            return Turn(say("bot_walk_none"), None)
        lines = [say("bot_walk_intro")]
        lines += [f"{n}. {g.title}" for n, g in enumerate(self.guides, 1)]
        lines.append(say("bot_walk_pick"))
        return Turn("\n".join(lines), FlowState(NAME))

    def step(self, state: FlowState, text: str) -> Turn | None:
        words = _compact(text)
        guide = self._guide(state)
        if guide is None:  # still choosing a guide
            number = int(words) if words.isdigit() and len(words) <= 2 else 0
            if 1 <= number <= len(self.guides):
                chosen = self.guides[number - 1]
                return self._show(chosen, 1)
            return self._missed(state, text, self.start().reply)
        if words in NEXT_WORDS:
            if state.step >= len(guide.steps):
                return Turn(say("bot_walk_done", title=guide.title), None)
            return self._show(guide, state.step + 1)
        if words in PREV_WORDS:
            return self._show(guide, max(1, state.step - 1))
        return self._missed(state, text, say("bot_walk_hint"))

    def _guide(self, state: FlowState) -> GuideView | None:
        wanted = state.answers.get("guide")
        return next((g for g in self.guides if g.id == wanted), None) if wanted else None

    def _missed(self, state: FlowState, text: str, again: str) -> Turn | None:
        if len(text.strip()) > LONG_REPLY or state.misses >= MISSES_ALLOWED:
            return None  # a question of its own: the walk ends and it is answered as usual
        missed = FlowState(NAME, state.step, state.answers, state.misses + 1)
        return Turn(f"{say('bot_walk_not_understood')}\n{again}", missed)

    def _show(self, guide: GuideView, number: int) -> Turn:
        if not guide.steps:
            return Turn(say("bot_walk_none"), None)
        number = min(number, len(guide.steps))
        return Turn(self._step_text(guide, guide.steps[number - 1]),
                    FlowState(NAME, number, {"guide": guide.id}))

    def _step_text(self, guide: GuideView, s: StepView) -> str:
        total = len(guide.steps)
        head = say("bot_walk_step", title=guide.title, n=s.number, total=total, step=s.title)
        tail = say("bot_walk_last") if s.number == total else say("bot_walk_hint")
        extra = []
        if s.materials:
            extra.append(say("bot_walk_materials", materials="；".join(s.materials)))
        if s.video:
            url = s.video.url if s.video.url.startswith("http") else f"{self.base_url}{s.video.url}"
            extra.append(say("bot_walk_video", title=s.video.title, url=url))
        detail = render(s.detail, self.kb.contacts).strip()
        fixed = "\n".join([head, *extra, tail])
        room = REPLY_LIMIT_BYTES - len(fixed.encode()) - 2
        if len(detail.encode()) > room:
            link = f"{self.base_url}/guides/{guide.id}#step-{s.number}" if self.base_url else ""
            cut = say("bot_walk_more", url=link) if link else ""
            room -= len(cut.encode()) + 1
            while detail and len(detail.encode()) > max(room, 0):
                detail = detail[:-20]
            detail = f"{detail}…{cut}"
        return "\n".join([head, detail, *extra, tail])
