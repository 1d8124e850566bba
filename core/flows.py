"""Guided flows: a short conversation of one question per message (the 政策找人 self-check; a
guide's walk-through later), with its state kept per resident across workers and hosts.

A flow is plain logic (``Flow``): how it starts, what one message does to its state. The state
is a row per openid in ``guided_flow_state`` with the flow's name, the step and the answers so
far. Answers describe a household's income, health and hardship, so they are personal data: the
JSON is encrypted with the app's field cipher (bound to the table, column and openid), the row
expires ``FLOW_KEEP`` after the resident's last message, an expired row is never read, and
``core.retention`` deletes expired rows. Nothing of a flow is ever logged.

``Guided`` is one resident's flows at one request's ``now``, as ``core.answering.decide`` uses
them: after the crisis check (a person in crisis is answered first, and their flow ends), before
everything else. Its reads and writes are bounded (``READ_WITHIN``, ``WRITE_WITHIN``): a
database that is down or hangs costs the flow (the message is answered as an ordinary
question), never the answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from core import sql
from core.crypto import FieldCipher, FieldDecryptError
from core.models import GuidedFlowState

log = logging.getLogger("baoshan.flows")
T = TypeVar("T")

FLOW_KEEP = timedelta(minutes=30)
# Every message reads its resident's row, so a database that hangs may cost this long before the
# message is answered without the flow, like the conversation state (core.conversation): the
# callback keeps about a second for answering after a slow claim. Writes happen only in a flow.
READ_WITHIN = 0.15
WRITE_WITHIN = 0.5
_BACKGROUND: set[asyncio.Future[Any]] = set()
TABLE, COLUMN = "guided_flow_state", "answers_enc"
QUIT_WORDS = frozenset({"退出", "结束", "取消", "不测了", "退出自测", "q", "quit"})
RESTART_WORDS = frozenset({"重新开始", "重来", "重新测", "从头开始"})


@dataclass(frozen=True)
class FlowState:
    flow: str
    step: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    misses: int = 0  # replies in a row that were no answer to the question asked


@dataclass(frozen=True)
class Turn:
    """What one message did: the reply, and the state to keep (None: the flow is over)."""

    reply: str
    state: FlowState | None


class Flow(Protocol):
    name: str

    def wants(self, text: str) -> bool:
        """Whether a message from someone not in a flow starts this one."""
        ...

    async def prepare(self) -> None:
        """Reads what the flow's words need (settings), once, before its first turn here."""
        ...

    def start(self) -> Turn: ...

    def step(self, state: FlowState, text: str) -> Turn | None:
        """The next turn, or None when the message is clearly not meant for the flow (it ends
        and the message is answered as usual)."""
        ...

    def quit_reply(self) -> str: ...


class FlowStore:
    """The ``guided_flow_state`` rows, their answers encrypted (``AppContext.flows``)."""

    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    async def load(self, user: str, now: datetime) -> FlowState | None:
        row = await GuidedFlowState.get_or_none(user=user)
        expires = sql.aware(row.expires_at) if row is not None else None
        if row is None or expires is None or expires <= now:
            return None
        try:
            data = json.loads(self._cipher.decrypt(row.answers_enc, table=TABLE, column=COLUMN,
                                                   row_key=user))
        except (FieldDecryptError, ValueError):
            log.warning("guided flow state unreadable; starting afresh")
            return None
        return FlowState(row.flow, int(row.step), dict(data.get("answers") or {}),
                         int(data.get("misses") or 0))

    async def save(self, user: str, state: FlowState, now: datetime) -> None:
        blob = json.dumps({"answers": state.answers, "misses": state.misses}, ensure_ascii=False)
        enc = self._cipher.encrypt(blob, table=TABLE, column=COLUMN, row_key=user)
        await GuidedFlowState.update_or_create(
            user=user, defaults={"flow": state.flow, "step": state.step, "answers_enc": enc,
                                 "expires_at": now + FLOW_KEEP})

    async def clear(self, user: str) -> None:
        await GuidedFlowState.filter(user=user).delete()


async def purge_expired(now: datetime, batch_size: int = 500) -> int:
    """Deletes expired flow states (``core.retention``), ``batch_size`` rows per statement."""
    total, cutoff = 0, now.astimezone(UTC)
    while True:
        users = await (GuidedFlowState.filter(expires_at__lt=cutoff).order_by("user")
                       .limit(batch_size).values_list("user", flat=True))
        if not users:
            return total
        total += await GuidedFlowState.filter(user__in=list(users)).delete()


class Guided:
    """One resident's guided flows at ``now`` (what ``core.answering.decide`` is given)."""

    def __init__(self, store: FlowStore, user: str, now: datetime, flows: Sequence[Flow]) -> None:
        self.store, self.user, self.now = store, user, now
        self.flows = {f.name: f for f in flows}

    async def handle(self, text: str) -> str | None:
        """The flow's reply to ``text``, or None when no flow takes it (answer it as usual)."""
        try:
            state = await _bounded(self.store.load(self.user, self.now), READ_WITHIN)
        except Exception as exc:
            log.warning("guided flow not read: database unavailable",
                        extra={"error": type(exc).__name__})
            return None
        words = text.strip().lower()
        flow = self.flows.get(state.flow) if state else None
        if state is None or flow is None:
            starting = next((f for f in self.flows.values() if f.wants(text)), None)
            if starting is None:
                return None
            await starting.prepare()
            return await self._keep(starting.start())
        if words in QUIT_WORDS:
            await self.end()
            return flow.quit_reply()
        await flow.prepare()
        if words in RESTART_WORDS:
            return await self._keep(flow.start())
        turn = flow.step(state, text)
        if turn is None:
            await self.end()
            return None
        return await self._keep(turn)

    async def start(self, name: str) -> str | None:
        """Starts the named flow afresh (a menu button); None for an unknown name."""
        flow = self.flows.get(name)
        if flow is None:
            return None
        await flow.prepare()
        return await self._keep(flow.start())

    async def end(self) -> None:
        try:
            await _bounded(self.store.clear(self.user), WRITE_WITHIN)
        except Exception as exc:
            # It expires on its own within FLOW_KEEP; retention removes it.
            log.warning("guided flow not ended: database unavailable",
                        extra={"error": type(exc).__name__})

    async def _keep(self, turn: Turn) -> str:
        if turn.state is None:
            await self.end()
            return turn.reply
        try:
            await _bounded(self.store.save(self.user, turn.state, self.now), WRITE_WITHIN)
        except Exception as exc:
            log.warning("guided flow not saved: database unavailable",
                        extra={"error": type(exc).__name__})
        return turn.reply


async def _bounded(step: Coroutine[Any, Any, T], within: float) -> T:
    """``step`` within ``within`` seconds, else TimeoutError. Shielded: cancelling a query on a
    hung connection can itself hang, so a step given up on carries on in the background."""
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.wait_for(asyncio.shield(task), within)
    except TimeoutError:
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        raise
