"""Console login under attack (#19): parallel guesses, argon2 bursts, rate limits, account probing."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from sanic import Sanic

from content import auth
from core.models import AuditLog, StaffUser
from tests.conftest import AppFactory
from tests.support.asgi import client as asgi_client
from tests.support.server import running_site

PASSWORD = "correct-horse-42"
WRONG = "wrong-password"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _csrf(client: httpx.AsyncClient) -> str:
    """One form visit; its double-submit cookie and token then serve many posts."""
    r = await client.get("/console/login")
    match = _CSRF.search(r.text)
    assert r.status_code == 200 and match, r.text
    return match.group(1)


async def _post(client: httpx.AsyncClient, csrf: str, username: str,
                password: str) -> httpx.Response:
    return await client.post("/console/login",
                             data={"username": username, "password": password, "csrf": csrf})


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """One attempt as a browser makes it: every login page sets a new CSRF cookie."""
    return await _post(client, await _csrf(client), username, password)


async def _unlimited(app_with: AppFactory) -> Sanic:
    """Rate limits off, so the lockout alone is under test."""
    return await app_with(rate_limit_login_per_address=0, rate_limit_login_per_username=0)


async def test_parallel_wrong_passwords_each_count_as_a_failure(app_with: AppFactory) -> None:
    app = await _unlimited(app_with)
    await auth.add_staff("wang.li", "registrar", PASSWORD)
    n = auth.MAX_FAILURES - 1  # below the lock, which resets the count
    async with asgi_client(app) as client:
        csrf = await _csrf(client)
        answers = await asyncio.gather(*(_post(client, csrf, "wang.li", WRONG) for _ in range(n)))
    assert [r.status_code for r in answers] == [401] * n
    user = await StaffUser.get(username="wang.li")
    assert user.failed_logins == n and user.locked_until is None


async def test_a_burst_hiding_the_right_password_does_not_log_in(app_with: AppFactory) -> None:
    app = await _unlimited(app_with)
    await auth.add_staff("wang.li", "registrar", PASSWORD)
    async with asgi_client(app) as client:
        csrf = await _csrf(client)
        burst = [_post(client, csrf, "wang.li", WRONG) for _ in range(2 * auth.MAX_FAILURES)]
        burst.append(_post(client, csrf, "wang.li", PASSWORD))
        answers = await asyncio.gather(*burst)
        assert [r.status_code for r in answers] == [401] * len(burst)
        assert (await client.get("/console/")).status_code == 302  # no session was opened
    user = await StaffUser.get(username="wang.li")
    assert user.locked_until is not None and user.locked_until > datetime.now(UTC)
    # Staff learn the truth from the audit log: one lock, however many attempts reached it.
    locks = await AuditLog.filter(action="staff.lock", target="wang.li")
    assert len(locks) == 1 and locks[0].actor == "system"
    # Still locked a minute later, even with the right password; open again after the lockout,
    # with a fresh count.
    with pytest.raises(auth.AuthError) as refused:
        await auth.login("wang.li", PASSWORD, datetime.now(UTC) + timedelta(minutes=1))
    assert refused.value.code == "bad_credentials"
    later = datetime.now(UTC) + auth.LOCKOUT + timedelta(seconds=1)
    await auth.login("wang.li", PASSWORD, later)
    user = await StaffUser.get(username="wang.li")
    assert user.failed_logins == 0 and user.locked_until is None


def test_health_checks_stay_fast_while_unknown_users_log_in(database_url: str,
                                                            tmp_path: Path) -> None:
    """argon2 runs off the event loop: 25 logins (dummy-hash verifies) must not stall /healthz."""

    async def burst(base: str) -> tuple[list[float], bool]:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            csrf = await _csrf(client)
            logins = [asyncio.create_task(_post(client, csrf, f"nobody{i}", WRONG))
                      for i in range(25)]
            await asyncio.sleep(0.3)  # the logins have arrived and are hashing
            probes = []
            for _ in range(3):
                began = time.monotonic()
                assert (await client.get("/healthz")).status_code == 200
                probes.append(time.monotonic() - began)
            during = not all(task.done() for task in logins)
            assert [r.status_code for r in await asyncio.gather(*logins)] == [401] * 25
            return probes, during

    with running_site(database_url, tmp_path, "baoshan_login") as site:
        probes, during = asyncio.run(burst(site.base))
    assert max(probes) < 1.0, probes
    assert during  # the probes really ran while the logins were hashing (that takes seconds)


async def test_login_is_rate_limited_per_address_before_any_hashing(app_with: AppFactory) -> None:
    app = await app_with(rate_limit_login_per_address=3, rate_limit_login_per_username=0)
    await auth.add_staff("wang.li", "registrar", PASSWORD)
    async with asgi_client(app) as client:
        for i in range(3):
            assert (await _login(client, f"user{i}", WRONG)).status_code == 401
        began = time.monotonic()
        for _ in range(6):  # the right password does not help: nothing is checked
            r = await _login(client, "wang.li", PASSWORD)
            assert r.status_code == 429 and "登录尝试过于频繁" in r.text
            assert 1 <= int(r.headers["retry-after"]) <= 60
        limited = time.monotonic() - began
        assert (await client.get("/console/")).status_code == 302
        # Another address is not affected.
        other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("198.51.100.9", 1)),
                                  base_url="http://testserver")
        async with other:
            assert (await _login(other, "wang.li", PASSWORD)).status_code == 302
    assert (await StaffUser.get(username="wang.li")).failed_logins == 0
    # Refused before hashing: six refusals cost less than three argon2 verifies.
    hasher = PasswordHasher()
    stored = hasher.hash(PASSWORD)
    began = time.monotonic()
    hasher.verify(stored, PASSWORD)
    assert limited < 3 * (time.monotonic() - began), limited


async def test_login_is_rate_limited_per_username(app_with: AppFactory) -> None:
    app = await app_with(rate_limit_login_per_address=0, rate_limit_login_per_username=2)
    await auth.add_staff("wang.li", "registrar", PASSWORD)
    async with asgi_client(app) as client:
        assert (await _login(client, "wang.li", WRONG)).status_code == 401
        assert (await _login(client, "wang.li", WRONG)).status_code == 401
        for name in ("wang.li", " WANG.LI "):  # the same account however it is typed
            r = await _login(client, name, PASSWORD)
            assert r.status_code == 429 and "登录尝试过于频繁" in r.text and r.headers["retry-after"]
        assert (await _login(client, "li.si", WRONG)).status_code == 401  # other names: open
    user = await StaffUser.get(username="wang.li")
    assert user.failed_logins == 2 and user.last_login_at is None


def _visible(r: httpx.Response, username: str) -> tuple[int, str, list[str]]:
    """What an outsider compares: status, page text (minus the fresh token and the echoed name),
    header names."""
    body = _CSRF.sub("csrf", r.text).replace(f'value="{username}"', 'value=""')
    return r.status_code, body, sorted(r.headers.keys())


async def test_answers_do_not_tell_whether_an_account_exists(client: httpx.AsyncClient) -> None:
    await auth.add_staff("wang.li", "registrar", PASSWORD)
    unknown = _visible(await _login(client, "zhang.wu", WRONG), "zhang.wu")
    assert unknown[0] == 401 and "用户名或密码不正确" in unknown[1]
    for attempt in range(1, auth.MAX_FAILURES + 3):  # wrong, locking, then locked
        known = _visible(await _login(client, "wang.li", WRONG), "wang.li")
        assert known == unknown, attempt
    locked = _visible(await _login(client, "wang.li", PASSWORD), "wang.li")
    assert locked == unknown
    assert (await StaffUser.get(username="wang.li")).locked_until is not None
