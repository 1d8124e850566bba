"""The outbox of late answers in-process (issue #11, items 3-4): who takes an owed answer over,
and that however many workers sweep at once, each owed answer is sent exactly once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from sanic import Sanic

from bot import late, outbox, service
from core.models import WechatInbound
from tests.support.wechat import FakeWechatApi


def _raw(user: str, content: str, msgid: int) -> dict[str, str]:
    return {"ToUserName": "gh_baoshan", "FromUserName": user, "CreateTime": "1700000000",
            "MsgType": "text", "Content": content, "MsgId": str(msgid)}


async def _row(key: str, status: str, *, lease: timedelta | None, age: timedelta = timedelta(0),
               user: str = "oOwed", content: str = "结婚登记要带什么") -> None:
    now = datetime.now(UTC)
    await WechatInbound.create(key=key, user=user, status=status,
                               request=json.dumps(_raw(user, content, 1), ensure_ascii=False),
                               lease_until=None if lease is None else now + lease)
    await WechatInbound.filter(key=key).update(created_at=now - age)


async def test_sweeps_deliver_each_owed_answer_once(app: Sanic) -> None:
    fake = FakeWechatApi()
    await _row("msg:1", "late", lease=-timedelta(seconds=1), user="oA")  # its worker died
    await _row("msg:2", "late", lease=None, user="oB")  # handed back at shutdown
    await _row("msg:3", "processing", lease=-timedelta(seconds=1), user="oC")  # died mid-reply
    await _row("msg:4", "late", lease=timedelta(seconds=30), user="oD")  # still being worked on
    await _row("msg:5", "sending", lease=-timedelta(seconds=1), user="oE")  # died mid-send
    await _row("msg:6", "late", lease=None, age=timedelta(hours=49), user="oF")  # window closed
    workers = [fake.client() for _ in range(3)]
    boxes = [outbox.Outbox(api, lambda raw: late.recompute(app, raw)) for api in workers]
    # Three workers starting at once all sweep the same rows.
    await asyncio.gather(*(box.sweep() for box in boxes))
    await asyncio.gather(*(t for box in boxes for t in list(box.tasks.values())))
    for api in workers:
        await api.http.aclose()
    sends = fake.custom
    assert sorted(s["touser"] for s in sends) == ["oA", "oB", "oC"]
    assert all("身份证" in s["text"]["content"] for s in sends)
    status = {r.key: r.status for r in await WechatInbound.all()}
    assert status == {"msg:1": "sent", "msg:2": "sent", "msg:3": "sent", "msg:4": "late",
                      "msg:5": "unknown", "msg:6": "expired"}
    # Delivered rows no longer keep the resident's message.
    assert {r.request for r in await WechatInbound.filter(status="sent")} == {""}


async def test_purge_keeps_owed_answers_past_the_retry_window(app: Sanic) -> None:
    await _row("msg:10", "done", lease=None, age=timedelta(minutes=11))
    await _row("msg:11", "late", lease=None, age=timedelta(hours=3))
    await _row("msg:12", "sent", lease=None, age=timedelta(minutes=1))
    await service.purge(datetime.now(UTC))
    assert sorted(r.key for r in await WechatInbound.all()) == ["msg:11", "msg:12"]


async def test_memory_claims_answer_a_retry_once_and_forget_in_time() -> None:
    memory = service.LocalDedup(keep_seconds=0.0, limit=2)
    assert memory.claim("k1") is None
    assert memory.claim("k1") is None  # forgotten once its time is up: a new first attempt
    memory = service.LocalDedup(limit=2)
    assert memory.claim("a") is None and memory.claim("b") is None and memory.claim("c") is None
    assert memory.claim("a") is None  # evicted: bounded at two keys
    first = memory.claim("c")
    assert first is not None
    memory.settle("c", "reply")
    assert first.result() == "reply"
