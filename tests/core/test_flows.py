"""Guided flows (core.flows): a generic store any flow can reuse (state encrypted, 30 minutes,
unreadable rows ignored, expired rows purged), the decision path giving a crisis the crisis
answer before any flow, and what starts the 政策找人 check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sanic import Sanic

from core import answering, flows
from core.crypto import FieldCipher
from core.flows import FlowState, Guided, Turn
from core.models import GuidedFlowState
from core.policy_chat import starts_check

NOW = datetime(2031, 5, 5, 10, 0, tzinfo=UTC)


@dataclass
class Echo:
    """The smallest flow: "go" starts it, each message is kept, "done" ends it."""

    name: str = "echo"

    def wants(self, text: str) -> bool:
        return text == "go"

    async def prepare(self) -> None:
        return None

    def start(self) -> Turn:
        return Turn("started", FlowState(self.name))

    def step(self, state: FlowState, text: str) -> Turn | None:
        if text == "done":
            return Turn(f"got {state.answers['said']}", None)
        if text == "leave":
            return None
        return Turn(f"noted {text}", FlowState(self.name, state.step + 1, {"said": text}))

    def quit_reply(self) -> str:
        return "bye"


@pytest.fixture
def store(app: Sanic) -> flows.FlowStore:
    return flows.FlowStore(FieldCipher(app.ctx.settings.secret_key))


async def test_a_flow_runs_keeps_its_state_encrypted_and_ends(store: flows.FlowStore) -> None:
    guided = Guided(store, "oEcho", NOW, [Echo()])
    assert await guided.handle("hello") is None  # not started: answered as usual
    assert await guided.handle("go") == "started"
    assert await guided.handle("秘密的话") == "noted 秘密的话"
    row = await GuidedFlowState.get(user="oEcho")
    assert row.flow == "echo" and row.step == 1 and "秘密" not in row.answers_enc
    assert row.expires_at == NOW + flows.FLOW_KEEP
    assert await guided.handle("done") == "got 秘密的话"
    assert not await GuidedFlowState.filter(user="oEcho").exists()


async def test_quit_restart_and_leaving(store: flows.FlowStore) -> None:
    guided = Guided(store, "oEcho", NOW, [Echo()])
    await guided.handle("go")
    await guided.handle("a")
    assert await guided.handle("重新开始") == "started"
    assert await store.load("oEcho", NOW) == FlowState("echo")
    assert await guided.handle("退出") == "bye"
    assert await store.load("oEcho", NOW) is None
    await guided.handle("go")
    assert await guided.handle("leave") is None  # the flow gives the message back
    assert await store.load("oEcho", NOW) is None


async def test_expired_copied_or_foreign_state_is_never_read(store: flows.FlowStore,
                                                             app: Sanic) -> None:
    await store.save("oA", FlowState("echo", 2, {"said": "x"}), NOW)
    assert await store.load("oA", NOW + timedelta(minutes=29)) is not None
    assert await store.load("oA", NOW + timedelta(minutes=30)) is None
    # The ciphertext is bound to its openid: copied into another resident's row it is unreadable.
    await store.save("oB", FlowState("echo"), NOW)
    enc = (await GuidedFlowState.get(user="oA")).answers_enc
    await GuidedFlowState.filter(user="oB").update(answers_enc=enc)
    assert await store.load("oB", NOW) is None
    other_key = flows.FlowStore(FieldCipher("another-secret-key-" + "x" * 32))
    assert await other_key.load("oA", NOW) is None


async def test_purge_removes_only_expired_rows(store: flows.FlowStore) -> None:
    for n in range(5):
        await store.save(f"oOld{n}", FlowState("echo"), NOW - timedelta(hours=1))
    await store.save("oLive", FlowState("echo"), NOW)
    assert await flows.purge_expired(NOW, batch_size=2) == 5
    assert [r.user for r in await GuidedFlowState.all()] == ["oLive"]


async def test_a_crisis_is_answered_first_and_ends_the_flow(store: flows.FlowStore,
                                                            app: Sanic) -> None:
    kb = app.ctx.kb
    assert await kb.wait_ready()
    guided = Guided(store, "oEcho", NOW, [Echo()])
    await guided.handle("go")
    decided = await answering.decide("我不想活了", channel="wechat", kb=kb, user="oEcho",
                                     guided=guided, record=False)
    assert decided.intent == "crisis"
    assert await store.load("oEcho", NOW) is None
    # Without a crisis, the flow under way takes the message before anything else ("人工" too).
    await guided.handle("go")
    decided = await answering.decide("人工", channel="wechat", kb=kb, user="oEcho",
                                     guided=guided, record=False)
    assert (decided.intent, decided.reply) == ("guided", "noted 人工")


@pytest.mark.parametrize("text", ["政策找人", "我能领什么补贴", "我能领什么补贴？", "我家能申请哪些补助",
                                  "我可以享受什么政策", "我们家能拿到啥救助", "政策 找人"])
def test_what_starts_the_policy_check(text: str) -> None:
    assert starts_check(text)


@pytest.mark.parametrize("text", ["残疾人能领什么补贴", "低保能领多少钱", "老年综合津贴怎么申请",
                                  "我不想活了", "1", "政策"])
def test_what_does_not(text: str) -> None:
    assert not starts_check(text)
