"""Console fixtures: clients logged in as a given role, with the session's CSRF token at hand."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest_asyncio
from sanic import Sanic

from content import auth
from tests.support.asgi import client as asgi_client

PASSWORD = "correct-horse-42"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Console:
    """An httpx client with a console session; ``post`` adds the CSRF field by itself."""

    def __init__(self, client: httpx.AsyncClient, username: str, csrf: str) -> None:
        self.client, self.username, self.csrf = client, username, csrf

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.client.get(path, **kw)

    async def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        return await self.client.post(path, data={"csrf": self.csrf, **(data or {})}, **kw)


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Console:
    form = await client.get("/console/login")
    token = _CSRF.search(form.text)
    assert token, form.text
    r = await client.post("/console/login",
                          data={"username": username, "password": password, "csrf": token.group(1)})
    assert r.status_code == 302, r.text
    home = await client.get("/console/")
    csrf = _CSRF.search(home.text)
    assert home.status_code == 200 and csrf, home.text
    return Console(client, username, csrf.group(1))


ConsoleFactory = Callable[[str], Awaitable[Console]]


@pytest_asyncio.fixture
async def console(app: Sanic) -> AsyncIterator[ConsoleFactory]:
    """``await console("editor")`` → a logged-in client for a new account with that role."""
    async with AsyncExitStack() as stack:
        made = 0

        async def make(role: str) -> Console:
            nonlocal made
            made += 1
            username = f"{role}{made}"
            await auth.add_staff(username, role, PASSWORD)
            client = await stack.enter_async_context(asgi_client(app))
            return await login(client, username)

        yield make
