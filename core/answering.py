"""One decision path from a resident's message to what they are told, for every face.

The bot's callback, ``GET /api/v1/knowledge/search`` and ``baoshan ask`` all call ``decide``, so
what staff try on the command line or through the API is what residents get in WeChat. Faces only
render the ``Decision``: the bot as a WeChat text, news or transfer reply, the API as JSON, the
command as text.

The order matters: a person in crisis gets help before anything else (never a numbered list);
then a request for a person, a numbered pick of the suggestions just offered, a booking intent,
the newest notice, a 社会组织 guide or one of its steps (``core.guide_match``), a thumbs-down on
the answer just given, and only then the knowledge base,
with the conversation's topic for follow-ups that name no service (``core.conversation``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal, Protocol

from core import answer_review, catalogue, urgent
from core.answer_words import (
    BOOKING_INTENTS,
    HUMAN_WORDS,
    NOTICE_WORDS,
    REPLIES,
    THUMBS_DOWN_PARTICLES,
    THUMBS_DOWN_WORDS,
    BookingIntent,
)
from core.conversation import ConversationStore, Topic, context_queries, names_service
from core.flows import Guided
from core.guide_match import GuideAnswer
from knowledge import crisis
from knowledge.entries import Entry
from knowledge.matcher import Hit, Index, Result
from knowledge.normalise import clean

log = logging.getLogger("baoshan.answering")

Channel = Literal["wechat", "api", "cli", "simulator"]
NoticeSource = Callable[[], Awaitable["dict[str, str] | None"]]
# The guide answering a question (core.guide_match.answer, bound to the contacts and base URL).
GuideSource = Callable[[str], Awaitable["GuideAnswer | None"]]
REVIEW_MARGIN = answer_review.REVIEW_MARGIN
PICK_NUMBERS = {"1": 1, "2": 2, "3": 3}
# Intents whose reply is a definite answer (the API's ``answered``).
_ANSWERING = frozenset({"answer", "suggestion_pick", "booking", "notice", "guide"})


class Knowledge(Protocol):
    """What the decision needs of the knowledge base (``core.kb.KnowledgeService``)."""

    index: Index | None

    async def asearch(self, text: str, limit: int = 3) -> Result: ...
    def reply(self, result: Result) -> str: ...
    def reply_for(self, entry: Entry) -> str: ...
    def user_hash(self, user: str) -> str: ...
    async def record_unanswered(self, result: Result, *, channel: str, user: str = "") -> None: ...


@dataclass(frozen=True)
class Decision:
    """What a resident is told, before any channel's rendering."""

    # crisis | guided | transfer | suggestion_pick | booking | notice | guide | feedback
    # | answer | suggest | out_of_scope | smalltalk | unknown
    intent: str
    reply: str
    entry_id: str = ""
    hits: tuple[Hit, ...] = ()
    crisis: str = ""  # the crisis kind (knowledge.crisis)
    booking: BookingIntent | None = None
    notice: dict[str, str] | None = None  # title, description, url
    follow_up: bool = False  # answered with the conversation's topic
    guide: GuideAnswer | None = None  # the guide (and step) that answered
    extra: str = ""  # after a booking reply: the service's coming themed events, if any

    @property
    def answered(self) -> bool:
        return self.intent in _ANSWERING and (self.intent != "notice" or self.notice is not None)


def find_entry(kb: Knowledge, entry_id: str) -> Entry | None:
    """An active entry of the index the knowledge base answers from, by id."""
    index = kb.index
    return index.entry(entry_id) if index is not None and entry_id else None


def booking_intent(text: str, cleaned: str | None = None) -> BookingIntent | None:
    compact = (clean(text) if cleaned is None else cleaned).replace(" ", "")
    return next((b for b in BOOKING_INTENTS if any(w in compact for w in b.words)), None)


def is_thumbs_down(text: str, cleaned: str | None = None) -> bool:
    compact = "".join(ch for ch in (clean(text) if cleaned is None else cleaned) if ch.isalnum())
    return compact.rstrip(THUMBS_DOWN_PARTICLES) in THUMBS_DOWN_WORDS or compact in THUMBS_DOWN_WORDS


def notice_reply(notice: dict[str, str]) -> str:
    text = REPLIES["notice"].format(title=notice.get("title", ""),
                                    summary=notice.get("description", "")).rstrip()
    return f"{text}\n{notice['url']}" if notice.get("url") else text


