"""WeChat as infrastructure: the callback protocol, the one server-API client with its token
authority, and the custom menu file. Imports no face; the bot, the mini-program API and the CLI
use it."""

from core.wechat.client import Credentials, WechatApiError, WechatClient, WechatUnavailable

__all__ = ["Credentials", "WechatApiError", "WechatClient", "WechatUnavailable"]
