"""Outbound calls to the WeChat server API (async httpx, ``WECHAT_API_BASE_URL``).

One access-token authority for every worker and host: the token lives in the database with its
expiry; one worker at a time refreshes it early, under a lease taken by a conditional UPDATE,
through ``/cgi-bin/stable_token`` in normal mode (never force_refresh, which would invalidate
the token other workers are using). Calls that may already have reached WeChat (customer-service
and subscribe messages) are never retried; menu reads are.

A failing token endpoint is called once per lease holder and backoff window (exponential,
capped): the holder keeps the lease until the window ends, so no other worker tries meanwhile,
and callers in this worker share the attempt in flight and then fail fast until the window ends.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.expressions import Q

from core.backoff import BackingOff, Backoff, SingleFlight
from core.models import WechatAccessToken

log = logging.getLogger("baoshan.wechat_api")

REFRESH_BEFORE = timedelta(minutes=5)  # refresh this long before expiry
LEASE = timedelta(seconds=30)
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid / expired access token


_STATE: weakref.WeakKeyDictionary[httpx.AsyncClient, dict[str, tuple[Backoff, SingleFlight[str]]]] \
    = weakref.WeakKeyDictionary()


def _shared_state(http: httpx.AsyncClient, app_id: str) -> tuple[Backoff, SingleFlight[str]]:
    """One backoff and one refresh in flight per app id and worker (its HTTP client)."""
    per_app = _STATE.setdefault(http, {})
    if app_id not in per_app:
        per_app[app_id] = (Backoff(), SingleFlight())
    return per_app[app_id]


class WechatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WechatApi:
    def __init__(self, http: httpx.AsyncClient, base_url: str, app_id: str, secret: str) -> None:
        self.http, self.base, self.app_id, self.secret = http, base_url.rstrip("/"), app_id, secret
        # Shared by every instance on this HTTP client (the bot builds one per late answer).
        self.backoff, self._refresh = _shared_state(http, app_id)

    async def _post(self, path: str, *, params: dict[str, str] | None = None,
                    json: dict[str, Any], retries: int = 0) -> dict[str, Any]:
        for attempt in range(retries + 1):
            try:
                r = await self.http.post(f"{self.base}{path}", params=params, json=json)
                data: dict[str, Any] = r.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("wechat call failed", extra={"path": path, "attempt": attempt,
                                                          "error": type(exc).__name__})
                if attempt == retries:
                    raise WechatApiError(-1, type(exc).__name__) from exc
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            code = int(data.get("errcode", 0) or 0)
            if code:
                raise WechatApiError(code, str(data.get("errmsg", "")))
            return data
        raise WechatApiError(-1, "unreachable")  # pragma: no cover

    async def _fetch_token(self) -> tuple[str, int]:
        data = await self._post("/cgi-bin/stable_token", json={
            "grant_type": "client_credential", "appid": self.app_id, "secret": self.secret,
            "force_refresh": False})
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    async def access_token(self, *, now: datetime | None = None, stale: str | None = None) -> str:
        """A valid token. ``stale`` names a token WeChat just rejected: re-read first, since another
        worker may already have replaced it, and refresh only if the stored one is that one."""
        for _ in range(50):
            now = now_utc() if now is None else now
            row = await WechatAccessToken.get_or_none(app_id=self.app_id)
            # The row _take_lease creates holds an empty token until the first refresh lands:
            # never a usable token, whatever its expiry says.
            usable = row is not None and bool(row.token) and row.token != stale
            fresh = usable and row is not None and row.expires_at - REFRESH_BEFORE > now
            if fresh and row is not None:
                return row.token
            if wait := self.backoff.waiting():
                # Our own attempt failed moments ago: the current token if it still works,
                # else fail fast rather than wait on the lease we ourselves are holding.
                if usable and row is not None and row.expires_at > now:
                    return row.token
                raise WechatApiError(-1, str(BackingOff(wait)))
            if self._refresh.busy():
                return await self._refresh.run(self._no_call)  # share the attempt in flight
            if await self._take_lease(now, stale):
                return await self._refresh.run(functools.partial(self._refresh_token, now))
            # Someone else is refreshing: the current token is still usable until it expires.
            if usable and row is not None and row.expires_at > now:
                return row.token
            await asyncio.sleep(0.1)
            now = None
        raise WechatApiError(-1, "token refresh did not finish")

    async def _refresh_token(self, now: datetime) -> str:
        """One attempt, under the lease. On failure the lease is kept for the backoff window (no
        worker calls the endpoint again before it ends); on cancellation it is handed back."""
        try:
            token, expires_in = await self._fetch_token()
        except asyncio.CancelledError:
            await asyncio.shield(
                WechatAccessToken.filter(app_id=self.app_id).update(lease_until=None))
            raise
        except Exception as exc:
            delay = self.backoff.failed()
            await WechatAccessToken.filter(app_id=self.app_id).update(
                lease_until=now_utc() + timedelta(seconds=delay))
            log.warning("access token refresh failed; backing off", extra={
                "error": type(exc).__name__, "failures": self.backoff.failures,
                "retry_in_s": delay})
            raise
        self.backoff.succeeded()
        await WechatAccessToken.filter(app_id=self.app_id).update(
            token=token, expires_at=now + timedelta(seconds=expires_in), lease_until=None)
        return token

    @staticmethod
    async def _no_call() -> str:  # pragma: no cover - only run when no flight is busy
        raise WechatApiError(-1, "no token refresh in flight")

    async def _take_lease(self, now: datetime, stale: str | None) -> bool:
        """One conditional UPDATE: free lease *and* a refresh still needed. The second condition
        stops a worker that read the old row from refreshing again right after another did."""
        await WechatAccessToken.get_or_create(
            app_id=self.app_id, defaults={"token": "", "expires_at": now})
        needed = Q(expires_at__lt=now + REFRESH_BEFORE)
        if stale:
            needed |= Q(token=stale)
        taken = await WechatAccessToken.filter(
            Q(app_id=self.app_id) & (Q(lease_until__isnull=True) | Q(lease_until__lt=now)) & needed
        ).update(lease_until=now + LEASE)
        return bool(taken)

    async def call(self, path: str, payload: dict[str, Any], *, safe_to_retry: bool) -> dict[str, Any]:
        token = await self.access_token()
        try:
            return await self._post(path, params={"access_token": token}, json=payload,
                                    retries=2 if safe_to_retry else 0)
        except WechatApiError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            # Rejected before any effect: a new token and one more try is safe for every call.
            token = await self.access_token(stale=token)
            return await self._post(path, params={"access_token": token}, json=payload)

    async def send_text(self, openid: str, content: str) -> None:
        """A customer-service message (allowed within 48 h of the user's last message)."""
        await self.call("/cgi-bin/message/custom/send", {
            "touser": openid, "msgtype": "text", "text": {"content": content}}, safe_to_retry=False)

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call("/cgi-bin/menu/create", menu, safe_to_retry=True)


def now_utc() -> datetime:
    return datetime.now(UTC)
