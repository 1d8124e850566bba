"""The official-account bot: WeChat's callback at ``/wechat``."""

from bot import callback  # noqa: F401  (registers the routes on bp)
from bot.blueprint import bp

__all__ = ["bp"]
