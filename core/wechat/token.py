"""The one access-token authority, for every app id (official account and mini-program), every
worker and every host.

The token lives in the database with its expiry (``wechat_access_token``, one row per app id);
one worker at a time refreshes it early, under a lease taken by a conditional UPDATE, through
``/cgi-bin/stable_token`` in normal mode (never force_refresh, which would invalidate the token
other workers are using). A per-worker cache would let each worker and host fetch its own and
fight over it; the lease makes the database the only authority.

A failing token endpoint is called once per lease holder and backoff window (exponential,
capped): the holder keeps the lease until the window ends, so no other worker tries meanwhile,
and callers in this worker share the attempt in flight and then fail fast until the window ends.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from core.backoff import BackingOff, Backoff, SingleFlight
from core.models import WechatAccessToken

log = logging.getLogger("baoshan.wechat.token")

REFRESH_BEFORE = timedelta(minutes=5)  # refresh this long before expiry
LEASE = timedelta(seconds=30)
_ROUNDS = 50  # waits of 0.1 s for another worker's refresh before giving up

Fetch = Callable[[], Awaitable[tuple[str, int]]]


class TokenUnavailable(Exception):
    """No usable token: the endpoint failed moments ago (backing off) or no refresh finished."""


def now_utc() -> datetime:
    return datetime.now(UTC)


class TokenLease:
    """The token of one app id, as stored; ``fetch`` asks WeChat for a new one."""

    def __init__(self, app_id: str, fetch: Fetch,
                 clock: Callable[[], datetime] = now_utc) -> None:
        self.app_id, self._fetch, self._clock = app_id, fetch, clock
        self.backoff = Backoff()
        self._refresh: SingleFlight[str] = SingleFlight()

    async def get(self, *, now: datetime | None = None, stale: str | None = None) -> str:
        """A valid token. ``stale`` names a token WeChat just rejected: re-read first, since another
        worker may already have replaced it, and refresh only if the stored one is that one."""
        for _ in range(_ROUNDS):
            now = self._clock() if now is None else now
            row = await WechatAccessToken.get_or_none(app_id=self.app_id)
            # The row _take_lease creates holds an empty token until the first refresh lands:
            # never a usable token, whatever its expiry says.
            token = row.token if row is not None and row.token and row.token != stale else ""
            expires = row.expires_at if row is not None else now
            if token and expires - REFRESH_BEFORE > now:
                return token
            if wait := self.backoff.waiting():
                # Our own attempt failed moments ago: the current token if it still works,
                # else fail fast rather than wait on the lease we ourselves are holding.
                if token and expires > now:
                    return token
                raise TokenUnavailable(str(BackingOff(wait)))
            if self._refresh.busy():
                return await self._refresh.run(self._no_call)  # share the attempt in flight
            if await self._take_lease(now, stale):
                return await self._refresh.run(functools.partial(self._refresh_token, now))
            # Someone else is refreshing: the current token is still usable until it expires.
            if token and expires > now:
                return token
            await asyncio.sleep(0.1)
            now = None
        raise TokenUnavailable("token refresh did not finish")

    def backing_off(self) -> bool:
        return bool(self.backoff.waiting())

    async def _refresh_token(self, now: datetime) -> str:
        """One attempt, under the lease. On failure the lease is kept for the backoff window (no
        worker calls the endpoint again before it ends); on cancellation it is handed back."""
        try:
            token, expires_in = await self._fetch()
        except asyncio.CancelledError:
            await asyncio.shield(
                WechatAccessToken.filter(app_id=self.app_id).update(lease_until=None))
            raise
        except Exception as exc:
            delay = self.backoff.failed()
            await WechatAccessToken.filter(app_id=self.app_id).update(
                lease_until=self._clock() + timedelta(seconds=delay))
            log.warning("access token refresh failed; backing off", extra={
                "app_id": self.app_id, "error": type(exc).__name__,
                "failures": self.backoff.failures, "retry_in_s": delay})
            raise
        self.backoff.succeeded()
        await WechatAccessToken.filter(app_id=self.app_id).update(
            token=token, expires_at=now + timedelta(seconds=expires_in), lease_until=None)
        return token

    @staticmethod
    async def _no_call() -> str:  # pragma: no cover - only run when no flight is busy
        raise TokenUnavailable("no token refresh in flight")

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
