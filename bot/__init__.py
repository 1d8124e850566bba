"""The official-account bot: WeChat's callback at ``/wechat``."""

from bot.routes import bp

__all__ = ["bp"]
