"""The bot's blueprint and its lifecycle: the batchers of claims and settled replies, the late
answers' sweeper, and the start-up warning about the message mode. ``bot.callback`` registers the
routes on it."""

from __future__ import annotations

import logging

from sanic import Blueprint, Sanic

from bot import late, service
from core.context import of_app
from core.wechat import protocol

log = logging.getLogger("baoshan.bot")
bp = Blueprint("bot")

bp.before_server_start(service.open_batchers)
bp.after_server_start(late.start)
bp.before_server_stop(late.stop)


@bp.before_server_start
async def warn_unless_safe(app: Sanic) -> None:
    """Outside safe mode a callback's signature covers no part of its body: anyone who saw one
    signed URL could post any message as any resident for the next five minutes."""
    s = of_app(app).settings
    if s.is_production and s.wechat_message_mode != protocol.SAFE_MODE:
        log.warning("WeChat callback accepts plaintext messages in production; "
                    "set WECHAT_MESSAGE_MODE=safe (安全模式) so every message body is signed",
                    extra={"mode": s.wechat_message_mode})
