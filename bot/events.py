"""What the bot does for each event WeChat pushes (follows, menus, scans, platform reports).

Registered into ``bot.registry`` on import. Events not named here get ``success``, which is also
what WeChat expects for every report it does not show to the resident.
"""

from __future__ import annotations

from typing import Any

from bot.handlers import answer_text
from bot.registry import Context, nested_field, on_event, on_message, text_field
from bot.replies import Reply, Silent, Text, say
from core.booking.codes import QR_PREFIX
from knowledge.render import CAPABILITIES

# The entry the menu's contacts button answers with: its addresses and numbers come from staff
# settings, so pointing residents there never invents one.
CONTACT_ENTRY = "si-bureau-contact"
# What the bot asks the knowledge base for when it needs the bureau's contacts and the contacts
# entry itself is missing (a query, not text anyone reads).
CONTACT_QUESTION = "宝山区民政局地址电话"


async def contacts_reply(ctx: Context, user: str) -> str:
    text = ctx.entry_text(CONTACT_ENTRY)
    if text:
        return text
    # Without the entry (a knowledge base loaded without it), ask the knowledge base for the
    # contacts, so the answer still comes from it and its contact settings. Searched directly,
    # not as the resident's message: asking for a location sets no conversation topic.
    return ctx.reply_text(await ctx.ask(CONTACT_QUESTION, user))


@on_event("subscribe", "subscribe_scan", "subscribe_scan_product")
async def on_subscribe(message: Any, ctx: Context) -> Reply:
    # wechatpy turns "subscribe" with a qrscene_ key into subscribe_scan (scene in scene_id) and
    # one with a product-scan key into subscribe_scan_product ("scanbarcode|standard|code").
    scene = text_field(message, "scene_id") or text_field(message, "key")
    if message.event == "subscribe_scan_product":
        scene = text_field(message, "event_key").split("|", 1)[0]
    await ctx.record_follow(message.source, True, scene.removeprefix("qrscene_"))
    return Text(f"{await ctx.welcome_text()}\n\n{CAPABILITIES}")


@on_event("unsubscribe")
async def on_unsubscribe(message: Any, ctx: Context) -> Reply:
    await ctx.record_follow(message.source, False, "")
    return Silent()


@on_event("scan")
async def on_scan(message: Any, ctx: Context) -> Reply:
    # A follower scanning one of our QR codes again: greet, but keep the scene they followed
    # with (the follower row records how people came, not their latest scan).
    return Text(say("bot_welcome_back"))


@on_event("click")
async def on_click(message: Any, ctx: Context) -> Reply:
    key = text_field(message, "key")
    if key.startswith("kb:"):
        text = ctx.entry_text(key[3:])
        if text:
            return Text(text, entry=key[3:])
    if key.startswith("ask:"):
        return await answer_text(key[4:], message.source, ctx)
    if key.startswith("flow:"):
        # A guided flow's button (flow:policy_check, the 政策找人 self-check) starts it afresh.
        guided = ctx.guided(message.source)
        started = await guided.start(key[5:]) if guided is not None else None
        if started:
            return Text(started, intent="guided")
    return Text(CAPABILITIES)


@on_event("scancode_waitmsg")
async def on_scancode_waitmsg(message: Any, ctx: Context) -> Reply:
    # The client shows "receiving" and waits for our reply. A booking's check-in code is meant
    # for the counter's scanner, so a resident scanning their own one needs telling where to go.
    result = nested_field(message, "scan_code_info", "ScanResult").strip()
    if result.startswith(f"{QR_PREFIX}:"):
        return Text(say("bot_scan_booking"))
    return Text(say("bot_scan_received"))


@on_message("location")
async def on_location(message: Any, ctx: Context) -> Reply:
    # A shared location (also what the menu's location_select button sends afterwards): the one
    # useful answer is where the bureau is and how to reach it.
    contacts = await contacts_reply(ctx, message.source)
    return Text(f"{say('bot_location_received')}\n\n{contacts}")


@on_event("user_authorization_revoke", "user_authorization_cancellation")
async def on_authorization_withdrawn(message: Any, ctx: Context) -> Reply:
    # The event names the user in <OpenID>; FromUserName is the platform's own sender.
    user = text_field(message, "open_id") or message.source
    await ctx.forget_user(user)
    return Silent()


# Named so that staying quiet is visibly a decision: the client acts by itself (links, mini
# programs, scancode_push shows the scanned result), the event is a periodic report (LOCATION), it
# is followed by an ordinary message that gets the answer (pic_* by image messages,
# location_select by a location message: replying to both would answer the resident twice), or
# it is a platform report no resident waits on. None of them changes any state.
@on_event("view", "view_miniprogram", "scancode_push", "location",
          "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select",
          "templatesendjobfinish", "masssendjobfinish", "publishjobfinish",
          "subscribe_msg_popup_event", "subscribe_msg_change_event", "subscribe_msg_sent_event",
          "kf_create_session", "kf_close_session", "kf_switch_session",
          "user_info_modified")
async def on_quiet_event(message: Any, ctx: Context) -> Reply:
    return Silent()
