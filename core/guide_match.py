"""Which guide (or which step of one) a resident's question is about, for the bot's answer.

"成立社会组织要什么材料" gets the setup guides' summaries and links; "社会团体名称核准怎么办" gets
that step. A question must name the social-organisation domain (``DOMAIN``) before any guide is
considered, so "车辆年检" or "公司名称核准" stay with the knowledge base. Matching is on the
guides' and steps' keywords, which staff edit in the console.

``answer`` is what ``core.answering.decide`` calls (after crisis detection, which always comes
first); the reading is bounded by a timeout and a failure falls back to the knowledge base.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core import guides
from core.guides import GuideView, StepView
from core.models import GuideStep
from knowledge.normalise import clean

log = logging.getLogger("baoshan.guides")

DOMAIN = ("社会组织", "社会团体", "社团", "民办非企业", "民非", "社会服务机构", "社工机构",
          "协会", "商会", "学会", "研究会", "联合会", "一件事", "远程导办", "网办小视频")
# Asking how to do something (a guide), rather than about one fact the knowledge base answers.
ASKING = ("材料", "流程", "步骤", "怎么", "如何", "手续", "办理", "要什么", "需要什么", "准备",
          "指南", "成立", "注册", "登记", "申请", "办", "哪能", "啥")
READ_TIMEOUT = 2.0
MAX_GUIDES_IN_REPLY = 2


@dataclass(frozen=True)
class GuideAnswer:
    reply: str
    guide_id: str
    step: int = 0  # 1-based; 0 when the whole guide answers


def _compact(text: str) -> str:
    return clean(text).replace(" ", "")


def _score(words: Sequence[str], compact: str) -> int:
    return sum(len(w) for w in words if w and w in compact)


def pick(text: str, candidates: Sequence[GuideView]) -> tuple[list[GuideView], StepView | None]:
    """(guides, step): the guides the question is about (best first) and, when it names one of
    their steps, that step (of the first guide). ([], None) when it is not about a guide."""
    compact = _compact(text)
    if not candidates or not any(w in compact for w in DOMAIN):
        return [], None
    scored = [(_score(g.keywords, compact), g) for g in candidates]
    best = max(s for s, _ in scored)
    named = [g for s, g in scored if s == best and s > 0]
    # The step named, within the guides the question names (or any guide when it names none).
    steps = [(_score(s.keywords, compact), g, s) for g in (named or candidates) for s in g.steps]
    step_best = max((n for n, _, _ in steps), default=0)
    if step_best > 0:
        _, guide, found = next(t for t in steps if t[0] == step_best)
        return [guide], found
    if named and any(w in compact for w in ASKING):
        return named[:MAX_GUIDES_IN_REPLY], None
    return [], None


def guide_url(base_url: str, guide_id: str) -> str:
    return f"{base_url}/guides/{guide_id}"


def step_reply(guide: GuideView, found: StepView, contacts: Mapping[str, str] | None,
               base_url: str) -> str:
    lines = [f"【{guide.title}】第{found.number}步：{found.title}",
             guides.render(found.detail, contacts).strip()]
    if found.materials:
        lines.append("需要准备：" + "；".join(found.materials))
    if found.video:
        url = found.video.url if found.video.url.startswith("https://") else base_url + found.video.url
        lines.append(f"网办小视频：{found.video.title} {url}")
    lines.append(f"完整指南：{guide_url(base_url, guide.id)}#step-{found.number}")
    return "\n".join(lines)


def guides_reply(found: Sequence[GuideView], contacts: Mapping[str, str] | None,
                 base_url: str) -> str:
    if len(found) == 1:
        g = found[0]
        return (f"【{g.title}】\n{guides.render(g.summary, contacts)}\n"
                f"办事指南（步骤、材料、网办小视频）：{guide_url(base_url, g.id)}")
    lines = ["社会组织成立“一件事”，请按要成立的类型查看办事指南（步骤、材料、网办小视频）："]
    for n, g in enumerate(found, 1):
        lines.append(f"{n}. {g.title}\n{guides.render(g.summary, contacts)}\n{guide_url(base_url, g.id)}")
    return "\n".join(lines)


async def _published_views() -> list[GuideView]:
    """Every published guide with its steps, in two queries."""
    rows = await guides.published_guides()
    steps = await GuideStep.filter(guide_id__in=[g.id for g in rows]) if rows else []
    return [guides.view_of(g, [s for s in steps if s.guide_id == g.id]) for g in rows]


async def answer(text: str, contacts: Mapping[str, str] | None, base_url: str) -> GuideAnswer | None:
    """The guide answer for ``text``, or None (not about a guide, or the guides unreadable)."""
    compact = _compact(text)
    if not any(w in compact for w in DOMAIN):
        return None  # most messages: no database read at all
    try:
        candidates = await asyncio.wait_for(_published_views(), READ_TIMEOUT)
    except Exception as exc:  # the knowledge base still answers without the guides
        log.warning("guides unavailable for the answer", extra={"error": type(exc).__name__})
        return None
    found, step = pick(text, candidates)
    if not found:
        return None
    if step is not None:
        return GuideAnswer(step_reply(found[0], step, contacts, base_url), found[0].id, step.number)
    return GuideAnswer(guides_reply(found, contacts, base_url), found[0].id)
