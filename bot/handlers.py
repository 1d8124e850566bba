"""What the bot says to each message type (text, voice, media); events are in ``bot.events``.

Text, typed or recognised from speech or sent by a menu button, goes through the one decision
path (``core.answering``); only the channel's form of the answer is chosen here.
"""

from __future__ import annotations

from typing import Any

from bot.registry import Context, on_message, text_field
from bot.replies import News, Reply, Text, Transfer, say
from core import answering
from core.answer_words import REPLIES
from core.kb import SIMULATED_USER_PREFIX, SIMULATOR_CHANNEL


def render_decision(decision: answering.Decision, ctx: Context) -> Reply:
    """The decision as a WeChat reply: only the channel's form is chosen here, never the words."""
    d = decision
    if d.intent == "transfer":
        return Transfer()
    if d.intent == "notice" and d.notice:
        return News(d.notice, intent=d.intent)
    if d.booking and ctx.miniapp_app_id and not ctx.miniapp_app_id.startswith("dev-placeholder"):
        link = (f'<a data-miniprogram-appid="{ctx.miniapp_app_id}" '
                f'data-miniprogram-path="{d.booking.path}" href="#">点击进入预约</a>')
        text = REPLIES["booking"].format(name=d.booking.name, link=link)
        return Text(f"{text}\n{d.extra}" if d.extra else text, intent=d.intent)
    return Text(d.reply, entry=d.entry_id, intent=d.intent, crisis=d.crisis)


async def answer_text(text: str, user: str, ctx: Context) -> Reply:
    """Text (typed, recognised from speech, or from a menu) through the one decision path."""
    channel: answering.Channel = (SIMULATOR_CHANNEL if user.startswith(SIMULATED_USER_PREFIX)
                                  else "wechat")  # type: ignore[assignment]
    decision = await answering.decide(text, channel=channel, kb=ctx.kb, user=user,
                                      store=ctx.conversation(user), notices=ctx.latest_notice,
                                      guided=ctx.guided(user), guides=ctx.guide_answer)
    return render_decision(decision, ctx)


@on_message("text")
async def on_text(message: Any, ctx: Context) -> Reply:
    return await answer_text(text_field(message, "content"), message.source, ctx)


@on_message("voice")
async def on_voice(message: Any, ctx: Context) -> Reply:
    recognition = text_field(message, "recognition").strip()
    if recognition:
        return await answer_text(recognition, message.source, ctx)
    # Speech recognition off, or nothing recognised: say how to ask instead.
    return Text(say("bot_voice_unrecognised"))


@on_message("image", "video", "shortvideo", "link", "file", "miniprogrampage")
async def on_media(message: Any, ctx: Context) -> Reply:
    return Text(say("bot_only_text"))
