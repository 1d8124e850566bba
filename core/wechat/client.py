"""The one client of WeChat's server API, for the official account and the mini-program.

Every outbound call goes through here: the bot's customer-service messages and menu, the
reminders' subscribe messages, the mini-program's login (``/sns/jscode2session``). Access tokens
come from the one authority (``core.wechat.token``, a database lease per app id). Each call has a
timeout (WeChat answers a callback within 5 s, so ours must be well inside it); the HTTP client
is ``core.outbound``'s, which logs every call with its query values redacted, so no secret,
token or login code reaches a log line.

Calls that may already have reached WeChat (customer-service and subscribe messages) are never
retried, except when WeChat rejected the token (nothing happened then); reads and the menu are.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import httpx

from core import outbound
from core.settings import Settings
from core.wechat.token import TokenLease, TokenUnavailable, now_utc

log = logging.getLogger("baoshan.wechat")

App = Literal["account", "miniapp"]  # the official account, the mini-program
TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid / expired access token
CALL_TIMEOUT = httpx.Timeout(4.0, connect=2.0)
RETRY_PAUSE_SECONDS = 0.2


class WechatApiError(Exception):
    """WeChat answered with a non-zero ``errcode``."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WechatUnavailable(WechatApiError):
    """No answer from WeChat (transport error, timeout, not JSON) or no token to call with: the
    call did not take effect as far as we know, so callers may hand their work back."""

    def __init__(self, reason: str) -> None:
        super().__init__(-1, reason)


@dataclass(frozen=True)
class Credentials:
    app_id: str
    secret: str


def errcode_of(data: object) -> int:
    """WeChat's errcode (0 when absent); -1 for a body that is not an object or a junk code."""
    if not isinstance(data, dict):
        return -1
    try:
        return int(data.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1


class WechatClient:
    """One per worker (``app.ctx.wechat``), or one per CLI command."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, *, account: Credentials,
                 miniapp: Credentials, clock: Callable[[], datetime] = now_utc) -> None:
        self.http, self.base = http, base_url.rstrip("/")
        self.credentials: dict[App, Credentials] = {"account": account, "miniapp": miniapp}
        self.tokens: dict[App, TokenLease] = {
            app: TokenLease(c.app_id, functools.partial(self._fetch_token, c), clock)
            for app, c in self.credentials.items()}

    @classmethod
    def from_settings(cls, settings: Settings, http: httpx.AsyncClient | None = None,
                      clock: Callable[[], datetime] = now_utc) -> WechatClient:
        return cls(http or outbound.client(), settings.wechat_api_base_url,
                   account=Credentials(settings.wechat_app_id, settings.wechat_app_secret),
                   miniapp=Credentials(settings.miniapp_app_id, settings.miniapp_app_secret),
                   clock=clock)

    # --- transport ---------------------------------------------------------------------------

    async def _request(self, method: str, path: str, *, params: dict[str, str] | None = None,
                       json: dict[str, Any] | None = None, retries: int = 0) -> dict[str, Any]:
        for attempt in range(retries + 1):
            try:
                r = await self.http.request(method, f"{self.base}{path}", params=params,
                                            json=json, timeout=CALL_TIMEOUT)
                data = r.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("wechat call failed", extra={"path": path, "attempt": attempt,
                                                          "error": type(exc).__name__})
                if attempt == retries:
                    raise WechatUnavailable(type(exc).__name__) from exc
                await asyncio.sleep(RETRY_PAUSE_SECONDS * (attempt + 1))
                continue
            if not isinstance(data, dict):
                raise WechatUnavailable("not a JSON object")
            if code := errcode_of(data):
                raise WechatApiError(code, str(data.get("errmsg", "")))
            return data
        raise WechatUnavailable("unreachable")  # pragma: no cover

    async def _fetch_token(self, c: Credentials) -> tuple[str, int]:
        data = await self._request("POST", "/cgi-bin/stable_token", json={
            "grant_type": "client_credential", "appid": c.app_id, "secret": c.secret,
            "force_refresh": False})
        if not data.get("access_token"):
            raise WechatUnavailable("no access_token in the answer")
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    # --- tokens ------------------------------------------------------------------------------

    async def access_token(self, app: App = "account", *, now: datetime | None = None,
                           stale: str | None = None) -> str:
        try:
            return await self.tokens[app].get(now=now, stale=stale)
        except TokenUnavailable as exc:
            raise WechatUnavailable(str(exc)) from exc

    def backing_off(self, app: App) -> bool:
        """Whether this worker's last token attempt for ``app`` failed moments ago."""
        return self.tokens[app].backing_off()

    async def call(self, path: str, payload: dict[str, Any], *, app: App = "account",
                   safe_to_retry: bool, token: str | None = None) -> dict[str, Any]:
        """POST ``payload`` with an access token (``token`` if the caller already holds one)."""
        token = token or await self.access_token(app)
        try:
            return await self._request("POST", path, params={"access_token": token}, json=payload,
                                       retries=2 if safe_to_retry else 0)
        except WechatApiError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            # Rejected before any effect: a new token and one more try is safe for every call.
            token = await self.access_token(app, stale=token)
            return await self._request("POST", path, params={"access_token": token}, json=payload)

    # --- the calls the service makes ---------------------------------------------------------

    async def send_custom(self, openid: str, message: dict[str, Any]) -> None:
        """A customer-service message (allowed within 48 h of the user's last message);
        ``message`` is the body without ``touser`` (msgtype and its part)."""
        await self.call("/cgi-bin/message/custom/send", {"touser": openid, **message},
                        safe_to_retry=False)

    async def send_text(self, openid: str, content: str) -> None:
        await self.send_custom(openid, {"msgtype": "text", "text": {"content": content}})

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call("/cgi-bin/menu/create", menu, safe_to_retry=True)

    async def send_subscribe(self, message: dict[str, Any], *, token: str | None = None) -> None:
        """A mini-program subscribe message (one consent each); never retried."""
        await self.call("/cgi-bin/message/subscribe/send", message, app="miniapp",
                        safe_to_retry=False, token=token)

    async def jscode2session(self, code: str) -> dict[str, Any]:
        """The mini-program login: openid and session_key for a wx.login code."""
        c = self.credentials["miniapp"]
        return await self._request("GET", "/sns/jscode2session", params={
            "appid": c.app_id, "secret": c.secret, "js_code": code,
            "grant_type": "authorization_code"})
