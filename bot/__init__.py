"""The official-account bot: WeChat's callback at ``/wechat``."""

from bot.callback import bp

__all__ = ["bp"]