async def latest_notice(now: datetime, base_url: str = "") -> dict[str, str] | None:
    """The newest published notice as one article (the platform shows only the first anyway)."""
    from core.notices import published_notices

    notices = await published_notices(now, 1)
    if not notices:
        return None
    n = notices[0]
    return {"title": n.title, "description": n.summary,
            "url": f"{base_url}/notices/{n.id}" if base_url else ""}


# --- slots: a booking reply for 集体颁证 names the coming ceremonies (title, theme, places left) ---
CEREMONY_PATH_SUFFIX = "service=collective_ceremony"
CEREMONY_LINES = 3


async def _coming_events(booking: BookingIntent) -> str:
    """The next few collective ceremonies in one short block, "" for other services. Best effort:
    a database hiccup must not cost the resident the booking answer itself."""
    if not booking.path.endswith(CEREMONY_PATH_SUFFIX):
        return ""
    from core.booking.slots import ceremony_line, coming

    try:
        slots = await coming("collective_ceremony", datetime.now(UTC), CEREMONY_LINES)
    except Exception:
        log.exception("coming ceremonies not read")
        return ""
    if not slots:
        return ""
    return catalogue.text("residents", "ceremony_coming",
                          {"lines": "\n".join(ceremony_line(s) for s in slots)})


@lru_cache(maxsize=4096)
def _crisis_of(text: str) -> crisis.Crisis | None:
    # The rules are compiled once per process, so the check is a pure function of the text and
    # a message residents repeat (they ask the same few things in waves, see KnowledgeService's
    # answer cache) is not run through every pattern again: ≈ 8 % of a worker's CPU per message.
    return crisis.detect(text)


def _detect_crisis(text: str) -> crisis.Crisis | None:
    try:
        return _crisis_of(text)
    except Exception:  # a broken rule file must not cost the resident their answer
        log.exception("crisis recognition failed")
        return None


async def decide(text: str, *, channel: Channel, kb: Knowledge, user: str = "",
                 store: ConversationStore | None = None, notices: NoticeSource | None = None,
                 record: bool = True, limit: int = 3, guided: Guided | None = None,
                 guides: GuideSource | None = None) -> Decision:
    """What to tell a resident who wrote ``text`` on ``channel``.

    ``user`` identifies the asker for the staff lists (only ever stored as a keyed hash);
    ``store`` is the asker's conversation (numbered picks, topic, thumbs-down), None where a
    channel has none; ``notices`` gives the newest notice; ``guides`` the 社会组织 guide a
    question is about (a guide's summary and link, or one of its steps); with ``record`` false (a
    staff trial on the command line) nothing is written for staff. ``guided`` is the asker's
    guided flows (``core.flows``: the 政策找人 self-check), None where a channel has none: after
    the crisis check, a flow under way (or started by this message) takes the message.
    """
    stripped = text.strip()
    # Before everything else, matching included: a person in crisis gets help, never a list.
    danger = _detect_crisis(stripped)
    if danger:
        if store is not None:
            # Earlier suggestions and topic go, so a "1" or "那怎么办" that follows cannot send
            # an unrelated entry.
            await store.remember_suggestions([])
            await store.forget_topic()
        if guided is not None:
            # A self-check under way ends: the next message must not be taken as its answer.
            await guided.end()
        if record:
            await urgent.record(danger.kind, channel, stripped)
        # The same referral to the community assistance adviser, offered urgent (core.referrals).
        offer = catalogue.text("residents", "referral_crisis_offer")
        return Decision("crisis", f"{danger.reply}\n{offer}", crisis=danger.kind)
    if guided is not None:
        step = await guided.handle(stripped)
        if step is not None:
            return Decision("guided", step)
    if stripped in HUMAN_WORDS:
        return Decision("transfer", REPLIES["transfer"])
    if store is not None and stripped in PICK_NUMBERS:
        picked = await _pick(kb, store, PICK_NUMBERS[stripped])
        if picked:
            return picked
    cleaned = clean(stripped)  # once: the checks below all read the cleaned text
    booking = booking_intent(stripped, cleaned)
    if booking:
        extra = await _coming_events(booking)
        reply = REPLIES["booking_no_link"].format(name=booking.name)
        return Decision("booking", f"{reply}\n{extra}" if extra else reply, booking=booking,
                        extra=extra)
    if cleaned.replace(" ", "") in NOTICE_WORDS:
        notice = await notices() if notices else None
        if notice:
            return Decision("notice", notice_reply(notice), notice=notice)
        return Decision("notice", REPLIES["no_notice"])
    guide = await guides(stripped) if guides else None
    if guide:
        return Decision("guide", guide.reply, guide=guide)
    topic = await store.topic() if store is not None else None
    if topic and is_thumbs_down(stripped, cleaned):
        if record:
            await _review_thumbs_down(kb, topic, channel, user)
        return Decision("feedback", REPLIES["thumbs_down"], entry_id=topic.entry_id)
    result, follow_up = await _search(kb, stripped, topic, limit)
    if record:
        await kb.record_unanswered(result, channel=channel, user=user)
        if result.answered and result.top and result.margin < REVIEW_MARGIN:
            await _review(kb, "small_margin", result, channel, user)
    if store is not None:
        if result.intent == "suggest":
            await store.remember_suggestions([h.entry.id for h in result.hits[:3]])
        elif result.answered and result.top:
            await store.remember_topic(result.top.entry.id, stripped)
    top = result.other or result.top
    return Decision(result.intent, kb.reply(result), entry_id=top.entry.id if top else "",
                    hits=tuple(result.hits), follow_up=follow_up)


