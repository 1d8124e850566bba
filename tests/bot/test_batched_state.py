"""The callback's per-message writes, coalesced per event-loop turn (core.batch), keep their
one-at-a-time meaning: of several copies of one message exactly one is claimed, every settled row
keeps its own reply, and all of one resident's conversation writes in one turn land (#18)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sanic import Sanic

from bot import outbox, service
from core.conversation import SUGGESTIONS_KEEP, TOPIC_KEEP, Topic
from core.models import WechatInbound, WechatUserState

# The real present: a claim sometimes purges old rows (2 %), and a clock years ahead would make
# the rows this test just claimed look old enough to go.
NOW = datetime.now(UTC).replace(microsecond=0)
OFFICE = "mr-office-info"


async def _claim(app: Sanic, key: str, user: str = "oBatch") -> service.Claim:
    return await service.claim(app.ctx.bot_claims, key, user, NOW, '{"MsgId": "1"}', within=3.0,
                               retry_within=0.3)


async def test_copies_of_one_message_in_one_turn_are_claimed_once(app: Sanic) -> None:
    claims = await asyncio.gather(*(_claim(app, "msg:770001") for _ in range(3)),
                                  _claim(app, "msg:770002", "oOther"))
    assert [c.fresh for c in claims] == [True, False, False, True]
    assert all(c.shared for c in claims)  # in the database, not a worker's memory
    rows = {r.key: r for r in await WechatInbound.all()}
    assert set(rows) == {"msg:770001", "msg:770002"}
    first = rows["msg:770001"]
    assert (first.user, first.status, first.reply) == ("oBatch", "processing", "")
    assert first.request == '{"MsgId": "1"}'
    assert first.lease_until == NOW + outbox.PROCESSING_LEASE
    assert abs(first.created_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert rows["msg:770002"].user == "oOther"


async def test_each_settled_row_keeps_its_own_reply(app: Sanic) -> None:
    await asyncio.gather(_claim(app, "msg:770011"), _claim(app, "msg:770012"))
    done = app.ctx.bot_done  # the app's batcher of settlements
    settled = await asyncio.gather(outbox.mark_done(done, "msg:770011", "<xml>一</xml>"),
                                   outbox.mark_done(done, "msg:770012", "<xml>二</xml>"),
                                   outbox.mark_done(done, "msg:770013", "<xml>无此消息</xml>"))
    assert settled == [1, 1, 0]
    rows = {r.key: r for r in await WechatInbound.all()}
    assert {k: (r.status, r.reply, r.request, r.lease_until) for k, r in rows.items()} == {
        "msg:770011": ("done", "<xml>一</xml>", "", None),
        "msg:770012": ("done", "<xml>二</xml>", "", None)}
    # Settled once: a second settlement changes nothing, and a retry is told the first reply.
    assert await outbox.mark_done(done, "msg:770011", "<xml>again</xml>") == 0
    retry = await _claim(app, "msg:770011")
    assert not retry.fresh and await retry.wait() == "<xml>一</xml>"


async def test_one_residents_writes_in_one_turn_all_land(app: Sanic) -> None:
    talks = app.ctx.conversations  # the app's batchers (core.conversation.Conversations)
    await asyncio.gather(talks.of("oSame", NOW).remember_suggestions(["x-1", "x-2"]),
                         talks.of("oSame", NOW).remember_topic(OFFICE, "那在哪里办"),
                         talks.of("oNew", NOW).remember_topic(OFFICE, ""))
    same = await WechatUserState.get(user="oSame")
    assert same.suggestions == ["x-1", "x-2"] and same.expires_at == NOW + SUGGESTIONS_KEEP
    assert (same.topic_entry, same.topic_expires_at) == (OFFICE, NOW + TOPIC_KEEP)
    new = await WechatUserState.get(user="oNew")
    # A new row offers no suggestions: they are expired from the start.
    assert new.suggestions == [] and new.expires_at == NOW and new.topic_entry == OFFICE

    later = talks.of("oSame", NOW + timedelta(minutes=1))
    assert await later.suggestion(2) == "x-2"
    assert await later.topic() == Topic(OFFICE, "那在哪里办")
    # Writes in order: the topic forgotten after it was set stays forgotten, suggestions stay.
    await asyncio.gather(later.remember_topic("sa-apply", ""), later.forget_topic())
    again = talks.of("oSame", NOW + timedelta(minutes=2))
    assert await again.topic() is None and await again.suggestion(1) == "x-1"
    assert await talks.of("oNew", NOW + timedelta(minutes=11)).topic() is None