async def _pick(kb: Knowledge, store: ConversationStore, number: int) -> Decision | None:
    entry = find_entry(kb, await store.suggestion(number) or "")
    if entry is None:
        return None
    await store.remember_topic(entry.id, "")
    return Decision("suggestion_pick", kb.reply_for(entry), entry_id=entry.id)


async def _search(kb: Knowledge, text: str, topic: Topic | None,
                  limit: int) -> tuple[Result, bool]:
    """The message matched alone, or, when it names no service and a topic is known, matched
    with the topic's service in front (if that answer is confident and in the topic's category;
    an explicit new topic in the message always wins, since it names a service)."""
    result = await kb.asearch(text, limit)
    entry = find_entry(kb, topic.entry_id) if topic else None
    if entry is None or names_service(text) or result.intent == "smalltalk":
        return result, False
    for query in context_queries(text, entry):
        found = await kb.asearch(query, limit)
        if found.answered and found.top and found.top.entry.category == entry.category:
            # A copy (results are cached by the knowledge base): the resident's words, not ours.
            return replace(found, query=text), True
    return result, False


def _runner_up(result: Result) -> Hit | None:
    top = result.top
    return next((h for h in result.hits[1:] if top and h.entry.id != top.entry.id), None)


async def _review(kb: Knowledge, reason: str, result: Result, channel: str, user: str) -> None:
    assert result.top is not None
    runner = _runner_up(result)
    await _keep_review(kb, reason=reason, channel=channel, question=result.query,
                       entry_id=result.top.entry.id, runner_up_id=runner.entry.id if runner else "",
                       margin=result.margin, user=user)


async def _review_thumbs_down(kb: Knowledge, topic: Topic, channel: str, user: str) -> None:
    """Records the answer the resident called useless with the question it answered, matched
    again for its runner-up and margin (the entry's title stands in after a numbered pick)."""
    entry = find_entry(kb, topic.entry_id)
    question = topic.question or (entry.title if entry else "")
    if not question:
        return
    found = await kb.asearch(question)
    same = found.top is not None and found.top.entry.id == topic.entry_id
    runner = _runner_up(found) if same else found.top
    await _keep_review(kb, reason="thumbs_down", channel=channel, question=question,
                       entry_id=topic.entry_id, runner_up_id=runner.entry.id if runner else "",
                       margin=found.margin if same else 0.0, user=user)


async def _keep_review(kb: Knowledge, *, user: str, reason: str, channel: str, question: str,
                       entry_id: str, runner_up_id: str, margin: float) -> None:
    try:
        await answer_review.record(reason=reason, channel=channel, question=question,
                                   entry_id=entry_id, runner_up_id=runner_up_id, margin=margin,
                                   user_hash=kb.user_hash(user) if user else "")
    except Exception:
        # Losing one review row must never cost the resident the answer.
        log.exception("answer not recorded for review", extra={"channel": channel})
